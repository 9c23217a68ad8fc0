"""Meme rendering: text boxes (ml.layout) drawn in bold capitals with an outline, classic style.

Plain Pillow, no Django. Each box's text is wrapped and shrunk until every line fits inside its
box, so nothing ever leaves it, whatever its length or the image's size. static/js/editor.js is
a line-by-line port of ``layout_lines`` (same font, same wrapping, same outline), so the browser
preview matches what this draws; keep the two in step.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# Decoding has one home, ml.imageio; open_image stays importable from here for older callers.
from ml.imageio import flatten, open_image  # noqa: F401
from ml.layout import DEFAULT_COLOR, DEFAULT_OUTLINE_WIDTH, OUTLINE_COLOR, TextBox, classic_boxes

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "BebasNeue-Bold.otf"  # SIL OFL 1.1, see OFL.txt
THUMBNAIL_SIDE = 480
JPEG_QUALITY = 90

_BASE_SIZE = 0.16  # largest font size, of the shorter side, at 100 %
_MIN_SIZE = 1
_LINE_GAP = 0.05  # of the font size


@dataclass(frozen=True)
class PlacedLine:
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in image pixels, outline included
    size: int
    stroke: int
    source: TextBox | None = None  # the box this line belongs to (its colours)


@dataclass(frozen=True)
class _Fit:
    lines: list[str]
    size: int
    stroke: int
    line_height: int
    gap: int

    @property
    def height(self) -> int:
        return len(self.lines) * self.line_height + max(0, len(self.lines) - 1) * self.gap


@lru_cache(maxsize=256)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def _split_long_word(word: str, font: ImageFont.FreeTypeFont, stroke: int, width: int) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and font.getlength(current + ch) + 2 * stroke > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return pieces + ([current] if current else [])


def _wrap(text: str, font: ImageFont.FreeTypeFont, stroke: int, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) + 2 * stroke <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if font.getlength(word) + 2 * stroke <= width:
            current = word
        else:
            *full, current = _split_long_word(word, font, stroke, width)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines


def _try_size(text: str, size: int, width: int, height: int, outline_width: int) -> _Fit | None:
    font = _font(size)
    stroke = stroke_width(size, outline_width)
    lines = _wrap(text, font, stroke, width)
    ascent, descent = font.getmetrics()
    fit = _Fit(lines, size, stroke, ascent + descent + 2 * stroke, _px(size * _LINE_GAP))
    widest = max((font.getlength(line) + 2 * stroke for line in lines), default=0)
    return fit if fit.height <= height and widest <= width else None


def _fit(text: str, *, width: int, height: int, max_size: int, outline_width: int) -> _Fit | None:
    """The largest font size at which the wrapped text fits the box (binary search)."""
    lo, hi, best = _MIN_SIZE, max(_MIN_SIZE, max_size), None
    while lo <= hi:
        mid = (lo + hi) // 2
        fit = _try_size(text, mid, width, height, outline_width)
        if fit:
            best, lo = fit, mid + 1
        else:
            hi = mid - 1
    return best


def _fit_or_truncate(
    text: str, *, width: int, height: int, max_size: int, outline_width: int = DEFAULT_OUTLINE_WIDTH
) -> _Fit | None:
    # Even the smallest size may not hold a novel in a thumbnail: drop words until it does.
    words = text.split()
    while words:
        fit = _fit(
            " ".join(words), width=width, height=height, max_size=max_size, outline_width=outline_width
        )
        if fit:
            return fit
        words = words[:-1]
        if words:
            words[-1] = words[-1].rstrip(".,;:!?") + "…"
    return None


def _px(value: float) -> int:
    # Half up, like JavaScript's Math.round: the browser preview must land on the same pixels.
    return math.floor(value + 0.5)


def stroke_width(size: int, outline_width: int) -> int:
    """Outline thickness in pixels for a font size and an outline width in percent of it."""
    return 0 if outline_width <= 0 else max(1, _px(size * outline_width / 100))


def max_font_size(image_size: tuple[int, int], percent: float) -> int:
    """The largest font size a box may use: ``percent`` of the default (16 % of the shorter side)."""
    return max(_MIN_SIZE, _px(min(image_size) * _BASE_SIZE * percent / 100))


def box_pixels(image_size: tuple[int, int], box: TextBox) -> tuple[int, int, int, int]:
    """left, top, width, height of a box in pixels."""
    width, height = image_size
    return _px(box.x * width), _px(box.y * height), _px(box.width * width), _px(box.height * height)


def layout_lines(image_size: tuple[int, int], boxes: Sequence[TextBox]) -> list[PlacedLine]:
    """Where each line of each box goes: wrapped, shrunk until it fits its box, aligned in it."""
    placed: list[PlacedLine] = []
    for box in boxes:
        text = box.display_text()
        left, top, box_width, box_height = box_pixels(image_size, box)
        if not text or box_width <= 0 or box_height <= 0:
            continue
        fit = _fit_or_truncate(
            text,
            width=box_width,
            height=box_height,
            max_size=max_font_size(image_size, box.size),
            outline_width=box.outline_width,
        )
        if fit is None:
            continue
        font = _font(fit.size)
        y = top + {"top": 0, "middle": (box_height - fit.height) // 2, "bottom": box_height - fit.height}.get(
            box.valign, 0
        )
        for line in fit.lines:
            line_width = round(font.getlength(line)) + 2 * fit.stroke
            x = left + {"left": 0, "right": box_width - line_width}.get(
                box.align, (box_width - line_width) // 2
            )
            placed.append(
                PlacedLine(line, (x, y, x + line_width, y + fit.line_height), fit.size, fit.stroke, box)
            )
            y += fit.line_height + fit.gap
    return placed


def layout(
    size: tuple[int, int], *, top_text: str, bottom_text: str, font_scale: float = 1.0
) -> list[PlacedLine]:
    """The classic top/bottom layout's lines (see ``layout_lines``)."""
    return layout_lines(size, classic_boxes(top_text, bottom_text, size=_px(font_scale * 100)))


