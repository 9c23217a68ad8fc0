"""`manage.py runlocal [ADDR:PORT]`: the web server, a Celery worker and celery beat, one command.

`make run` uses it with `CELERY_BROKER_URL=filesystem://`, kombu's broker made of a folder of message
files, so a meme is made off the request (the page shows each stage) with no server to install. The
celery beat runs beside them, for the sweeper that re-sends stuck memes. Any other broker works too.
Ctrl-C (or SIGTERM) stops all three; if one stops on its own, so do the others.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_GRACE_SECONDS = 15  # a worker in the middle of a meme finishes it (warm shutdown) within this


def broker_folders() -> list[Path]:
    """The folders kombu's filesystem transport needs (it does not create them itself)."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    keys = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    return [Path(options[key]) for key in keys if key in options]


def beat_schedule_file() -> Path:
    """celery beat's record of when each periodic task last ran: beside the broker's folders."""
    folder = getattr(settings, "CELERY_FILESYSTEM_DIR", Path(settings.BASE_DIR) / "var")
    return Path(folder) / "beat-schedule"


def worker_command() -> list[str]:
    # solo: one job at a time in the worker's own process, which loads the models once at start.
    # Gossip, mingle and heartbeats are for clusters of workers; here there is one.
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "deepmeme_site",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        "local@%h",
    ]


def beat_command() -> list[str]:
    # celery beat sends the sweeper (memes.tasks.sweep_memes) on its schedule: a lost or stuck meme is
    # sent to the worker again here too. Its own process, so stopping it is as plain as the others.
    celery = [sys.executable, "-m", "celery", "-A", "deepmeme_site", "beat", "--loglevel=INFO"]
    return [*celery, "--schedule", str(beat_schedule_file())]


def web_command(addrport: str) -> list[str]:
    # No autoreload: the worker would not reload with it, and polling every module costs CPU.
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "runserver", "--noreload", addrport]


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and celery beat (make run's embedded mode); Ctrl-C stops all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError(
                "runlocal needs a broker: set CELERY_BROKER_URL (e.g. filesystem:// as `make run` does). "
                "Without one, `manage.py runserver` runs jobs in-process."
            )
        for folder in [*broker_folders(), beat_schedule_file().parent]:
            folder.mkdir(parents=True, exist_ok=True)

        children: dict[str, subprocess.Popen[bytes]] = {}
        # Ctrl-C, and SIGTERM (e.g. from a process manager), stop the children. Set explicitly: a
        # shell starts a background job with SIGINT ignored, and Python keeps it ignored then.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        status = 0
        try:
            children["worker"] = subprocess.Popen(worker_command(), cwd=settings.BASE_DIR)
            children["beat"] = subprocess.Popen(beat_command(), cwd=settings.BASE_DIR)
            children["web"] = subprocess.Popen(web_command(options["addrport"]), cwd=settings.BASE_DIR)
            self.stdout.write(
                f"Web server on http://{options['addrport']}/ , a worker and beat; Ctrl-C stops all."
            )
            status = self._wait_for_first_exit(children)
        except KeyboardInterrupt:
            self.stdout.write("Stopping the web server and the worker…")
        finally:
            self._stop(children)
        if status:
            raise CommandError(f"stopped: a child process exited with status {status}", returncode=status)

    def _wait_for_first_exit(self, children: dict[str, subprocess.Popen[bytes]]) -> int:
        while True:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    self.stderr.write(f"The {name} process exited ({code}); stopping the others.")
                    return code or 1
            time.sleep(0.5)

    @staticmethod
    def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
        # Ctrl-C reaches the children too, and a second one must not cut this clean-up short and
        # leave an orphaned worker: from here on it is the grace period, then a kill.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in children.values():
            if child.poll() is None:
                child.terminate()  # celery: warm shutdown (finishes the current job); runserver: exits
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
