"""Meme layouts: text boxes on a picture, and where to put them so the caption avoids faces.

A box's position and size are fractions of the picture (so a layout survives resizing, thumbnails
and the browser's scaled preview). Plain Python, no Django, no Pillow: ``ml.render`` draws these,
and static/js/editor.js draws the same boxes the same way in the browser.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

ALIGNMENTS = ("left", "center", "right")
CASES = ("upper", "lower", "none")  # "none": as typed
VALIGNS = ("top", "middle", "bottom")  # where the text block sits inside its box
DEFAULT_COLOR = "#ffffff"
OUTLINE_COLOR = "#000000"
DEFAULT_SIZE = 100  # percent of the default largest font size; text still shrinks to fit its box
DEFAULT_OUTLINE_WIDTH = 7  # percent of the font size: the classic meme outline

MARGIN = 0.03  # of each side: text never touches the picture's border
BLOCK_HEIGHT = 0.40  # the classic top and bottom boxes each take this much of the height


@dataclass(frozen=True)
class TextBox:
    """One caption box. x, y, width, height are fractions of the picture's width/height."""

    text: str
    x: float = MARGIN
    y: float = MARGIN
    width: float = 1 - 2 * MARGIN
    height: float = BLOCK_HEIGHT - MARGIN
    size: int = DEFAULT_SIZE
    color: str = DEFAULT_COLOR
    outline_color: str = OUTLINE_COLOR
    outline_width: int = DEFAULT_OUTLINE_WIDTH
    align: str = "center"
    case: str = "upper"
    valign: str = "middle"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TextBox:
        """A box from stored/validated JSON; unknown keys are ignored, missing ones default."""
        names = cls.__dataclass_fields__.keys()
        return cls(**{key: value for key, value in data.items() if key in names})

    def display_text(self) -> str:
        """The text as drawn: whitespace collapsed, case applied."""
        text = " ".join(self.text.split())
        if self.case == "upper":
            return text.upper()
        if self.case == "lower":
            return text.lower()
        return text


def boxes_from_dicts(items: Iterable[Mapping[str, Any]]) -> list[TextBox]:
    return [TextBox.from_dict(item) for item in items]


def boxes_to_dicts(boxes: Iterable[TextBox]) -> list[dict[str, Any]]:
    return [box.to_dict() for box in boxes]


# --- the classic layout and face-avoiding placement -------------------------------------------

Rect = tuple[float, float, float, float]  # x, y, width, height as fractions

_TOP: Rect = (MARGIN, MARGIN, 1 - 2 * MARGIN, BLOCK_HEIGHT - MARGIN)
_BOTTOM: Rect = (MARGIN, 1 - BLOCK_HEIGHT, 1 - 2 * MARGIN, BLOCK_HEIGHT - MARGIN)
_FACE_PAD = 0.12  # of a face's box on each side: hair, chin and ears count as the face too
_MIN_BAND = 0.14  # a box shorter than this (of the height) would make the text too small to read
_MIN_COLUMN = 0.28  # likewise for a box beside a face (of the width)
_NEW_BOX_HEIGHT = 0.16  # an added box: a line or two of text
_GRID = [MARGIN] + [i / 10 for i in range(1, 10)] + [1 - MARGIN]
# Costs: covering the main face is what we avoid above all; then the other faces; then we keep
# the text near its classic edge and as large as we can.
_COVER_MAIN, _COVER_OTHER, _AWAY_FROM_HOME, _SMALL = 100.0, 10.0, 2.0, 1.0


def classic_boxes(top_text: str, bottom_text: str, **style: Any) -> list[TextBox]:
    """Top and bottom across the whole width: the meme everybody knows."""
    return [
        TextBox(top_text, *_TOP, valign="top", **style),
        TextBox(bottom_text, *_BOTTOM, valign="bottom", **style),
    ]


def place_boxes(
    image_size: tuple[int, int],
    /,
    *,
    top_text: str,
    bottom_text: str,
    faces: Sequence[Sequence[float]] = (),
    **style: Any,
) -> list[TextBox]:
    """The top and bottom boxes, moved and shrunk so they don't cover the main face (faces[0],
    the largest, as [x, y, w, h] in pixels) when that is possible, and avoid the other faces when
    that is cheap. With no face, or a face that fills the picture, this is ``classic_boxes``."""
    width, height = image_size
    rects = [_padded(face, width, height) for face in faces if len(face) == 4 and face[2] > 0 and face[3] > 0]
    rects = [r for r in rects if r[2] > 0 and r[3] > 0]
    if not rects or width <= 0 or height <= 0:
        return classic_boxes(top_text, bottom_text, **style)
    candidates = _candidates(rects[0])
    top_costs = [(_cost(c, rects, home="top"), c) for c in candidates]
    bottom_costs = [(_cost(c, rects, home="bottom"), c) for c in candidates]
    best: tuple[float, Rect, Rect] = (
        _cost(_TOP, rects, home="top") + _cost(_BOTTOM, rects, home="bottom"),
        _TOP,
        _BOTTOM,
    )
    for (top_cost, top), (bottom_cost, bottom) in itertools.product(top_costs, bottom_costs):
        cost = top_cost + bottom_cost
        # Reading order stays top then bottom, and the two never share space.
        if cost < best[0] - 1e-9 and top[1] < bottom[1] and not _overlap(top, bottom):
            best = (cost, top, bottom)
    _, top, bottom = best
    if _intersection(top, rects[0]) + _intersection(bottom, rects[0]) > 1e-9:
        # The main face can't be left clear (it fills the picture): the classic layout reads best.
        return classic_boxes(top_text, bottom_text, **style)
    return [
        TextBox(top_text, *_rounded(top), valign="top", **style),
        TextBox(bottom_text, *_rounded(bottom), valign="bottom", **style),
    ]