def render_layout(image: Image.Image, boxes: Sequence[TextBox]) -> Image.Image:
    """A new RGB image with every box's text drawn on it. Animated memes call this per frame."""
    canvas = flatten(image).copy()
    draw = ImageDraw.Draw(canvas)
    for line in layout_lines(canvas.size, boxes):
        left, top, right, _ = line.box
        # Anchor at the middle of the line's ascender so the glyphs sit inside the box we measured
        # (editor.js draws from the same point: centre x, baseline = top + stroke + ascent).
        draw.text(
            ((left + right) / 2, top + line.stroke),
            line.text,
            font=_font(line.size),
            fill=line.source.color if line.source else DEFAULT_COLOR,
            stroke_width=line.stroke,
            stroke_fill=line.source.outline_color if line.source else OUTLINE_COLOR,
            anchor="ma",
        )
    return canvas


def render_meme(
    image: Image.Image,
    *,
    top_text: str,
    bottom_text: str,
    font_scale: float = 1.0,
    color: str = DEFAULT_COLOR,
    outline: str = OUTLINE_COLOR,
) -> Image.Image:
    """A new RGB image with classic top/bottom captions drawn on it."""
    boxes = classic_boxes(
        top_text, bottom_text, size=_px(font_scale * 100), color=color, outline_color=outline
    )
    return render_layout(image, boxes)


def font_metrics() -> dict[str, float]:
    """Ascent and descent per pixel of font size, for the browser preview (FreeType rounds both up)."""
    ascent, descent = _font(1000).getmetrics()
    return {
        "ascent": ascent / 1000,
        "descent": descent / 1000,
        "base_size": _BASE_SIZE,
        "line_gap": _LINE_GAP,
    }


def thumbnail(image: Image.Image, max_side: int = THUMBNAIL_SIDE) -> Image.Image:
    thumb = flatten(image).copy()
    thumb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return thumb


def to_jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG bytes with no EXIF, GPS or other metadata: only the pixels leave."""
    clean = Image.frombytes("RGB", image.size, flatten(image).tobytes())
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()
