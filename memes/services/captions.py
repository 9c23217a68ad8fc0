"""The caption dataset: seed, count uses, curate (approve, relabel), import, export, suggest."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F

from .. import access, checks
from .. import captions as caption_rules
from ..limits import TEXT_MAX_LENGTH
from ..models import Caption
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
