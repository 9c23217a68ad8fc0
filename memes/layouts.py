"""A meme's text layout: the boxes stored with it (``Meme.boxes``, ml.layout.TextBox as JSON),
their default placement around the faces, and how the classic fields map onto them both ways:
``top_text``/``bottom_text`` are the first two boxes' texts, ``font_size``/``text_color`` the
first box's style (setting them restyles every box)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ml import render
from ml.layout import (
    TextBox,
    boxes_from_dicts,
    boxes_to_dicts,
    classic_boxes,
    new_box_slots,
    place_boxes,
    restyle,
)

from . import limits
from .models import Meme

NEW_BOX = TextBox("", x=0.2, y=0.42, width=0.6, height=0.16)  # what the editor's "Add a text box" adds


def face_boxes(faces: Any) -> list[list[float]]:
    """[x, y, w, h] of each stored face (Meme.faces), largest first."""
    return [
        list(face["box"])
        for face in faces or []
        if isinstance(face, dict) and len(face.get("box") or []) == 4
    ]


def default_layout(
    *,
    size: tuple[int, int],
    faces: Any,
    top_text: str,
    bottom_text: str,
    font_size: int = limits.FONT_SIZE_DEFAULT,
    text_color: str = limits.COLOR_DEFAULT,
) -> list[TextBox]:
    """Top and bottom boxes placed around the faces, so the caption leaves the main face clear."""
    return place_boxes(
        size,
        top_text=top_text,
        bottom_text=bottom_text,
        faces=face_boxes(faces),
        size=font_size,
        color=text_color,
    )


def meme_boxes(meme: Meme) -> list[TextBox]:
    """The meme's layout; memes made before layouts existed get the default one from their fields."""
    if meme.boxes is not None:
        return boxes_from_dicts(meme.boxes)
    return default_layout(
        size=(meme.photo_width, meme.photo_height),
        faces=meme.faces,
        top_text=meme.top_text,
        bottom_text=meme.bottom_text,
        font_size=meme.font_size,
        text_color=meme.text_color,
    )


def with_texts(boxes: list[TextBox], *, top_text: str | None, bottom_text: str | None) -> list[TextBox]:
    """The first two boxes' texts replaced (None keeps one); a missing box is added, classic
    style, only for a text that isn't empty."""
    boxes = list(boxes)
    for index, text in ((0, top_text), (1, bottom_text)):
        if text is None or (not text and len(boxes) <= index):
            continue
        while len(boxes) <= index:
            style = {"size": boxes[0].size, "color": boxes[0].color} if boxes else {}
            boxes.append(classic_boxes("", "", **style)[len(boxes)])
        boxes[index] = replace(boxes[index], text=text)
    return boxes


def with_style(boxes: list[TextBox], *, font_size: int | None, text_color: str | None) -> list[TextBox]:
    """The old whole-meme settings: a size or colour applies to every box."""
    changes: dict[str, Any] = {}
    if font_size is not None:
        changes["size"] = font_size
    if text_color is not None:
        changes["color"] = text_color
    return restyle(boxes, **changes) if changes else list(boxes)


def meme_boxes_in_step(meme: Meme) -> list[TextBox]:
    """The layout with the classic fields' texts in its first two boxes: code that sets
    ``top_text``/``bottom_text`` (a chosen or newly written caption) and draws again stays right."""
    return with_texts(meme_boxes(meme), top_text=meme.top_text, bottom_text=meme.bottom_text)


def layout_set(meme: Meme, boxes: list[TextBox]) -> None:
    """Store a layout on the meme (unsaved) and keep the classic fields in step with it."""
    meme.boxes = boxes_to_dicts(boxes)
    meme.top_text = boxes[0].text if boxes else ""
    meme.bottom_text = boxes[1].text if len(boxes) > 1 else ""
    if boxes:
        meme.font_size = min(limits.FONT_SIZE_MAX, max(limits.FONT_SIZE_MIN, boxes[0].size))
        meme.text_color = boxes[0].color


def editor_data(*, meme: Meme) -> dict[str, Any]:
    """What the editor page needs (templates/memes/detail.html hands it to static/js/editor.js)."""
    return {
        "layout": boxes_to_dicts(meme_boxes(meme)),
        "config": {
            "photo_url": meme.photo.url,
            "metrics": render.font_metrics(),
            "new_box": NEW_BOX.to_dict(),
            # Where added boxes go, best first: off the faces (the editor skips slots a box covers).
            "new_box_slots": new_box_slots(
                (meme.photo_width, meme.photo_height), faces=face_boxes(meme.faces), count=limits.BOXES_MAX
            ),
            "limits": {
                "max_boxes": limits.BOXES_MAX,
                "box_min_side": limits.BOX_MIN_SIDE,
                "size_min": limits.BOX_SIZE_MIN,
                "size_max": limits.BOX_SIZE_MAX,
                "outline_width_max": limits.OUTLINE_WIDTH_MAX,
                "text_max_length": limits.TEXT_MAX_LENGTH,
            },
        },
    }
