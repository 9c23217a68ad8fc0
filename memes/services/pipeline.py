"""The processing job: queue it, run it (photo in, meme out), store what it draws, fail it with a
reason, and report a job that has sat too long. Used by the Celery task and by `makememe`."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from ml import render

from .. import captions as caption_rules
from .. import selectors
from ..models import Caption, Meme
from ..seed_captions import SEED_CAPTIONS
from . import captions

logger = logging.getLogger(__name__)

FALLBACK_EMOTION = "neutral"
# The task is named, not imported: memes.tasks imports this module, so importing it back would be
# an import cycle. A signature resolves the name in the app's registry at send time, which runs
# the task in-process when CELERY_TASK_ALWAYS_EAGER is on (`make run`, tests), exactly as
# `process_meme.delay` would; a bare `send_task` would not.
PROCESS_MEME_TASK = "memes.tasks.process_meme"


class Analyzer(Protocol):
    def __call__(self, image: Image.Image) -> Any: ...


class MemeProcessingError(Exception):
    """A job that cannot succeed however often it is retried; the message is shown to the owner."""


def meme_enqueue(*, meme_id: int) -> None:
    try:
        current_app.signature(PROCESS_MEME_TASK, args=(meme_id,)).apply_async()
    except Exception:  # broker down: say so now rather than leave a spinner forever
        logger.exception("could not queue meme %s", meme_id)
        meme_mark_failed(
            meme_id=meme_id, reason="Our processing queue is unavailable right now. Please try again."
        )


def default_analyzer(image: Image.Image) -> Any:
    # Imported on first use: the web process never loads the models unless it runs jobs itself.
    from ml import analyze

    return analyze(image)


def _set_stage(meme: Meme, status: str, stage: str) -> None:
    meme.status, meme.stage = status, stage
    meme.save(update_fields=["status", "stage", "updated_at"])


@dataclass
class PipelineResult:
    emotion: str
    faces: list[dict[str, Any]]
    caption: Caption | None
    top_text: str
    bottom_text: str
    image: Image.Image
    suggestions: list[Caption] = field(default_factory=list)


def run_pipeline(
    image: Image.Image,
    *,
    topic: str = "",
    emotion_override: str = "",
    analyzer: Analyzer | None = None,
    on_stage: Callable[[str], None] | None = None,
    rng: random.Random | None = None,
) -> PipelineResult:
    """Photo in, meme out, with no storage involved: used by the worker and by `makememe`."""
    stage = on_stage or (lambda _s: None)
    stage("Reading facial expressions")
    analysis = (analyzer or default_analyzer)(image)
    faces = list(analysis.to_dict()["faces"])
    detected = analysis.faces[0].emotion if analysis.faces else ""
    emotion = emotion_override or detected or FALLBACK_EMOTION
    stage("Choosing a caption")
    suggestions = selectors.caption_suggestions(emotion=emotion, topic=topic, rng=rng)
    if suggestions:
        caption: Caption | None = suggestions[0]
        top, bottom = caption_rules.caption_texts(caption.text, topic)
    else:  # an empty caption table must not stop the meme
        caption = None
        pool = [t for t in SEED_CAPTIONS[emotion] if caption_rules.TOPIC_PLACEHOLDER not in t or topic]
        top, bottom = caption_rules.caption_texts((rng or random).choice(pool), topic)
    stage("Drawing the meme")
    meme_image = render.render_meme(image, top_text=top, bottom_text=bottom)
    return PipelineResult(emotion, faces, caption, top, bottom, meme_image, suggestions)


def meme_process(*, meme_id: int, analyzer: Analyzer | None = None) -> Meme | None:
    """The Celery job. Idempotent: a ready meme is left alone, a retried one is redone from its
    photo and its old output files are replaced, never duplicated. Returns None when the meme
    was deleted meanwhile."""
    meme = Meme.objects.filter(pk=meme_id).first()
    if meme is None or meme.status == Meme.Status.READY:
        return meme
    _set_stage(meme, Meme.Status.PROCESSING, "Opening the photo")
    try:
        with meme.photo.open("rb") as handle:
            image = render.open_image(handle.read())
    except (FileNotFoundError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise MemeProcessingError("The uploaded photo could not be read. Please upload it again.") from exc
    result = run_pipeline(
        image,
        topic=meme.topic,
        emotion_override=meme.emotion_override,
        analyzer=analyzer,
        on_stage=lambda s: _set_stage(meme, Meme.Status.PROCESSING, s),
    )
    meme.faces, meme.emotion = result.faces, result.emotion
    meme.caption, meme.top_text, meme.bottom_text = result.caption, result.top_text, result.bottom_text
    store_rendered(meme, result.image)
    meme.status, meme.stage, meme.failure_reason = Meme.Status.READY, "", ""
    meme.save()
    if result.caption is not None:
        captions.caption_mark_used(caption=result.caption)
    return meme


def meme_mark_failed(*, meme_id: int, reason: str) -> None:
    Meme.objects.filter(pk=meme_id).exclude(status=Meme.Status.READY).update(
        status=Meme.Status.FAILED, stage="", failure_reason=reason, updated_at=timezone.now()
    )


def meme_expire_stale(*, meme: Meme) -> Meme:
    """A job that has sat queued/processing far too long is reported failed, not left spinning."""
    age = (timezone.now() - meme.updated_at).total_seconds()
    if not meme.is_finished and age > settings.MEME_JOB_TIMEOUT_SECONDS:
        meme_mark_failed(meme_id=meme.pk, reason="Processing took too long. Please try again.")
        meme.refresh_from_db()
    return meme


# --- storing what the pipeline draws -----------------------------------------------------------


def store_rendered(meme: Meme, image: Image.Image) -> None:
    """Save the meme image and its thumbnail on the meme (not yet in the database), replacing
    any earlier ones."""
    old = [meme.image.name, meme.thumbnail.name]
    meme.image.save("meme.jpg", ContentFile(render.to_jpeg(image)), save=False)
    meme.thumbnail.save(
        "thumb.jpg", ContentFile(render.to_jpeg(render.thumbnail(image), quality=85)), save=False
    )
    storage = meme.image.storage
    for name in old:
        if name:
            storage.delete(name)


def rerender(meme: Meme) -> None:
    """Draw the meme again from its photo with its current texts and style."""
    with meme.photo.open("rb") as handle:
        photo = render.open_image(handle.read())
    image = render.render_meme(
        photo,
        top_text=meme.top_text,
        bottom_text=meme.bottom_text,
        font_scale=meme.font_size / 100,
        color=meme.text_color,
    )
    store_rendered(meme, image)


def stored_file_delete(file: Any) -> None:
    if file and file.name:
        try:
            file.storage.delete(file.name)
        except Exception:  # a missing file must not block deleting the row
            logger.warning("could not delete %s", file.name, exc_info=True)
