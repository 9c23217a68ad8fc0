"""A meme's life in its owner's hands: create, edit, choose a caption, publish, retry, delete."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ml import animation, render

from .. import access, captioner, checks, layouts
from .. import captions as caption_rules
from ..limits import WRITE_ANOTHER_COUNT
from ..models import Caption, Meme
from . import captions, pipeline

logger = logging.getLogger(__name__)


def meme_create(*, owner: Any, photo: File, topic: str = "", emotion_override: str = "") -> Meme:
    """Validate, store a clean copy of the photo (oriented, no EXIF) and queue processing after
    commit. Nothing is saved when anything is wrong."""
    checked = checks.check_photo(photo)
    topic = checks.check_topic(topic)
    emotion_override = checks.check_emotion(emotion_override)
    meme = Meme(
        owner=owner,
        topic=topic,
        emotion_override=emotion_override,
        photo_width=checked.image.width,
        photo_height=checked.image.height,
        stage="Waiting for a worker",
        is_animated=checked.is_animated,
    )
    if checked.frames is not None:  # every frame kept (animated WebP), for the job and re-renders
        name, clean = "photo.webp", animation.to_photo_webp(checked.frames)
    else:
        name, clean = "photo.jpg", render.to_jpeg(checked.image, quality=95)
    try:
        with transaction.atomic():
            meme.photo.save(name, ContentFile(clean), save=False)
            meme.save()
            transaction.on_commit(lambda: pipeline.meme_enqueue(meme_id=meme.pk, attempt=meme.attempt))
    except Exception:
        pipeline.stored_files_delete(meme.photo.storage, [meme.photo.name])
        raise
    return meme


def meme_retry(*, meme: Meme, user: Any) -> Meme:
    access.ensure_can_edit_meme(user=user, meme=meme)
    if meme.status != Meme.Status.FAILED:
        raise ValidationError("Only a failed meme can be retried.", code="not_failed")
    # Only from failed (a double click queues one job, not two). A new attempt: messages of the old
    # one can no longer run it; the old reason goes; a fresh updated_at, which the sweeper measures
    # lost jobs from (a meme that failed long ago is not lost the moment it is retried).
    retried = Meme.objects.filter(pk=meme.pk, status=Meme.Status.FAILED).update(
        status=Meme.Status.QUEUED,
        stage=pipeline.WAITING,
        failure_reason="",
        attempt=F("attempt") + 1,
        restarts=0,
        updated_at=timezone.now(),
    )
    if not retried:
        raise ValidationError("Only a failed meme can be retried.", code="not_failed")
    meme.refresh_from_db()
    attempt = meme.attempt
    transaction.on_commit(lambda: pipeline.meme_enqueue(meme_id=meme.pk, attempt=attempt))
    return meme


def _require_ready(meme: Meme) -> None:
    if meme.status != Meme.Status.READY:
        raise ValidationError("The meme is still being made; try again in a moment.", code="not_ready")


def meme_update(
    *,
    meme: Meme,
    user: Any,
    top_text: str | None = None,
    bottom_text: str | None = None,
    font_size: int | str | None = None,
    text_color: str | None = None,
    boxes: Any = None,
) -> Meme:
    """Change the layout (``boxes``: the whole list of text boxes), and/or the classic fields
    (the first two boxes' texts; a size or colour for every box), and render the meme again.
    None leaves a field as is. Everything is checked before anything changes."""
    access.ensure_can_edit_meme(user=user, meme=meme)
    _require_ready(meme)
    layout = checks.check_boxes(boxes) if boxes is not None else layouts.meme_boxes(meme)
    top = checks.check_text(top_text, name="Top text") if top_text is not None else None
    bottom = checks.check_text(bottom_text, name="Bottom text") if bottom_text is not None else None
    size = checks.check_font_size(font_size) if font_size is not None else None
    color = checks.check_color(text_color) if text_color is not None else None
    layout = layouts.with_style(
        layouts.with_texts(layout, top_text=top, bottom_text=bottom), font_size=size, text_color=color
    )
    layouts.layout_set(meme, layout)
    if size is not None:
        meme.font_size = size
    pipeline.rerender(meme)  # saves the meme with its new files
    return meme


def meme_choose_caption(*, meme: Meme, user: Any, caption_id: int | str) -> Meme:
    """Use another caption: a curated (approved) one, or one the model wrote for this meme."""
    access.ensure_can_edit_meme(user=user, meme=meme)
    _require_ready(meme)
    caption = (
        Caption.objects.filter(pk=checks.check_caption_id(caption_id))
        .filter(Q(approved=True) | Q(generated_for=meme))
        .first()
    )
    if caption is None:
        raise ValidationError("That caption is not available.", code="caption")
    meme.caption = caption
    meme.caption_source = (
        Meme.CaptionSource.MODEL if caption.source == Caption.Source.GENERATED else Meme.CaptionSource.CURATED
    )
    meme.top_text, meme.bottom_text = caption_rules.caption_texts(caption.text, meme.topic)
    pipeline.rerender(meme)  # saves the meme with its new files
    captions.caption_mark_used(caption=caption)
    return meme


def meme_write_captions(*, meme: Meme, user: Any, n: int = WRITE_ANOTHER_COUNT) -> list[Caption]:
    """Write another: the model writes up to n fresh captions for the meme's emotion and topic
    (or what its photo shows), kept as this meme's generated captions for its owner to pick from.
    Raises captioner.CaptionerOff when the model is off or failing (the caller says so), and a
    ValidationError when nothing it wrote passed the filters this time."""
    access.ensure_can_edit_meme(user=user, meme=meme)
    _require_ready(meme)
    written = captioner.write_captions(
        emotion=meme.emotion,
        topic=meme.topic or meme.photo_topic,
        n=n,
        seed=secrets.randbelow(2**31),  # a fresh draw on every press
        avoid=[(meme.top_text, meme.bottom_text)],
    )
    if not written:
        raise ValidationError(
            "Nothing the model wrote passed our filters this time. Try again.", code="empty"
        )
    # Stored worst first: the page lists a meme's model captions newest first, so the best of the
    # newest batch leads.
    stored = [captions.caption_record_generated(meme=meme, written=w) for w in reversed(written)]
    return stored[::-1]


def meme_set_public(*, meme: Meme, user: Any, is_public: bool) -> Meme:
    access.ensure_can_edit_meme(user=user, meme=meme)
    if is_public:
        _require_ready(meme)
    meme.is_public = is_public
    meme.save(update_fields=["is_public", "updated_at"])
    return meme


def meme_delete(*, meme: Meme, user: Any | None = None) -> None:
    """Delete a meme and its three files: as `user` (its owner or a moderator), or with no user
    for the paths that decided already (admin, account deletion, a resolved report)."""
    if user is not None:
        access.ensure_can_delete_meme(user=user, meme=meme)
    names = [meme.photo.name, meme.image.name, meme.thumbnail.name]
    with transaction.atomic():
        meme.delete()
        # Only once the delete is committed: a rollback keeps the row and so its files.
        pipeline.stored_files_delete_on_commit(meme.photo.storage, names)


def memes_delete(*, memes: Iterable[Meme]) -> int:
    count = 0
    for meme in memes:
        meme_delete(meme=meme)
        count += 1
    return count
