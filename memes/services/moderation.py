"""Moderation: hiding memes from public lists, and people's reports with their resolution."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .. import access, checks
from ..models import Meme, Report
from . import memes as meme_services


def memes_set_hidden(*, memes: models.QuerySet[Meme], hidden: bool) -> int:
    """Hidden memes drop out of every public list but stay with their owner."""
    return memes.update(is_hidden=hidden, updated_at=timezone.now())


def meme_set_hidden(*, meme: Meme, user: Any, hidden: bool) -> Meme:
    access.ensure_can_moderate(user=user)
    memes_set_hidden(memes=Meme.objects.filter(pk=meme.pk), hidden=hidden)
    meme.is_hidden = hidden
    return meme


def report_create(*, meme: Meme, user: Any, reason: str, note: str = "") -> tuple[Report, bool]:
    """Flag a meme someone can see for the moderators. Reporting the same meme again returns the
    first report (created=False) rather than piling up duplicates."""
    access.ensure_can_interact(user=user, meme=meme)
    if meme.owner_id == user.pk:
        raise ValidationError("You can't report your own meme; delete or unpublish it instead.", code="own")
    reason, note = checks.check_report_reason(reason), checks.check_report_note(note)
    with transaction.atomic():
        return Report.objects.get_or_create(
            meme=meme, reporter=user, defaults={"reason": reason, "note": note}
        )


def report_resolve(*, report: Report, user: Any, action: str) -> Report | None:
    """A moderator's decision on a report, applied to every open report of that meme: dismiss
    (the meme is fine), hide it from public lists, or delete it (its reports go with it; None)."""
    access.ensure_can_moderate(user=user)
    action = checks.check_report_action(action)
    meme = report.meme
    if action == "delete":
        meme_services.meme_delete(meme=meme)
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