def new_box_slots(
    image_size: tuple[int, int], /, *, faces: Sequence[Sequence[float]] = (), count: int = 6
) -> list[Rect]:
    """Where an added text box may go, best first: bands that leave the main face (then the other
    faces) clear, nearest the middle. The editor takes the first one no other box overlaps."""
    width, height = image_size
    rects = [_padded(face, width, height) for face in faces if len(face) == 4 and face[2] > 0 and face[3] > 0]
    rects = [r for r in rects if r[2] > 0 and r[3] > 0] if width > 0 and height > 0 else []
    band = _NEW_BOX_HEIGHT
    slots = [(MARGIN, y, 1 - 2 * MARGIN, band) for y in _frange(MARGIN, 1 - MARGIN - band, 0.04)]
    slots += [(x, y, 0.45, band) for x in (MARGIN, 1 - MARGIN - 0.45) for _, y, _, _ in slots]

    def cost(rect: Rect) -> float:
        covers = 0.0
        for index, face in enumerate(rects):
            covers += (
                (_COVER_MAIN if index == 0 else _COVER_OTHER)
                * _intersection(rect, face)
                / (face[2] * face[3])
            )
        middle = abs(rect[1] + rect[3] / 2 - 0.5)
        return covers + middle + (0.3 if rect[2] < 0.5 else 0.0)  # full width reads better

    chosen: list[Rect] = []
    for rect in sorted(slots, key=cost):
        if not any(_overlap(rect, other) for other in chosen):
            chosen.append(_rounded(rect))
        if len(chosen) == count:
            break
    return chosen


def _frange(start: float, stop: float, step: float) -> list[float]:
    return [start + i * step for i in range(int((stop - start) / step + 1e-9) + 1)]


def covered_fraction(box: TextBox, face: Sequence[float], size: tuple[int, int]) -> float:
    """How much of a face (pixels [x, y, w, h]) lies under the box: 0 is none, 1 is all."""
    width, height = size
    x, y, w, h = face
    rect = (x / width, y / height, w / width, h / height)
    return _intersection((box.x, box.y, box.width, box.height), rect) / max(1e-9, rect[2] * rect[3])


def _padded(face: Sequence[float], width: int, height: int) -> Rect:
    x, y, w, h = (float(v) for v in face)
    pad_x, pad_y = w * _FACE_PAD, h * _FACE_PAD
    left, top = max(0.0, (x - pad_x) / width), max(0.0, (y - pad_y) / height)
    right, bottom = min(1.0, (x + w + pad_x) / width), min(1.0, (y + h + pad_y) / height)
    return (left, top, right - left, bottom - top)


def _candidates(main: Rect) -> list[Rect]:
    """Full-width bands and columns beside the main face, on a coarse grid plus the face's edges."""
    left, top, right, bottom = main[0], main[1], main[0] + main[2], main[1] + main[3]
    stops = sorted({*_GRID, *(v for v in (top, bottom) if MARGIN < v < 1 - MARGIN)})
    bands = [
        (a, b)
        for a, b in itertools.combinations(stops, 2)
        if _MIN_BAND <= b - a <= BLOCK_HEIGHT - MARGIN + 1e-9
    ]
    columns = [(MARGIN, 1 - 2 * MARGIN)]
    if left - MARGIN >= _MIN_COLUMN:
        columns.append((MARGIN, left - MARGIN))
    if 1 - MARGIN - right >= _MIN_COLUMN:
        columns.append((right, 1 - MARGIN - right))
    return [(cx, a, cw, b - a) for cx, cw in columns for a, b in bands]


def _cost(rect: Rect, faces: list[Rect], *, home: str) -> float:
    main, *others = faces
    cost = _COVER_MAIN * _intersection(rect, main) / (main[2] * main[3])
    cost += sum(_COVER_OTHER * _intersection(rect, face) / (face[2] * face[3]) for face in others)
    away = rect[1] - MARGIN if home == "top" else (1 - MARGIN) - (rect[1] + rect[3])
    cost += _AWAY_FROM_HOME * max(0.0, away)
    cost += _SMALL * (1 - min(1.0, rect[3] / (BLOCK_HEIGHT - MARGIN)) * rect[2] / (1 - 2 * MARGIN))
    return cost


def _intersection(a: Rect, b: Rect) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def _overlap(a: Rect, b: Rect) -> bool:
    return _intersection(a, b) > 1e-9


def _rounded(rect: Rect) -> Rect:
    return tuple(round(v, 4) for v in rect)  # type: ignore[return-value]


def restyle(boxes: Iterable[TextBox], **changes: Any) -> list[TextBox]:
    """The same boxes with some style fields changed on every one (the old whole-meme settings)."""
    return [replace(box, **changes) for box in boxes]
