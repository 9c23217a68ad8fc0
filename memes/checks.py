"""Every ``check_*`` validator, Zulip style: take what a person sent, return it cleaned, or raise
Django's ValidationError with a message a person can read and a ``code`` that names the field.
Services call them; forms and serializers call them too instead of keeping rules of their own."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import File
from PIL import Image, UnidentifiedImageError

from ml import render
from ml.emotions import EMOTIONS

from . import captions as caption_rules
from . import limits
from .models import Report

REPORT_ACTIONS = ("dismiss", "hide", "delete")


@dataclass(frozen=True)
class CheckedPhoto:
    image: Image.Image  # oriented RGB, at most WORKING_MAX_SIDE on its longer side
    format: str


def check_photo(photo: File) -> CheckedPhoto:
    """Open an uploaded photo completely, or say clearly why not. Pillow's decompression-bomb
    guard stays on; our own pixel limit is lower and checked from the header before decoding."""
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
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationError(
            f"This file is not an image we can read. Upload a {limits.ALLOWED_FORMATS_TEXT} photo.",
            code="not_image",
        ) from exc
    if image.format not in limits.ALLOWED_FORMATS:
        raise ValidationError(
            f"{image.format} images are not supported. Upload a {limits.ALLOWED_FORMATS_TEXT} photo.",
            code="format",
        )
    kind = limits.ALLOWED_FORMATS[image.format]
    width, height = image.size
    if width * height > limits.upload_max_pixels():
        raise _too_many_pixels(width, height)
    if max(width, height) > limits.MAX_ASPECT_RATIO * max(1, min(width, height)):
        raise ValidationError(
            f"The photo is {width}x{height} pixels: too long and thin for a meme (the longer side can be "
            f"at most {limits.MAX_ASPECT_RATIO} times the shorter). Crop it and try again.",
            code="aspect_ratio",
        )
    try:
        image.load()
        image = render.open_image(image)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(width, height) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        # Truncated or corrupt data: Pillow refuses to decode the whole picture.
        raise ValidationError(
            "The photo is damaged or incomplete (it may not have finished uploading). Try another file.",
            code="damaged",
        ) from exc
    if max(image.size) > limits.WORKING_MAX_SIDE:
        image.thumbnail((limits.WORKING_MAX_SIDE, limits.WORKING_MAX_SIDE), Image.Resampling.LANCZOS)
    return CheckedPhoto(image=image, format=kind)


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
