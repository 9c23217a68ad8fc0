"""The processing job: queue it, run it (photo in, meme out), store what it draws, fail it with a
reason, and bring back a job that was lost. Used by the Celery tasks and by `makememe`.

What holds (see README, "Jobs"): every job is for one attempt (Meme.attempt) and runs only while
that attempt is the meme's current one, so a message delivered twice or late cannot revive a failed
or retried meme. A job shows progress at every stage (updated_at); one that shows none for
MEME_JOB_TIMEOUT_SECONDS is lost (its worker died, its message was lost): the sweeper (celery beat,
or the meme's own page being polled) sends a queued one again and gives a processing one a new
attempt, at most MEME_JOB_MAX_ATTEMPTS, then reports it failed. With the broker down an upload stays
queued and is sent by the sweeper once the broker is back.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from ml import animation, imageio, render
from ml.layout import TextBox

from .. import captioner, layouts, selectors
from ..models import Caption, Meme
from . import captions

logger = logging.getLogger(__name__)

FALLBACK_EMOTION = "neutral"
# The task is named, not imported: memes.tasks imports this module, so importing it back would be
# an import cycle. A signature resolves the name in the app's registry at send time, which runs
# the task in-process when CELERY_TASK_ALWAYS_EAGER is on (no broker set, tests), exactly as
# `process_meme.delay` would; a bare `send_task` would not.
PROCESS_MEME_TASK = "memes.tasks.process_meme"
WAITING = "Waiting for a worker"
OPENING = "Opening the photo"
FINDING_FACES = "Finding faces"
READING_EXPRESSIONS = "Reading facial expressions"
WRITING_CAPTION = "Writing a caption"
DRAWING = "Drawing the meme"
# The steps the meme page lists while the job runs, in order (done ones ticked, the current one
# highlighted); WAITING and OPENING come before the first.
PROGRESS_STEPS = (FINDING_FACES, READING_EXPRESSIONS, WRITING_CAPTION, DRAWING)
TOOK_TOO_LONG = "Processing took too long. Please try again."


class Analyzer(Protocol):
    def __call__(self, image: Image.Image) -> Any: ...


class MemeProcessingError(Exception):
    """A job that cannot succeed however often it is retried; the message is shown to the owner."""


class StaleAttempt(Exception):
    """The job's attempt is no longer the meme's current one (a newer attempt took over, or the meme
    finished, failed or was retried): the job stops and changes nothing."""


class JobBusy(Exception):
    """Another worker is running this attempt right now (a duplicate delivery): leave it be."""


def meme_enqueue(*, meme_id: int, attempt: int) -> bool:
    """Send the job for this attempt to a worker; False when the broker cannot be reached. The
    meme then simply stays queued, and the sweeper sends it once the broker is back: an upload
    made during an outage is neither lost nor failed."""
    try:
        current_app.signature(PROCESS_MEME_TASK, args=(meme_id,), kwargs={"attempt": attempt}).apply_async()
    except Exception:
        logger.warning("could not queue meme %s; the sweeper will send it", meme_id, exc_info=True)
        return False
    return True


def meme_current_attempt(*, meme_id: int) -> int | None:
    """The meme's attempt token, or None when the meme is gone."""
    return Meme.objects.filter(pk=meme_id).values_list("attempt", flat=True).first()


def _lost_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.MEME_JOB_TIMEOUT_SECONDS)


def meme_claim(*, meme_id: int, attempt: int) -> Meme | None:
    """Start this attempt's job: the meme must be queued for it, or processing for it with no
    progress for the timeout (its worker died and the broker handed the message out again).
    Clears an earlier failure reason. None when the meme is gone; StaleAttempt or JobBusy when
    the job must not run."""
    now = timezone.now()
    claimable = Q(status=Meme.Status.QUEUED) | Q(
        status=Meme.Status.PROCESSING, updated_at__lt=_lost_before(now)
    )
    claimed = Meme.objects.filter(claimable, pk=meme_id, attempt=attempt).update(
        status=Meme.Status.PROCESSING, stage=OPENING, failure_reason="", updated_at=now
    )
    meme = Meme.objects.filter(pk=meme_id).first()
    if claimed or meme is None:
        return meme
    if meme.attempt == attempt and meme.status == Meme.Status.PROCESSING:
        raise JobBusy
    raise StaleAttempt


def meme_release(*, meme_id: int, attempt: int) -> None:
    """Give this attempt back to the queue (a passing error; Celery sends the job again)."""
    Meme.objects.filter(pk=meme_id, attempt=attempt, status=Meme.Status.PROCESSING).update(
        status=Meme.Status.QUEUED, stage=WAITING, updated_at=timezone.now()
    )


