"""Everything that writes: memes, the processing pipeline, likes, comments and caption curation.

Views, admin, tasks, commands and the API call these keyword-only functions and stay thin.
``check_*`` functions validate input and raise ValidationError with a message a person can read;
``access_*`` functions raise PermissionDenied when a user may not act on an object.
"""

from __future__ import annotations

import csv
import io
import logging
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from ml import render
from ml.emotions import EMOTIONS

from . import captions as caption_rules
from . import selectors
from .models import TEXT_MAX_LENGTH, Caption, Comment, Like, Meme, Report
from .seed_captions import SEED_CAPTIONS

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "MPO": "JPEG"}  # MPO: phone JPEGs
WORKING_MAX_SIDE = 4096  # memes are for screens; bounds render time and storage
TOPIC_MAX_LENGTH = 60
COMMENT_MAX_LENGTH = 500
FALLBACK_EMOTION = "neutral"


class Analyzer(Protocol):
    def __call__(self, image: Image.Image) -> Any: ...


class MemeProcessingError(Exception):
    """A job that cannot succeed however often it is retried; the message is shown to the owner."""


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedPhoto:
    image: Image.Image  # oriented RGB, at most WORKING_MAX_SIDE on its longer side
    format: str


def check_photo(photo: File) -> CheckedPhoto:
    """Open an uploaded photo completely, or say clearly why not. Pillow's decompression-bomb
    guard stays on; our own pixel limit is lower and checked from the header before decoding."""
    max_bytes = settings.MEME_MAX_UPLOAD_BYTES
    size = photo.size or 0
    if size == 0:
        raise ValidationError("The file is empty. Choose a photo to upload.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"The file is {size / 1_048_576:.1f} MB; photos can be at most {max_bytes // 1_048_576} MB.",
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
            "This file is not an image we can read. Upload a JPEG, PNG or WebP photo.", code="not_image"
        ) from exc
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image.format} images are not supported. Upload a JPEG, PNG or WebP photo.", code="format"
        )
    kind = ALLOWED_FORMATS[image.format]
    width, height = image.size
    if width * height > settings.MEME_MAX_PIXELS:
        raise _too_many_pixels(width, height)
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
    if max(image.size) > WORKING_MAX_SIDE:
        image.thumbnail((WORKING_MAX_SIDE, WORKING_MAX_SIDE), Image.Resampling.LANCZOS)
    return CheckedPhoto(image=image, format=kind)


