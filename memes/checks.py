"""Every ``check_*`` validator, Zulip style: take what a person sent, return it cleaned, or raise
Django's ValidationError with a message a person can read and a ``code`` that names the field.
Services call them; forms and serializers call them too instead of keeping rules of their own."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from PIL import Image

from ml import imageio
from ml.emotions import EMOTIONS
from ml.layout import ALIGNMENTS, CASES, VALIGNS, TextBox

from . import captions as caption_rules
from . import limits
from .models import Report

REPORT_ACTIONS = ("dismiss", "hide", "delete")


@dataclass(frozen=True)
class CheckedPhoto:
    image: (
        Image.Image
    )  # oriented RGB, at most WORKING_MAX_SIDE on its longer side (an animation's first frame)
    format: str
    frames: imageio.Frames | None = None  # an animated GIF/WebP: every frame, at most ANIMATION_MAX_SIDE

    @property
    def is_animated(self) -> bool:
        return self.frames is not None


_DAMAGED = "The photo is damaged or incomplete (it may not have finished uploading). Try another file."


def check_photo(photo: File) -> CheckedPhoto:
    """Open an uploaded photo completely, or say clearly why not. Pillow's decompression-bomb
    guard stays on; our own pixel limits are lower and checked from the header before decoding.
    An animated GIF or WebP keeps every frame, within the ANIMATION_* limits."""
    max_bytes = limits.upload_max_bytes()
    size = photo.size or 0
    if size == 0:
        raise ValidationError("The file is empty. Choose a photo to upload.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"The file is {size / 1_048_576:.1f} MB; photos can be at most {limits.upload_limit_text()}.",
            code="too_large",
        )
    photo.seek(0)
    data = photo.read()
    photo.seek(0)
    try:
        info = imageio.probe(data)
    except imageio.ImageLoadError as exc:
        if exc.code == "too_large":
            raise _too_many_pixels() from exc
        if exc.code == "damaged":
            raise ValidationError(_DAMAGED, code="damaged") from exc
        raise ValidationError(
            f"This file is not an image we can read. Upload a {limits.ALLOWED_FORMATS_TEXT} photo.",
            code="not_image",
        ) from exc
    if info.format not in limits.ALLOWED_FORMATS:
        raise ValidationError(
            f"{info.format} images are not supported. Upload a {limits.ALLOWED_FORMATS_TEXT} photo.",
            code="format",
        )
    kind = limits.ALLOWED_FORMATS[info.format]
    width, height = info.width, info.height
    if width * height > limits.upload_max_pixels():
        raise _too_many_pixels(width, height)
    if max(width, height) > limits.MAX_ASPECT_RATIO * max(1, min(width, height)):
        raise ValidationError(
            f"The photo is {width}x{height} pixels: too long and thin for a meme (the longer side can be "
            f"at most {limits.MAX_ASPECT_RATIO} times the shorter). Crop it and try again.",
            code="aspect_ratio",
        )
    animated = info.is_animated and info.format in limits.ANIMATED_FORMATS
    if animated:
        check_animation_header(info)
    try:
        if animated:
            frames = imageio.read_frames(data, max_side=limits.ANIMATION_MAX_SIDE)
            check_animation_duration(frames)
            return CheckedPhoto(image=frames.images[0], format=kind, frames=frames)
        image = imageio.open_image(data)
    except imageio.ImageLoadError as exc:
        if exc.code == "too_large":
            raise _too_many_pixels(width, height) from exc
        # Truncated or corrupt data: Pillow refuses to decode the whole picture.
        raise ValidationError(_DAMAGED, code="damaged") from exc
    if max(image.size) > limits.WORKING_MAX_SIDE:
        image.thumbnail((limits.WORKING_MAX_SIDE, limits.WORKING_MAX_SIDE), Image.Resampling.LANCZOS)
    return CheckedPhoto(image=image, format=kind)


def check_animation_header(info: imageio.ImageInfo) -> None:
    """Frame count and pixel budget, from the header: refused before a frame is decoded."""
    if info.frames > limits.ANIMATION_MAX_FRAMES:
        raise ValidationError(
            f"The animation has {info.frames} frames; the limit is {limits.ANIMATION_MAX_FRAMES}. "
            "Trim it or drop frames and try again.",
            code="too_many_frames",
        )
    total = info.pixels * info.frames
    if total > limits.ANIMATION_MAX_PIXELS:
        raise ValidationError(
            f"The animation is {info.width}x{info.height} with {info.frames} frames "
            f"({total / 1e6:.1f} megapixels in all); the limit is "
            f"{limits.ANIMATION_MAX_PIXELS / 1e6:g} megapixels. Make it smaller or shorter.",
            code="animation_too_large",
        )


def check_animation_duration(frames: imageio.Frames) -> None:
    seconds = frames.total_ms / 1000
    if seconds > limits.ANIMATION_MAX_SECONDS:
        raise ValidationError(
            f"The animation plays for {seconds:.1f} seconds; the limit is "
            f"{limits.ANIMATION_MAX_SECONDS} seconds. Trim it and try again.",
            code="animation_too_long",
        )


def _too_many_pixels(width: int = 0, height: int = 0) -> ValidationError:
    detail = f" is {width}x{height} ({width * height / 1e6:.1f} megapixels)" if width else " is too large"
    return ValidationError(
        f"The photo{detail}; the limit is {limits.pixel_limit_text()}. Try a smaller photo.",
        code="too_many_pixels",
    )


def check_emotion(value: str | None, *, allow_blank: bool = True) -> str:
    value = (value or "").strip().lower()
    if not value and allow_blank:
        return ""
    if value not in EMOTIONS:
        raise ValidationError(
            f"Unknown emotion {value!r}. Choose one of: {', '.join(EMOTIONS)}.", code="emotion"
        )
    return value


def _clean_text_within(value: str | None, *, limit: int, message: str, code: str) -> str:
    """One line of text, cleaned as captions are (whitespace collapsed, control characters gone),
    at most `limit` characters."""
    value = caption_rules.clean_text(value or "")
    if len(value) > limit:
        raise ValidationError(message, code=code)
    return value


def check_topic(value: str | None) -> str:
    limit = limits.TOPIC_MAX_LENGTH
    return _clean_text_within(
        value, limit=limit, message=f"Keep the topic under {limit} characters.", code="topic"
    )


def check_text(value: str | None, *, name: str = "Text") -> str:
    limit = limits.TEXT_MAX_LENGTH
    return _clean_text_within(
        value, limit=limit, message=f"{name} can be at most {limit} characters.", code="text"
    )


def check_color(value: str | None) -> str:
    value = (value or "").strip().lower()
    if not re.fullmatch(limits.COLOR_PATTERN, value):
        raise ValidationError(limits.COLOR_MESSAGE, code="color")
    return value


def check_font_size(value: int | str | None) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError("Font size must be a whole number.", code="font_size") from exc
    if not limits.FONT_SIZE_MIN <= number <= limits.FONT_SIZE_MAX:
        raise ValidationError(
            f"Font size must be between {limits.FONT_SIZE_MIN} and {limits.FONT_SIZE_MAX} percent.",
            code="font_size",
        )
    return number


def check_comment_text(value: str | None) -> str:
    # Line breaks stay (the page shows them); control characters such as NUL go, as in clean_text.
    value = "".join(ch for ch in (value or "") if ch.isprintable() or ch.isspace()).strip()
    if not value:
        raise ValidationError("Write something first.", code="empty")
    if len(value) > limits.COMMENT_MAX_LENGTH:
        raise ValidationError(
            f"Comments can be at most {limits.COMMENT_MAX_LENGTH} characters.", code="too_long"
        )
    return value


def check_caption_id(value: int | str | None) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError("Pick a caption from the list.", code="caption") from exc


def check_report_reason(value: str | None) -> str:
    value = (value or "").strip().lower()
    if value not in Report.Reason.values:
        raise ValidationError(f"Choose a reason: {', '.join(Report.Reason.values)}.", code="reason")
    return value


def check_report_note(value: str | None) -> str:
    limit = limits.REPORT_NOTE_MAX_LENGTH
    return _clean_text_within(
        value, limit=limit, message=f"Keep the note under {limit} characters.", code="note"
    )


def check_report_action(value: str | None) -> str:
    if value not in REPORT_ACTIONS:
        raise ValidationError(f"Choose an action: {', '.join(REPORT_ACTIONS)}.", code="action")
    return value


def check_boxes(value: Any) -> list[TextBox]:
    """A meme's text layout (a list of boxes, or its JSON) checked field by field. Positions and
    sizes are fractions of the picture; a box must lie inside it. Unknown keys are ignored."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValidationError(
                "The text layout could not be read (it is not JSON).", code="boxes"
            ) from exc
    if not isinstance(value, list | tuple):
        raise ValidationError("The text layout must be a list of text boxes.", code="boxes")
    if len(value) > limits.BOXES_MAX:
        raise ValidationError(f"A meme can have at most {limits.BOXES_MAX} text boxes.", code="boxes")
    return [_check_box(item, name=f"Text box {number}") for number, item in enumerate(value, start=1)]


