"""A meme's life in its owner's hands: create, edit, choose a caption, publish, retry, delete."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ml import render

from .. import access, checks
from .. import captions as caption_rules
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
    )
    try:
        with transaction.atomic():
            meme.photo.save("photo.jpg", ContentFile(render.to_jpeg(checked.image, quality=95)), save=False)
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
) -> Meme:
    """Change the texts and their style, and render the meme again. None leaves a field as is."""
    access.ensure_can_edit_meme(user=user, meme=meme)
    _require_ready(meme)
    if top_text is not None:
        meme.top_text = checks.check_text(top_text, name="Top text")
    if bottom_text is not None:
        meme.bottom_text = checks.check_text(bottom_text, name="Bottom text")
    if font_size is not None:
        meme.font_size = checks.check_font_size(font_size)
    if text_color is not None:
        meme.text_color = checks.check_color(text_color)
    pipeline.rerender(meme)  # saves the meme with its new files
    return meme


def meme_choose_caption(*, meme: Meme, user: Any, caption_id: int | str) -> Meme:
    access.ensure_can_edit_meme(user=user, meme=meme)
    _require_ready(meme)
    caption = Caption.objects.filter(pk=checks.check_caption_id(caption_id), approved=True).first()
    if caption is None:
        raise ValidationError("That caption is not available.", code="caption")
    meme.caption = caption
    meme.top_text, meme.bottom_text = caption_rules.caption_texts(caption.text, meme.topic)
    pipeline.rerender(meme)  # saves the meme with its new files
    captions.caption_mark_used(caption=caption)
    return meme


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