def _too_many_pixels(width: int = 0, height: int = 0) -> ValidationError:
    limit = settings.MEME_MAX_PIXELS / 1e6
    detail = f" is {width}x{height} ({width * height / 1e6:.1f} megapixels)" if width else " is too large"
    return ValidationError(
        f"The photo{detail}; the limit is {limit:.0f} megapixels. Try a smaller photo.",
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


def check_topic(value: str | None) -> str:
    value = caption_rules.clean_text(value or "")
    if len(value) > TOPIC_MAX_LENGTH:
        raise ValidationError(f"Keep the topic under {TOPIC_MAX_LENGTH} characters.", code="topic")
    return value


def check_text(value: str | None, *, name: str = "Text") -> str:
    value = caption_rules.clean_text(value or "")
    if len(value) > TEXT_MAX_LENGTH:
        raise ValidationError(f"{name} can be at most {TEXT_MAX_LENGTH} characters.", code="text")
    return value


def check_color(value: str | None) -> str:
    value = (value or "").strip().lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", value):
        raise ValidationError("Use a colour like #ffffff.", code="color")
    return value


def check_font_size(value: int | str | None) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError("Font size must be a whole number.", code="font_size") from exc
    if not 50 <= number <= 150:
        raise ValidationError("Font size must be between 50 and 150 percent.", code="font_size")
    return number


def check_comment_text(value: str | None) -> str:
    # Line breaks stay (the page shows them); control characters such as NUL go, as in clean_text.
    value = "".join(ch for ch in (value or "") if ch.isprintable() or ch.isspace()).strip()
    if not value:
        raise ValidationError("Write something first.", code="empty")
    if len(value) > COMMENT_MAX_LENGTH:
        raise ValidationError(f"Comments can be at most {COMMENT_MAX_LENGTH} characters.", code="too_long")
    return value


# --- permissions ------------------------------------------------------------------------------


def access_meme_edit(*, user: Any, meme: Meme) -> None:
    if not (user.is_authenticated and meme.owner_id == user.pk):
        raise PermissionDenied("Only the meme's owner can change it.")


def access_meme_interact(*, user: Any, meme: Meme) -> None:
    """Liking and commenting: a signed-in person on a meme they can see."""
    if not user.is_authenticated or not selectors.meme_visible_to(user=user, meme=meme):
        raise PermissionDenied("You can't do that to this meme.")


# --- memes ------------------------------------------------------------------------------------


def meme_create(*, owner: Any, photo: File, topic: str = "", emotion_override: str = "") -> Meme:
    """Validate, store a clean copy of the photo (oriented, no EXIF) and queue processing after
    commit. Nothing is saved when anything is wrong."""
    checked = check_photo(photo)
    topic = check_topic(topic)
    emotion_override = check_emotion(emotion_override)
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
            transaction.on_commit(lambda: meme_enqueue(meme_id=meme.pk))
    except Exception:
        _delete_file(meme.photo)
        raise
    return meme


def meme_enqueue(*, meme_id: int) -> None:
    from .tasks import process_meme  # tasks import services: import here, not at module level

    try:
        process_meme.delay(meme_id)
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
    _store_rendered(meme, result.image)
    meme.status, meme.stage, meme.failure_reason = Meme.Status.READY, "", ""
    meme.save()
    if result.caption is not None:
        caption_mark_used(caption=result.caption)
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


def meme_retry(*, meme: Meme, user: Any) -> Meme:
    access_meme_edit(user=user, meme=meme)
    if meme.status != Meme.Status.FAILED:
        raise ValidationError("Only a failed meme can be retried.", code="not_failed")
    # Only from failed (a double click queues one job, not two), and with a fresh updated_at: the
    # stale-job check measures from it, and would call a meme that failed long ago stuck at once.
    retried = Meme.objects.filter(pk=meme.pk, status=Meme.Status.FAILED).update(
        status=Meme.Status.QUEUED, stage="Waiting for a worker", failure_reason="", updated_at=timezone.now()
    )
    if not retried:
        raise ValidationError("Only a failed meme can be retried.", code="not_failed")
    meme.refresh_from_db()
    transaction.on_commit(lambda: meme_enqueue(meme_id=meme.pk))
    return meme


def _store_rendered(meme: Meme, image: Image.Image) -> None:
    old = [meme.image.name, meme.thumbnail.name]
    meme.image.save("meme.jpg", ContentFile(render.to_jpeg(image)), save=False)
    meme.thumbnail.save(
        "thumb.jpg", ContentFile(render.to_jpeg(render.thumbnail(image), quality=85)), save=False
    )
    storage = meme.image.storage
    for name in old:
        if name:
            storage.delete(name)


def _rerender(meme: Meme) -> None:
    with meme.photo.open("rb") as handle:
        photo = render.open_image(handle.read())
    image = render.render_meme(
        photo,
        top_text=meme.top_text,
        bottom_text=meme.bottom_text,
        font_scale=meme.font_size / 100,
        color=meme.text_color,
    )
    _store_rendered(meme, image)


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
    access_meme_edit(user=user, meme=meme)
    _require_ready(meme)
    if top_text is not None:
        meme.top_text = check_text(top_text, name="Top text")
    if bottom_text is not None:
        meme.bottom_text = check_text(bottom_text, name="Bottom text")
    if font_size is not None:
        meme.font_size = check_font_size(font_size)
    if text_color is not None:
        meme.text_color = check_color(text_color)
    _rerender(meme)
    meme.save()
    return meme


def meme_choose_caption(*, meme: Meme, user: Any, caption_id: int) -> Meme:
    access_meme_edit(user=user, meme=meme)
    _require_ready(meme)
    caption = Caption.objects.filter(pk=caption_id, approved=True).first()
    if caption is None:
        raise ValidationError("That caption is not available.", code="caption")
    meme.caption = caption
    meme.top_text, meme.bottom_text = caption_rules.caption_texts(caption.text, meme.topic)
    _rerender(meme)
    meme.save()
    caption_mark_used(caption=caption)
    return meme


def meme_set_public(*, meme: Meme, user: Any, is_public: bool) -> Meme:
    access_meme_edit(user=user, meme=meme)
    if is_public:
        _require_ready(meme)
    meme.is_public = is_public
    meme.save(update_fields=["is_public", "updated_at"])
    return meme


def memes_set_hidden(*, memes: models.QuerySet[Meme], hidden: bool) -> int:
    """Moderation: hidden memes drop out of every public list but stay with their owner."""
    return memes.update(is_hidden=hidden, updated_at=timezone.now())


def _delete_file(file: Any) -> None:
    if file and file.name:
        try:
            file.storage.delete(file.name)
        except Exception:  # a missing file must not block deleting the row
            logger.warning("could not delete %s", file.name, exc_info=True)


def meme_delete(*, meme: Meme, user: Any | None = None) -> None:
    """Delete a meme and its three files. user=None is the moderator/cascade path."""
    if user is not None:
        access_meme_edit(user=user, meme=meme)
    files = [meme.photo, meme.image, meme.thumbnail]
    meme.delete()
    for file in files:
        _delete_file(file)


def memes_delete(*, memes: Iterable[Meme]) -> int:
    count = 0
    for meme in memes:
        meme_delete(meme=meme)
        count += 1
    return count


# --- likes and comments -----------------------------------------------------------------------


def meme_like_toggle(*, meme: Meme, user: Any) -> bool:
    """Like or unlike; returns whether the user now likes it. A like also counts for the caption,
    which is how curators see which captions land."""
    access_meme_interact(user=user, meme=meme)
    with transaction.atomic():
        deleted, _ = Like.objects.filter(meme=meme, user=user).delete()
        if deleted:
            if meme.caption_id:
                Caption.objects.filter(pk=meme.caption_id, likes__gt=0).update(likes=F("likes") - 1)
            return False
        try:
            with transaction.atomic():
                Like.objects.create(meme=meme, user=user)
        except IntegrityError:  # a double click raced us: it is liked either way
            return True
        if meme.caption_id:
            Caption.objects.filter(pk=meme.caption_id).update(likes=F("likes") + 1)
        return True


def comment_create(*, meme: Meme, user: Any, text: str) -> Comment:
    access_meme_interact(user=user, meme=meme)
    return Comment.objects.create(meme=meme, user=user, text=check_comment_text(text))


def access_comment_delete(*, user: Any, comment: Comment) -> None:
    """Its author, the meme's owner, or a moderator."""
    if not (user.is_authenticated and (user.pk in (comment.user_id, comment.meme.owner_id) or user.is_staff)):
        raise PermissionDenied("You can only delete your own comments or comments on your memes.")


def comment_delete(*, comment: Comment, user: Any) -> None:
    access_comment_delete(user=user, comment=comment)
    comment.delete()


# --- captions ---------------------------------------------------------------------------------


def caption_seed(*, caption_model: type[Caption] = Caption) -> int:
    """Load the seed captions (idempotent); returns how many were new. Takes the model so the
    data migration can pass its historical one."""
    existing = set(caption_model.objects.values_list("emotion", "text"))
    new = [
        caption_model(text=text, emotion=emotion, source="seed", approved=True)
        for emotion, texts in SEED_CAPTIONS.items()
        for text in texts
        if (emotion, text) not in existing
    ]
    caption_model.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def caption_mark_used(*, caption: Caption) -> None:
    Caption.objects.filter(pk=caption.pk).update(times_used=F("times_used") + 1)


def captions_set_approved(*, captions: models.QuerySet[Caption], approved: bool) -> int:
    return captions.update(approved=approved)


def captions_relabel(*, captions: models.QuerySet[Caption], emotion: str) -> int:
    """Move captions to another emotion. One whose text already exists there is left as it is."""
    emotion = check_emotion(emotion, allow_blank=False)
    taken = set(Caption.objects.filter(emotion=emotion).values_list("text", flat=True))
    movable = [c.pk for c in captions.exclude(emotion=emotion) if c.text not in taken]
    return Caption.objects.filter(pk__in=movable).update(emotion=emotion)


@dataclass
class ImportReport:
    created: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _row_value(row: dict[str, Any], *keys: str) -> str:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for key in keys:
        if lowered.get(key) is not None:
            return str(lowered[key])
    return ""


def caption_import(
    *,
    rows: Iterable[tuple[int, dict[str, Any] | str]],
    source: str = Caption.Source.IMPORTED,
    approved: bool = False,
) -> ImportReport:
    """Import (line number, row) pairs. A row is a dict in the paper's dataset format
    (Caption_ID, Facial_Expression, Caption_Text) or with emotion/text keys, or a string naming
    why it could not be parsed. Every skipped row is reported with its reason."""
    report = ImportReport()
    seen = set(Caption.objects.values_list("emotion", "text"))
    batch: list[Caption] = []
    for line, row in rows:
        if isinstance(row, str):
            report.skipped.append((line, row))
            continue
        raw_emotion = _row_value(row, "facial_expression", "emotion", "label")
        emotion = caption_rules.normalize_emotion(raw_emotion)
        text = caption_rules.clean_text(_row_value(row, "caption_text", "text", "caption"))
        if not raw_emotion.strip():
            report.skipped.append((line, "no emotion"))
        elif emotion is None:
            report.skipped.append((line, f"unknown emotion {raw_emotion.strip()!r}"))
        elif not text:
            report.skipped.append((line, "empty caption text"))
        elif len(text) > TEXT_MAX_LENGTH:
            report.skipped.append((line, f"caption longer than {TEXT_MAX_LENGTH} characters ({len(text)})"))
        elif (emotion, text) in seen:
            report.skipped.append((line, "duplicate of an existing caption"))
        else:
            seen.add((emotion, text))
            batch.append(Caption(text=text, emotion=emotion, source=source, approved=approved))
    Caption.objects.bulk_create(batch, batch_size=500)
    report.created = len(batch)
    return report


def captions_export_csv(*, captions: models.QuerySet[Caption], out: IO[str]) -> int:
    """Write captions in the paper's dataset format plus our curation columns."""
    writer = csv.writer(out)
    writer.writerow(
        ["Caption_ID", "Facial_Expression", "Caption_Text", "Source", "Approved", "Times_Used", "Likes"]
    )
    count = 0
    for c in captions.order_by("pk").iterator():
        writer.writerow([c.pk, c.emotion, c.text, c.source, int(c.approved), c.times_used, c.likes])
        count += 1
    return count


# --- moderation, likes by state, reports and caption suggestions (used by the REST API) ---------

REPORT_NOTE_MAX_LENGTH = 500


def access_moderate(*, user: Any) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied("Only moderators can do that.")


def access_meme_delete(*, user: Any, meme: Meme) -> None:
    """The owner, or a moderator removing it."""
    if not (user.is_authenticated and (meme.owner_id == user.pk or user.is_staff)):
        raise PermissionDenied("Only the meme's owner or a moderator can delete it.")


def meme_set_hidden(*, meme: Meme, user: Any, hidden: bool) -> Meme:
    access_moderate(user=user)
    memes_set_hidden(memes=Meme.objects.filter(pk=meme.pk), hidden=hidden)
    meme.is_hidden = hidden
    return meme


def meme_like_set(*, meme: Meme, user: Any, liked: bool) -> bool:
    """Like (liked=True) or unlike, idempotently: asking twice changes nothing the second time,
    unlike the page's toggle. Keeps the caption's like count in step, as the toggle does."""
    access_meme_interact(user=user, meme=meme)
    with transaction.atomic():
        if liked:
            _like, changed = Like.objects.get_or_create(meme=meme, user=user)
        else:
            changed = Like.objects.filter(meme=meme, user=user).delete()[0] > 0
        if changed and meme.caption_id:
            captions = Caption.objects.filter(pk=meme.caption_id)
            if liked:
                captions.update(likes=F("likes") + 1)
            else:
                captions.filter(likes__gt=0).update(likes=F("likes") - 1)
    return liked


def check_report_reason(value: str | None) -> str:
    value = (value or "").strip().lower()
    if value not in Report.Reason.values:
        raise ValidationError(f"Choose a reason: {', '.join(Report.Reason.values)}.", code="reason")
    return value


def check_report_note(value: str | None) -> str:
    value = caption_rules.clean_text(value or "")
    if len(value) > REPORT_NOTE_MAX_LENGTH:
        raise ValidationError(f"Keep the note under {REPORT_NOTE_MAX_LENGTH} characters.", code="note")
    return value


def report_create(*, meme: Meme, user: Any, reason: str, note: str = "") -> tuple[Report, bool]:
    """Flag a meme someone can see for the moderators. Reporting the same meme again returns the
    first report (created=False) rather than piling up duplicates."""
    access_meme_interact(user=user, meme=meme)
    if meme.owner_id == user.pk:
        raise ValidationError("You can't report your own meme; delete or unpublish it instead.", code="own")
    reason, note = check_report_reason(reason), check_report_note(note)
    with transaction.atomic():
        return Report.objects.get_or_create(
            meme=meme, reporter=user, defaults={"reason": reason, "note": note}
        )


REPORT_ACTIONS = ("dismiss", "hide", "delete")


def report_resolve(*, report: Report, user: Any, action: str) -> Report | None:
    """A moderator's decision on a report, applied to every open report of that meme: dismiss
    (the meme is fine), hide it from public lists, or delete it (its reports go with it; None)."""
    access_moderate(user=user)
    if action not in REPORT_ACTIONS:
        raise ValidationError(f"Choose an action: {', '.join(REPORT_ACTIONS)}.", code="action")
    meme = report.meme
    if action == "delete":
        meme_delete(meme=meme)
        return None
    resolution = Report.Resolution.DISMISSED if action == "dismiss" else Report.Resolution.HIDDEN
    with transaction.atomic():
        if action == "hide":
            memes_set_hidden(memes=Meme.objects.filter(pk=meme.pk), hidden=True)
        # Every open report of the meme, and this one even if it was decided before.
        Report.objects.filter(Q(resolution="") | Q(pk=report.pk), meme=meme).update(
            resolution=resolution, resolved_by=user, resolved_at=timezone.now()
        )
    report.refresh_from_db()
    return report


def caption_suggest(*, user: Any, text: str, emotion: str) -> Caption:
    """A person proposes a caption; it waits, unapproved, for a curator (admin) to approve it."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to suggest captions.")
    emotion = check_emotion(emotion, allow_blank=False)
    text = check_text(text, name="A caption")
    if not text:
        raise ValidationError("Write the caption first.", code="empty")
    if Caption.objects.filter(emotion=emotion, text=text).exists():
        raise ValidationError("That caption is already in our list for this emotion.", code="duplicate")
    try:
        with transaction.atomic():
            return Caption.objects.create(
                text=text,
                emotion=emotion,
                source=Caption.Source.SUGGESTED,
                approved=False,
                suggested_by=user,
            )
    except IntegrityError as exc:  # the same text suggested at the same moment
        raise ValidationError(
            "That caption is already in our list for this emotion.", code="duplicate"
        ) from exc
