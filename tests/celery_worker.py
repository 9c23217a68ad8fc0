"""Start and stop a real `celery worker` subprocess (used by the real-stack tests and make bench)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class WorkerFailed(RuntimeError):
    pass


def start_worker(
    *, env: dict[str, str], queue: str, log_path: Path, timeout: float = 120, extra_args: tuple[str, ...] = ()
) -> subprocess.Popen:
    """A solo-pool worker consuming only `queue`, logging to `log_path`; returns once it is ready.
    `extra_args` go to `celery worker` (e.g. `-B` to run beat, the sweeper's clock, inside it)."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "deepmeme_site",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
    ]
    command += ["-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", *extra_args]
    with open(log_path, "w") as log:  # the child keeps its own handle
        worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while "ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise WorkerFailed(f"celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
