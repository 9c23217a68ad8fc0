"""A fresh `make run` on this machine, timed: a clean clone of HEAD, an empty venv and no pip cache
(PIP_NO_CACHE_DIR=1: every wheel fetched again and llama-cpp-python compiled from source), then `make run`
until the first meme made through the web pages (log in as demo, upload, poll to ready).

Target (issue 7): a fresh `make run` <= 6 minutes, compile included, with the captioner on by default.
Torch and torchvision still come from this machine's disk, as they do for every fresh `make run` here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._report import write_section  # noqa: E402
from bench.bench_feed import free_port  # noqa: E402
from tests.webclient import make_meme_over_web  # noqa: E402

TARGET_S = 360.0
PHOTO = ROOT / "tests" / "assets" / "astronaut.jpg"


def wait_for_login_page(url: str, process: subprocess.Popen, log: Path, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run stopped early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"make run did not serve pages in {timeout} s:\n{log.read_text()[-3000:]}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="deepmeme-firstrun-") as scratch:
        clone = Path(scratch) / "deepmeme"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        port = free_port()
        log = Path(scratch) / "run.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "VIRTUAL_"))
        }
        env["PIP_NO_CACHE_DIR"] = "1"
        started = time.monotonic()
        with log.open("w") as out:
            run = subprocess.Popen(
                ["make", "--no-print-directory", "run", f"PORT={port}"],
                cwd=clone,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C to the whole group at the end, as a terminal would
            )
            try:
                url = f"http://127.0.0.1:{port}"
                wait_for_login_page(url, run, log)
                serving_s = time.monotonic() - started
                outcome = make_meme_over_web(
                    base_url=url, username="demo", password="demo-meme-2024", photo=PHOTO, timeout=600
                )
                first_meme_s = time.monotonic() - started
            finally:
                os.killpg(run.pid, signal.SIGINT)
                try:
                    run.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(run.pid, signal.SIGKILL)
        if not outcome.get("ready"):
            print(json.dumps(outcome), log.read_text()[-3000:], sep="\n", file=sys.stderr)
            return 1
    load = os.getloadavg()[0]
    verdict = "meets" if first_meme_s <= TARGET_S else "MISSES"
    body = f"""## Fresh `make run` (first run, compile included)

`bench/bench_firstrun.py`: a clean clone of HEAD, an empty `.venv`, `PIP_NO_CACHE_DIR=1` (every wheel
fetched again from the package registry, llama-cpp-python compiled from source; torch and torchvision from
this machine's disk), then `make run` (migrate, seed captions, demo accounts, web server + worker + beat)
and a meme made through its web pages as the demo account (log in, upload, poll until ready), the
captioner on as by default.

| step | seconds from `make run` |
| --- | ---: |
| pages served (dependencies installed, migrated, seeded, servers up) | {serving_s:.0f} |
| first meme ready through the web pages | {first_meme_s:.0f} |

Machine load (1-minute average) at the end: {load:.2f}.

**Target: a fresh `make run` <= {TARGET_S / 60:.0f} minutes, compile included — {verdict}
({first_meme_s / 60:.1f} min to the first meme).**"""
    write_section("firstrun", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
