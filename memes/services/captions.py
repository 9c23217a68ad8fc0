"""Captions: the worker's choice (the model first, curated captions by Thompson sampling when it is
off or fails), the model's captions kept per meme, and the dataset (seed, count uses, curate,
promote, import, export, suggest)."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from PIL import Image

from .. import access, captioner, checks, selectors
from .. import captions as caption_rules
from ..limits import MODEL_CAPTION_TRIES, TEXT_MAX_LENGTH
from ..models import Caption, Meme
from ..seed_captions import SEED_CAPTIONS


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
    emotion = checks.check_emotion(emotion, allow_blank=False)
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


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) phones
# home, =cmd|... ran programs): OWASP's "CSV injection". Tab and CR are there because some
# spreadsheets skip them before looking for the formula sign.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A cell that a spreadsheet shows as text: a leading apostrophe stops it being a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def captions_export_csv(*, captions: models.QuerySet[Caption], out: IO[str]) -> int:
    """Write captions in the paper's dataset format plus our curation columns."""
    writer = csv.writer(out)
    writer.writerow(
        ["Caption_ID", "Facial_Expression", "Caption_Text", "Source", "Approved", "Times_Used", "Likes"]
    )
    count = 0
    for c in captions.order_by("pk").iterator():
        row = [c.pk, c.emotion, c.text, c.source, int(c.approved), c.times_used, c.likes]
        writer.writerow([csv_safe(cell) for cell in row])
        count += 1
    return count


def caption_suggest(*, user: Any, text: str, emotion: str) -> Caption:
    """A person proposes a caption; it waits, unapproved, for a curator (admin) to approve it."""
    access.ensure_signed_in(user=user, message="Sign in to suggest captions.")
    emotion = checks.check_emotion(emotion, allow_blank=False)
    text = checks.check_text(text, name="A caption")
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


# --- the model's captions and the curated fallback ---------------------------------------------


@dataclass(frozen=True)
class ChosenCaption:
    """The caption a new meme gets: its two lines, who wrote them (Meme.CaptionSource), the
    curated Caption used (None for the model's, which the job stores with caption_record_generated)
    and the photo topic offered to the model."""

    top: str
    bottom: str
    source: str
    caption: Caption | None = None
    written: captioner.WrittenCaption | None = None
    photo_topic: str = ""


def caption_choose_for_photo(
    *,
    image: Image.Image,
    emotion: str,
    topic: str = "",
    previous: Meme | None = None,
    rng: random.Random | None = None,
) -> ChosenCaption:
    """The worker's "Writing a caption". The model first: its best candidate that is not the
    person's previous caption; without a topic, what the photo confidently shows is offered as
    one. When the model is off, fails or writes nothing usable: a curated caption by Thompson
    sampling, never the previous meme's. Reads only; the job stores the result."""
    avoid = [(previous.top_text, previous.bottom_text)] if previous is not None else []
    photo_topic = "" if topic or not captioner.captioner_enabled() else captioner.guess_photo_topic(image)
    written: list[captioner.WrittenCaption] = []
    try:
        # One caption per call (the model samples, filters and reranks ~4 candidates for it); a
        # draw left empty (the previous caption again, or nothing past the filters) is tried again.
        for _ in range(MODEL_CAPTION_TRIES):
            written = captioner.write_captions(emotion=emotion, topic=topic or photo_topic, avoid=avoid)
            if written:
                break
    except captioner.CaptionerOff:
        written = []
    if written:
        best = written[0]
        return ChosenCaption(
            best.top, best.bottom, Meme.CaptionSource.MODEL, written=best, photo_topic=photo_topic
        )
    exclude = [previous.caption_id] if previous is not None and previous.caption_id else []
    picked = selectors.caption_suggestions(
        emotion=emotion, topic=topic, limit=1, rng=rng, exclude_ids=exclude
    )
    if picked:
        top, bottom = caption_rules.caption_texts(picked[0].text, topic)
        return ChosenCaption(top, bottom, Meme.CaptionSource.CURATED, caption=picked[0])
    # No approved caption at all (an emptied table) must not stop the meme: our own seed lines.
    pool = [t for t in SEED_CAPTIONS[emotion] if caption_rules.TOPIC_PLACEHOLDER not in t or topic]
    fresh = [t for t in pool if caption_rules.caption_texts(t, topic) not in avoid] or pool
    top, bottom = caption_rules.caption_texts((rng or random).choice(fresh), topic)
    return ChosenCaption(top, bottom, Meme.CaptionSource.CURATED)


def caption_record_generated(*, meme: Meme, written: captioner.WrittenCaption) -> Caption:
    """Keep a model caption as a Caption of its meme (source "generated", unapproved): likes on
    the meme count for it, its owner may pick it, curators can find and promote it. A text that
    already exists for this emotion is that caption (the unique rule), not a copy."""
    caption, _created = Caption.objects.get_or_create(
        emotion=meme.emotion,
        text=written.text,
        defaults={"source": Caption.Source.GENERATED, "approved": False, "generated_for": meme},
    )
    return caption


def caption_promote(*, caption: Caption) -> Caption:
    """A curator adds a caption the model wrote to the curated set: approved, so the fallback and
    every meme's "other captions" can offer it. Its source stays "generated" (where it came from
    is never lost), and the topic of the meme it was written for becomes the {topic} slot, so it
    fits any meme's topic rather than repeating that one."""
    if caption.source != Caption.Source.GENERATED:
        raise ValidationError("Only captions the model wrote can be promoted; approve others.", code="source")
    meme = caption.generated_for
    topic = (meme.topic or meme.photo_topic) if meme is not None else ""
    text = caption.text
    if topic and caption_rules.TOPIC_PLACEHOLDER not in text:
        pattern = re.compile(rf"(?<!\w){re.escape(topic)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(caption_rules.TOPIC_PLACEHOLDER, text)
    if Caption.objects.filter(emotion=caption.emotion, text=text).exclude(pk=caption.pk).exists():
        raise ValidationError(f"{text!r} is already a {caption.emotion} caption.", code="duplicate")
    caption.text, caption.approved = text, True
    caption.save(update_fields=["text", "approved"])
    return caption
