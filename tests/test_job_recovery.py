"""The job's recovery rules (memes.services.pipeline): attempt tokens, the sweeper, broker down.

Unit level, in-process (eager Celery, a stand-in analysis); tests/test_faults.py shows the same
rules on the real stack with a killed worker and a stopped Redis.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from memes.models import Meme
from memes.services import memes as meme_services
from memes.services import pipeline
from memes.tasks import process_meme, sweep_memes
from tests.factories import make_meme

pytestmark = pytest.mark.django_db


def _lost(meme: Meme, *, seconds: float = 3600, **fields) -> Meme:
    """The meme as a dead worker or a lost message leaves it: untouched for `seconds`."""
    Meme.objects.filter(pk=meme.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds), **fields)
    meme.refresh_from_db()
    return meme


def test_a_stale_delivery_cannot_revive_a_failed_meme(user, fake_analysis):
    meme = make_meme(user, status=Meme.Status.FAILED, failure_reason="Processing took too long.")
    assert process_meme.apply(args=[meme.pk], kwargs={"attempt": meme.attempt}).get() == "stale"
    meme.refresh_from_db()
    assert (meme.status, meme.failure_reason) == (Meme.Status.FAILED, "Processing took too long.")
    assert not meme.faces


def test_after_a_retry_the_old_attempts_message_is_dropped(user, fake_analysis, monkeypatch):
    meme = make_meme(user, status=Meme.Status.FAILED, failure_reason="boom")
    sent = []
    monkeypatch.setattr(pipeline, "meme_enqueue", lambda *, meme_id, attempt: sent.append(attempt) or True)
    meme = meme_services.meme_retry(meme=meme, user=user)
    # A new attempt starts with a new token and without the old reason.
    assert (meme.status, meme.attempt, meme.failure_reason) == (Meme.Status.QUEUED, 2, "")
    assert process_meme.apply(args=[meme.pk], kwargs={"attempt": 1}).get() == "stale"
    meme.refresh_from_db()
    assert meme.status == Meme.Status.QUEUED
    assert process_meme.apply(args=[meme.pk], kwargs={"attempt": 2}).get() == "ready"


def test_a_new_attempt_clears_an_old_failure_reason(user, fake_analysis):
    meme = make_meme(user, status=Meme.Status.QUEUED, failure_reason="left from before")
    assert process_meme.apply(args=[meme.pk], kwargs={"attempt": meme.attempt}).get() == "ready"
    meme.refresh_from_db()
    assert meme.failure_reason == "" and meme.is_ready


def test_the_redelivered_message_of_a_dead_worker_finishes_the_job(user, fake_analysis, settings):
    settings.MEME_JOB_TIMEOUT_SECONDS = 60
    meme = _lost(make_meme(user, status=Meme.Status.QUEUED), status=Meme.Status.PROCESSING)
    assert process_meme.apply(args=[meme.pk], kwargs={"attempt": meme.attempt}).get() == "ready"


def test_a_duplicate_delivery_while_the_job_runs_is_dropped(user, fake_analysis, settings):
    settings.MEME_JOB_TIMEOUT_SECONDS = 60
    meme = make_meme(user, status=Meme.Status.PROCESSING)  # updated just now: a worker has it
    assert process_meme.apply(args=[meme.pk], kwargs={"attempt": meme.attempt}).get() == "busy"
    meme.refresh_from_db()
    assert meme.status == Meme.Status.PROCESSING


def test_a_job_overtaken_by_a_newer_attempt_stops_and_keeps_no_files(user, settings, monkeypatch):
    from tests.conftest import media_files
    from tests.factories import fake_analyzer

    meme = make_meme(user, status=Meme.Status.QUEUED)
    files_before = media_files(settings.MEDIA_ROOT)
    analyze = fake_analyzer("happy")

    def overtaken(image):  # the sweeper gives the meme a new attempt while this one works
        Meme.objects.filter(pk=meme.pk).update(attempt=meme.attempt + 1, status=Meme.Status.QUEUED)
        return analyze(image)

    monkeypatch.setattr(pipeline, "default_analyzer", overtaken)
    assert process_meme.apply(args=[meme.pk], kwargs={"attempt": meme.attempt}).get() == "stale"
    meme.refresh_from_db()
    assert meme.status == Meme.Status.QUEUED and meme.attempt == 2
    assert media_files(settings.MEDIA_ROOT) == files_before


def test_the_sweeper_restarts_a_lost_job_with_a_new_attempt(
    user, fake_analysis, settings, django_capture_on_commit_callbacks
):
    settings.MEME_JOB_TIMEOUT_SECONDS, settings.MEME_JOB_MAX_ATTEMPTS = 60, 3
    meme = _lost(make_meme(user, status=Meme.Status.QUEUED), status=Meme.Status.PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        report = pipeline.memes_sweep()
    assert (report.restarted, report.failed) == (1, 0)
    meme.refresh_from_db()  # eager: the new attempt ran at once
    assert (meme.status, meme.attempt, meme.restarts) == (Meme.Status.READY, 2, 1)


def test_the_sweeper_gives_up_after_the_last_attempt(user, settings):
    settings.MEME_JOB_TIMEOUT_SECONDS, settings.MEME_JOB_MAX_ATTEMPTS = 60, 3
    meme = make_meme(user, status=Meme.Status.QUEUED)
    meme = _lost(meme, status=Meme.Status.PROCESSING, attempt=3, restarts=2)
    assert pipeline.memes_sweep().failed == 1
    meme.refresh_from_db()
    assert meme.status == Meme.Status.FAILED and "too long" in meme.failure_reason


def test_the_sweeper_resends_a_queued_meme_whose_message_was_lost(
    user, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MEME_JOB_TIMEOUT_SECONDS = 60
    lost = _lost(make_meme(user, status=Meme.Status.QUEUED))
    fresh = make_meme(user, status=Meme.Status.QUEUED)  # just queued: its message is on its way
    running = make_meme(user, status=Meme.Status.PROCESSING)
    sent = []
    monkeypatch.setattr(pipeline, "meme_enqueue", lambda *, meme_id, attempt: sent.append((meme_id, attempt)))
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.memes_sweep().resent == 1
    # The same attempt again: whichever copy comes first runs, the other is dropped.
    assert sent == [(lost.pk, lost.attempt)]
    # Sent again at most once per timeout, however often the sweeper runs.
    assert pipeline.memes_sweep().resent == 0 and len(sent) == 1
    for meme in (fresh, running):
        meme.refresh_from_db()
        assert meme.attempt == 1 and meme.restarts == 0


def test_sweep_task_and_command(user, fake_analysis, settings, capsys, django_capture_on_commit_callbacks):
    settings.MEME_JOB_TIMEOUT_SECONDS = 60
    first = _lost(make_meme(user, status=Meme.Status.QUEUED))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_memes.apply().get() == {"resent": 1, "restarted": 0, "failed": 0}
    first.refresh_from_db()
    assert first.is_ready
    _lost(make_meme(user, status=Meme.Status.QUEUED))
    call_command("sweep_memes")
    assert "resent 1" in capsys.readouterr().out


def test_broker_down_keeps_the_upload_queued_for_the_sweeper(user, monkeypatch):
    from celery import current_app

    def refuse(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(current_app, "signature", refuse)
    meme = make_meme(user, status=Meme.Status.QUEUED)
    assert pipeline.meme_enqueue(meme_id=meme.pk, attempt=meme.attempt) is False
    meme.refresh_from_db()
    assert meme.status == Meme.Status.QUEUED and meme.failure_reason == ""


def test_polling_a_lost_job_sends_it_again(
    user_client, user, fake_analysis, settings, django_capture_on_commit_callbacks
):
    """Without beat (a misconfigured deployment) the meme's own page still recovers it."""
    settings.MEME_JOB_TIMEOUT_SECONDS = 60
    meme = _lost(make_meme(user, status=Meme.Status.QUEUED), status=Meme.Status.PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        status = user_client.get(reverse("memes:status", args=[meme.public_id])).json()
    assert status["status"] == "queued"  # a new attempt, sent (here it runs at once)
    meme.refresh_from_db()
    assert meme.attempt == 2
