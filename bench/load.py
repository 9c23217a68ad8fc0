"""`make bench-load`: 50 people browsing, liking, commenting and uploading for 10 minutes.

The whole stack on loopback, as deployed: gunicorn + PostgreSQL + Redis (broker and cache) + one
celery worker running the real models + celery beat (the sweeper). locust runs bench/locustfile.py.
Recorded in BENCHMARKS.md: errors (goal 0), p50/p99 per request type, memes lost or stuck after the
run (goal 0) and the web and worker memory over time (goal: flat).

Not part of `make bench` (it takes 10 minutes): LOAD_SECONDS and LOAD_USERS shorten or shrink it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._report import fresh_database, write_section  # noqa: E402

USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "600"))
WEB_WORKERS = 4
FEED_MEMES = 300
DRAIN_SECONDS = 600  # after the run, how long the queue may take to empty before memes count as stuck
SAMPLE_EVERY = 60
DB_NAME = "deepmeme_bench_load"
OUT = ROOT / "bench-out" / "load"
MEDIA = OUT / "media"
REDIS = "redis://127.0.0.1:6379"
BROKER_DB, CACHE_DB = 6, 7


def seed(db_url: str) -> dict:
    """Migrate, fill the feed and sign in USERS people (a session and a token each)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="deepmeme_site.settings", DATABASE_URL=db_url, MEDIA_ROOT=str(MEDIA)
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("CACHE_URL", None)
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from PIL import Image

    from accounts.services import api_token_issue
    from tests.factories import face_photo_bytes, make_meme, make_user

    call_command("migrate", verbosity=0)
    rng = random.Random(0)
    people, memes = [], []
    users = [make_user(f"load{i}") for i in range(USERS)]
    for user in users:
        client = Client()
        client.force_login(user)
        people.append({"token": api_token_issue(user=user), "session": client.cookies["sessionid"].value})
    for i in range(FEED_MEMES):
        owner = rng.choice(users)
        memes.append(make_meme(owner, emotion="happy", top_text="load", bottom_text=f"meme {i}").public_id)
    # Real photos with a face, in three sizes, so the worker does real work of varying length.
    astronaut = Image.open(io.BytesIO(face_photo_bytes()))
    photos = []
    for side in (512, 800, 1200):
        path = OUT / f"face-{side}.jpg"
        astronaut.resize((side, side)).save(path, quality=90)
        photos.append(str(path))
    return {"people": people, "memes": memes, "photos": photos}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's workers), in MB."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs if p.is_running()) / 1e6
    except psutil.Error:
        return float("nan")


def sample_memory(pids: dict[str, int], samples: list[dict], stop: threading.Event) -> None:
    start = time.monotonic()
    while True:
        sample = {name: rss_mb(pid) for name, pid in pids.items()}
        samples.append({"t": time.monotonic() - start, "load": os.getloadavg()[0], **sample})
        if stop.wait(SAMPLE_EVERY):
            return


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(url: str, log: Path, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:]}")


def drain(ids: list[str]) -> tuple[dict[str, int], float]:
    """Wait for every accepted upload to finish; returns the count per status and the wait."""
    from memes.models import Meme

    start = time.monotonic()
    while True:
        counts = {s: 0 for s in Meme.Status.values}
        for status in Meme.objects.filter(public_id__in=ids).values_list("status", flat=True):
            counts[status] += 1
        unfinished = counts["queued"] + counts["processing"]
        if not unfinished or time.monotonic() - start > DRAIN_SECONDS:
            return counts, time.monotonic() - start
        time.sleep(2)


def stats_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def memory_table(samples: list[dict]) -> list[str]:
    rows = [
        "| minute | web (gunicorn, all workers) MB | worker MB | machine load (1 min) |",
        "| --- | --- | --- | --- |",
    ]
    for s in samples:
        rows.append(f"| {s['t'] / 60:.1f} | {s['web']:.0f} | {s['worker']:.0f} | {s['load']:.1f} |")
    return rows


