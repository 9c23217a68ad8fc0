"""Recover lost jobs now: what celery beat runs every MEME_SWEEP_INTERVAL_SECONDS (see
memes.services.pipeline.memes_sweep). For cron, or by hand after an outage."""

from typing import Any

from django.core.management.base import BaseCommand

from memes.services.pipeline import memes_sweep


class Command(BaseCommand):
    help = "Send memes stuck queued or processing to a worker again (failed after the last attempt)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = memes_sweep()
        self.stdout.write(f"resent {report.resent}, restarted {report.restarted}, failed {report.failed}")