# Set by run_pipeline while it analyses: the default analyzer reports "Reading facial expressions"
# through it once the faces are found. A context variable rather than a parameter, so analyzers
# given to run_pipeline (and tests' stand-ins) keep their one-argument shape.
_faces_found_hook: ContextVar[Callable[[int], None] | None] = ContextVar("faces_found_hook", default=None)


def default_analyzer(image: Image.Image) -> Any:
    # Imported on first use: the web process never loads the models unless it runs jobs itself.
    from ml import analyze

    return analyze(image, on_faces_found=_faces_found_hook.get())


def _set_stage(meme: Meme, stage: str) -> None:
    """Show progress; also the job's heartbeat, which the sweeper measures lost jobs by. A job
    whose attempt was overtaken stops here instead of overwriting the newer one."""
    now = timezone.now()
    current = Meme.objects.filter(pk=meme.pk, attempt=meme.attempt, status=Meme.Status.PROCESSING)
    if not current.update(stage=stage, updated_at=now):
        raise StaleAttempt
    meme.stage, meme.updated_at = stage, now


def _pause_for_tests() -> None:
    # MEME_TEST_ONLY_JOB_PAUSE_SECONDS is 0 outside tests/test_faults.py, which sets it on its
    # worker to kill the job at a known moment (the module says why that is not a fake).
    pause = getattr(settings, "MEME_TEST_ONLY_JOB_PAUSE_SECONDS", 0)
    if pause > 0:
        time.sleep(pause)


@dataclass
class PipelineResult:
    emotion: str
    faces: list[dict[str, Any]]
    caption: Caption | None
    top_text: str
    bottom_text: str
    image: Image.Image
    suggestions: list[Caption] = field(default_factory=list)
    boxes: list[TextBox] = field(default_factory=list)  # the layout drawn: top and bottom around the faces
    caption_source: str = ""  # Meme.CaptionSource: "model" or "curated"
    written: captioner.WrittenCaption | None = None  # the model's caption, stored by the job
    photo_topic: str = ""  # what the photo shows, offered to the model when no topic was given
    frames: imageio.Frames | None = None  # an animation: every frame drawn (`image` is its key frame)


def run_pipeline(
    image: Image.Image | imageio.Frames,
    *,
    topic: str = "",
    emotion_override: str = "",
    analyzer: Analyzer | None = None,
    on_stage: Callable[[str], None] | None = None,
    rng: random.Random | None = None,
    previous: Meme | None = None,
) -> PipelineResult:
    """Photo in, meme out, with no storage involved: used by the worker and by `makememe`.
    `previous`: the person's previous meme, whose caption is not used again right away.
    An animation (imageio.Frames) is read on its key frame (ml.animation.pick_key_frame) and the
    same text boxes are drawn on every frame."""
    stage = on_stage or (lambda _s: None)
    stage(FINDING_FACES)
    hook = _faces_found_hook.set(lambda count: stage(READING_EXPRESSIONS) if count else None)
    frames = image if isinstance(image, imageio.Frames) else None
    try:
        if frames is not None:
            key, analysis = animation.pick_key_frame(frames.images, analyze=analyzer or default_analyzer)
            image = frames.images[key]
        else:
            analysis = (analyzer or default_analyzer)(image)
    finally:
        _faces_found_hook.reset(hook)
    faces = list(analysis.to_dict()["faces"])
    detected = analysis.faces[0].emotion if analysis.faces else ""
    emotion = emotion_override or detected or FALLBACK_EMOTION
    stage(WRITING_CAPTION)
    chosen = captions.caption_choose_for_photo(
        image=image, emotion=emotion, topic=topic, previous=previous, rng=rng
    )
    top, bottom = chosen.top, chosen.bottom
    stage(DRAWING)
    boxes = layouts.default_layout(size=image.size, faces=faces, top_text=top, bottom_text=bottom)
    meme_image = render.render_layout(image, boxes)
    drawn = animation.render_frames(frames, lambda f: render.render_layout(f, boxes)) if frames else None
    return PipelineResult(
        emotion,
        faces,
        chosen.caption,
        top,
        bottom,
        meme_image,
        boxes=boxes,
        caption_source=chosen.source,
        written=chosen.written,
        photo_topic=chosen.photo_topic,
        frames=drawn,
    )