def job_stats(log: Path) -> str:
    """How long the worker took per meme, and what the sweeper did, from the worker's log."""
    import re

    from bench._report import percentile

    text = log.read_text(errors="replace")
    seconds = [float(x) for x in re.findall(r"process_meme\[[^\]]+\] succeeded in ([\d.]+)s: 'ready'", text)]
    sweeps = re.findall(r"sweep: SweepReport\((.*?)\)", text)
    made = (
        f"the worker made {len(seconds)} memes, {percentile(seconds, 50):.1f} s each at the median "
        f"(p90 {percentile(seconds, 90):.1f} s)"
        if seconds
        else "the worker made no meme"
    )
    return f"{made}; the sweeper acted {len(sweeps)} times" + (
        f" ({'; '.join(sweeps[:5])})" if sweeps else ""
    )


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    MEDIA.mkdir(parents=True)
    db_url = fresh_database(DB_NAME)
    accounts = seed(db_url)
    accounts_path, uploads_path = OUT / "accounts.json", OUT / "uploads.json"
    accounts_path.write_text(json.dumps(accounts))
    subprocess.run(["redis-cli", "-n", str(BROKER_DB), "flushdb"], check=True, capture_output=True)
    subprocess.run(["redis-cli", "-n", str(CACHE_DB), "flushdb"], check=True, capture_output=True)

    env = {
        **os.environ,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": db_url,
        "MEDIA_ROOT": str(MEDIA),
        "CELERY_BROKER_URL": f"{REDIS}/{BROKER_DB}",
        "CACHE_URL": f"{REDIS}/{CACHE_DB}",
        # Every simulated person comes from 127.0.0.1: per-address limits would throttle the
        # crowd as one client. Per-person limits stay on.
        **{f"API_THROTTLE_{scope}_IP": "" for scope in ("UPLOAD", "COMMENT", "LOGIN", "SIGNUP")},
    }
    port = 8700 + os.getpid() % 200
    base = f"http://127.0.0.1:{port}"
    web = start(
        [sys.executable, "-m", "gunicorn", "deepmeme_site.wsgi:application", "-w", str(WEB_WORKERS),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env, OUT / "web.log",
    )  # fmt: skip
    celery = [sys.executable, "-m", "celery", "-A", "deepmeme_site"]
    worker = start([*celery, "worker", "--pool=solo", "--loglevel=INFO"], env, OUT / "worker.log")
    beat = start(
        [*celery, "beat", "--loglevel=INFO", "-s", str(OUT / "beat-schedule")], env, OUT / "beat.log"
    )
    samples: list[dict] = []
    stopping = threading.Event()
    try:
        wait_ready(f"{base}/", OUT / "web.log")
        sampler = threading.Thread(
            target=sample_memory, args=({"web": web.pid, "worker": worker.pid}, samples, stopping)
        )
        sampler.start()
        locust_env = {**env, "LOAD_ACCOUNTS": str(accounts_path), "LOAD_UPLOADS": str(uploads_path)}
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(USERS), "-r", "5", "-t", f"{SECONDS}s", "--host", base, "--csv", str(OUT / "locust"),
             "--only-summary", "--stop-timeout", "60", "--loglevel", "WARNING"],
            cwd=ROOT, env=locust_env, check=False,
        )  # fmt: skip
        uploaded = json.loads(uploads_path.read_text())
        counts, drained = drain(uploaded)
        stopping.set()
        sampler.join()
    finally:
        stopping.set()
        for process in (beat, worker, web):
            stop(process)

    lost = len(uploaded) - sum(counts.values())
    stuck = counts["queued"] + counts["processing"]
    stats = stats_rows(OUT / "locust_stats.csv")
    rows = []
    total_errors = 0
    for row in stats:
        if row["Name"] == "Aggregated":
            total_errors = int(row["Failure Count"])
        rows.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | "
            f"{row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    failures = OUT / "locust_failures.csv"
    failure_lines = [
        f"- {r['Method']} {r['Name']}: {r['Error']} ({r['Occurrences']}x)" for r in stats_rows(failures)
    ] if failures.exists() else []  # fmt: skip
    body = "\n".join(
        [
            "## Load: 50 people for 10 minutes (`make bench-load`)",
            "",
            f"`bench/load.py` + `bench/locustfile.py`: {USERS} simulated people for {SECONDS} s (think time "
            "1–5 s) against gunicorn "
            f"({WEB_WORKERS} sync workers) + PostgreSQL + Redis (broker and cache) + one celery worker (solo "
            "pool, the real models) + celery beat (the sweeper), all on loopback on the same 2 shared cores "
            "as locust. Each person browses the feed (web page and API), opens memes, likes, comments and "
            "uploads a real photo now and then, polling it until it is made. Per-address throttles are "
            "off (everyone comes from 127.0.0.1); per-person ones stay on.",
            "",
            "| request | count | errors | p50 ms | p99 ms | req/s |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            "Latencies include waiting for a core: at the load shown with the memory table (2 cores shared "
            "with other work) they measure the machine more than the code. The goals here are errors, lost "
            "or stuck memes and memory; `make bench` holds the feed's latency targets.",
            "",
            f"**Errors: {total_errors}** (goal 0)." + ("" if not failure_lines else " Failures:"),
            *failure_lines,
            "",
            f"**Uploads accepted: {len(uploaded)}; after the run, {counts['ready']} ready, "
            f"{counts['failed']} "
            f"failed, lost {lost}, stuck {stuck}** (goal 0 lost, 0 stuck; the queue emptied {drained:.0f} s "
            f"after the last request; {job_stats(OUT / 'worker.log')}).",
            "",
            f"Memory (resident, sampled every {SAMPLE_EVERY} s; goal: flat), with the machine's load "
            "(2 cores, shared with other work):",
            "",
            *memory_table(samples),
        ]
    )
    write_section("load", body)
    print(body)
    return 0 if not (lost or stuck) else 1


if __name__ == "__main__":
    sys.exit(main())