def _check_box(item: Any, *, name: str) -> TextBox:
    if not isinstance(item, dict):
        raise ValidationError(f"{name} must be an object with text, x, y, width and height.", code="boxes")
    default = TextBox("")
    x = _fraction(item.get("x", default.x), name=name, what="x", low=0.0)
    y = _fraction(item.get("y", default.y), name=name, what="y", low=0.0)
    width = _fraction(item.get("width", default.width), name=name, what="width", low=limits.BOX_MIN_SIDE)
    height = _fraction(item.get("height", default.height), name=name, what="height", low=limits.BOX_MIN_SIDE)
    # A hair of slack for the browser's rounding; beyond it the box really leaves the picture.
    if x + width > 1 + 1e-3 or y + height > 1 + 1e-3:
        raise ValidationError(f"{name} goes past the edge of the picture.", code="boxes")
    try:
        color = check_color(_string(item.get("color", default.color), name=name, what="color"))
        outline_color = check_color(
            _string(item.get("outline_color", default.outline_color), name=name, what="outline_color")
        )
        text = check_text(_string(item.get("text", ""), name=name, what="text"), name=name)
    except ValidationError as exc:
        message = exc.messages[0] if exc.code == "text" else f"{name}: {limits.COLOR_MESSAGE}"
        raise ValidationError(message, code="boxes") from exc
    return TextBox(
        text=text,
        x=round(x, 4),
        y=round(y, 4),
        width=round(min(width, 1 - x), 4),
        height=round(min(height, 1 - y), 4),
        size=_whole(
            item.get("size", default.size),
            name=name,
            what="size",
            low=limits.BOX_SIZE_MIN,
            high=limits.BOX_SIZE_MAX,
        ),
        color=color,
        outline_color=outline_color,
        outline_width=_whole(
            item.get("outline_width", default.outline_width),
            name=name,
            what="outline width",
            low=0,
            high=limits.OUTLINE_WIDTH_MAX,
        ),
        align=_choice(item.get("align", default.align), ALIGNMENTS, name=name, what="align"),
        case=_choice(item.get("case", default.case), CASES, name=name, what="case"),
        valign=_choice(item.get("valign", default.valign), VALIGNS, name=name, what="valign"),
    )


def _string(value: Any, *, name: str, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{name}: {what} must be a string.", code="boxes")
    return value


def _number(value: Any, *, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(f"{name}: {what} must be a number.", code="boxes")
    try:
        number = float(value)
    except ValueError as exc:
        raise ValidationError(f"{name}: {what} must be a number.", code="boxes") from exc
    if not math.isfinite(number):
        raise ValidationError(f"{name}: {what} must be a number.", code="boxes")
    return number


def _fraction(value: Any, *, name: str, what: str, low: float) -> float:
    number = _number(value, name=name, what=what)
    if not low <= number <= 1:
        raise ValidationError(
            f"{name}: {what} must be between {low:g} and 1 (a fraction of the picture).", code="boxes"
        )
    return number


def _whole(value: Any, *, name: str, what: str, low: int, high: int) -> int:
    number = _number(value, name=name, what=what)
    if number != int(number) or not low <= number <= high:
        raise ValidationError(f"{name}: {what} must be a whole number from {low} to {high}.", code="boxes")
    return int(number)


def _choice(value: Any, choices: tuple[str, ...], *, name: str, what: str) -> str:
    if value not in choices:
        raise ValidationError(f"{name}: {what} must be one of {', '.join(choices)}.", code="boxes")
    return value