def meme_process(
    *, meme_id: int, attempt: int | None = None, analyzer: Analyzer | None = None
) -> Meme | None:
    """The Celery job for one attempt (None: the meme's current one). Runs only while that attempt
    is current (StaleAttempt otherwise) and nobody else runs it (JobBusy); redoes the meme from its
    photo and replaces its old output files, never duplicating them. None when the meme is gone."""
    if attempt is None:
        attempt = meme_current_attempt(meme_id=meme_id)
        if attempt is None:
            return None
    meme = meme_claim(meme_id=meme_id, attempt=attempt)
    if meme is None:
        return None
    _pause_for_tests()
    try:
        image = _open_photo(meme)
    except (FileNotFoundError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise MemeProcessingError("The uploaded photo could not be read. Please upload it again.") from exc
    result = run_pipeline(
        image,
        topic=meme.topic,
        emotion_override=meme.emotion_override,
        analyzer=analyzer,
        on_stage=lambda s: _set_stage(meme, s),
        previous=selectors.meme_previous_of_owner(meme=meme),
    )
    meme.faces, meme.emotion = result.faces, result.emotion
    meme.caption = result.caption
    meme.caption_source, meme.photo_topic = result.caption_source, result.photo_topic
    layouts.layout_set(meme, result.boxes)  # top_text/bottom_text come with it
    meme.status, meme.stage, meme.failure_reason = Meme.Status.READY, "", ""

    def record_caption() -> None:  # inside the save, once the attempt is known to be current
        if result.written is not None:  # kept as a Caption of this meme: likes count, curators see it
            meme.caption = captions.caption_record_generated(meme=meme, written=result.written)

    save_rendered(meme, result.image, attempt=attempt, before_save=record_caption, frames=result.frames)
    if meme.caption is not None:
        captions.caption_mark_used(caption=meme.caption)
    return meme


def meme_mark_failed(*, meme_id: int, reason: str, attempt: int | None = None) -> bool:
    """Report the job failed with a reason the owner can read, unless the meme is finished or a
    newer attempt owns it (`attempt` given)."""
    memes = Meme.objects.filter(pk=meme_id, status__in=[Meme.Status.QUEUED, Meme.Status.PROCESSING])
    if attempt is not None:
        memes = memes.filter(attempt=attempt)
    return bool(
        memes.update(status=Meme.Status.FAILED, stage="", failure_reason=reason, updated_at=timezone.now())
    )


# --- lost jobs: the sweeper ---------------------------------------------------------------------


@dataclass
class SweepReport:
    resent: int = 0  # queued memes whose message may be lost, sent again (same attempt)
    restarted: int = 0  # processing memes whose worker died, given a new attempt
    failed: int = 0  # lost on their last attempt: reported failed


def meme_recover(*, meme: Meme, now: datetime | None = None) -> str:
    """Bring back this meme's job if it is lost (no progress for MEME_JOB_TIMEOUT_SECONDS); says
    what was done ("resent", "restarted", "failed") or "" when nothing was needed. Each change is
    conditional on the meme being as read, so sweepers and pollers running at once act once."""
    now = now or timezone.now()
    if meme.is_finished or meme.updated_at >= _lost_before(now):
        return ""
    as_read = Meme.objects.filter(
        pk=meme.pk, attempt=meme.attempt, status=meme.status, updated_at__lt=_lost_before(now)
    )
    if meme.status == Meme.Status.QUEUED:
        # Its message may be lost (broker down at upload, or restarted without persistence). The
        # same attempt again: whichever copy a worker takes first runs it, the other is dropped.
        # Touching updated_at sends it at most once per timeout.
        if not as_read.update(updated_at=now):
            return ""
        transaction.on_commit(lambda: meme_enqueue(meme_id=meme.pk, attempt=meme.attempt))
        return "resent"
    if meme.restarts + 1 >= settings.MEME_JOB_MAX_ATTEMPTS:
        done = as_read.update(
            status=Meme.Status.FAILED, stage="", failure_reason=TOOK_TOO_LONG, updated_at=now
        )
        return "failed" if done else ""
    # Processing with no progress: its worker died. A new attempt, so the dead one's message (the
    # broker hands it out again after the visibility timeout) can no longer run it.
    if not as_read.update(
        attempt=F("attempt") + 1, restarts=F("restarts") + 1, status=Meme.Status.QUEUED, stage=WAITING,
        failure_reason="", updated_at=now,
    ):  # fmt: skip
        return ""
    transaction.on_commit(lambda: meme_enqueue(meme_id=meme.pk, attempt=meme.attempt + 1))
    return "restarted"


def meme_recover_if_lost(*, meme: Meme) -> Meme:
    """For the meme's page and its polls: recover a lost job even where no beat runs."""
    if meme_recover(meme=meme):
        meme.refresh_from_db()
    return meme


def memes_sweep(*, now: datetime | None = None, limit: int = 500) -> SweepReport:
    """The sweeper (memes.tasks.sweep_memes, on celery beat; `manage.py sweep_memes`): recover
    every lost job, oldest first."""
    now = now or timezone.now()
    report = SweepReport()
    lost = Meme.objects.filter(
        status__in=[Meme.Status.QUEUED, Meme.Status.PROCESSING], updated_at__lt=_lost_before(now)
    ).only("pk", "attempt", "restarts", "status", "updated_at")
    for meme in lost.order_by("updated_at")[:limit]:
        outcome = meme_recover(meme=meme, now=now)
        if outcome:
            setattr(report, outcome, getattr(report, outcome) + 1)
    if report != SweepReport():
        logger.info("sweep: %s", report)
    return report


# --- storing what the pipeline draws -----------------------------------------------------------


def _open_photo(meme: Meme) -> Image.Image | imageio.Frames:
    """The stored clean photo: every frame of an animated one (ml.imageio; ImageLoadError is a
    ValueError)."""
    with meme.photo.open("rb") as handle:
        data = handle.read()
    return imageio.read_frames(data) if meme.is_animated else imageio.open_image(data)


def _encoded(
    image: Image.Image, frames: imageio.Frames | None
) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    """(name, bytes) of the meme and of its thumbnail: JPEG, or animated WebP for an animation
    (ml.animation says why WebP). A small animation is its own thumbnail, encoded once."""
    if frames is None:
        return ("meme.jpg", render.to_jpeg(image)), (
            "thumb.jpg",
            render.to_jpeg(render.thumbnail(image), quality=85),
        )
    full = animation.to_webp(frames)
    if max(frames.size) <= render.THUMBNAIL_SIDE:
        return ("meme.webp", full), ("thumb.webp", full)
    return ("meme.webp", full), (
        "thumb.webp",
        animation.to_webp(animation.shrink(frames, render.THUMBNAIL_SIDE)),
    )


def save_rendered(
    meme: Meme,
    image: Image.Image,
    *,
    attempt: int | None = None,
    before_save: Callable[[], None] | None = None,
    frames: imageio.Frames | None = None,
) -> None:
    """Store the drawn meme and its thumbnail and save the meme row with them. The files they
    replace are deleted only once that row is committed (a rollback, here or in a transaction
    around us, leaves every file the database names in place); if the save fails, the new files go
    instead. With `attempt`, the row is saved only while that job attempt is current (locked, so
    the sweeper cannot start another in between); StaleAttempt otherwise."""
    storage = meme.image.storage
    old = [meme.image.name, meme.thumbnail.name]
    (image_name, image_bytes), (thumb_name, thumb_bytes) = _encoded(image, frames)
    meme.image.save(image_name, ContentFile(image_bytes), save=False)
    meme.thumbnail.save(thumb_name, ContentFile(thumb_bytes), save=False)
    new = [meme.image.name, meme.thumbnail.name]
    try:
        with transaction.atomic():
            if attempt is not None:
                current = Meme.objects.select_for_update().filter(
                    pk=meme.pk, attempt=attempt, status=Meme.Status.PROCESSING
                )
                if not current.exists():
                    raise StaleAttempt
            if before_save is not None:
                before_save()
            meme.save()
            stored_files_delete_on_commit(storage, old)
    except BaseException:
        stored_files_delete(storage, new)
        meme.image.name, meme.thumbnail.name = old
        raise


def rerender(meme: Meme) -> None:
    """Draw the meme again from its photo with its layout (top_text/bottom_text in its first two
    boxes, so a caller that only set those is drawn right), and save it (see save_rendered)."""
    photo = _open_photo(meme)
    boxes = layouts.meme_boxes_in_step(meme)
    layouts.layout_set(meme, boxes)
    if isinstance(photo, imageio.Frames):  # an animation keeps every frame, its timing and its loop
        drawn = animation.render_frames(photo, lambda f: render.render_layout(f, boxes))
        save_rendered(meme, drawn.images[0], frames=drawn)
    else:
        save_rendered(meme, render.render_layout(photo, boxes))


def stored_files_delete(storage: Storage, names: Iterable[str]) -> None:
    for name in names:
        if name:
            try:
                storage.delete(name)
            except Exception:  # a missing file must not block the rest
                logger.warning("could not delete %s", name, exc_info=True)


def stored_files_delete_on_commit(storage: Storage, names: Iterable[str]) -> None:
    """Delete these files once the current transaction commits (at once outside one): a rollback
    leaves them, so no committed row ever names a deleted file."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: stored_files_delete(storage, names))
