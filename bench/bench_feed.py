"""Feed page under load: gunicorn + PostgreSQL on loopback, 50 concurrent clients (wrk).

Target: p99 <= 100 ms for the feed page, anonymous and signed in. Anonymous pages are cached whole;
signed-in pages are rendered per person around the shared grid of cards. The top feed is reported too.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._report import fresh_database, write_section  # noqa: E402

DB_NAME = "deepmeme_bench"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
MEDIA = ROOT / "bench-out" / "feed-media"
# 3 sync workers as deployed (docker/Dockerfile, docker/compose.yaml): on these 2 cores 3 beat 4 and 2
# (API feed with the cache off, 4 interleaved rounds: mean latency 128 ms vs 148 ms and 137 ms).
CLIENTS, SECONDS, WORKERS, MEMES = 50, 15, 3, 300
TARGET_P99_MS = 100.0


def seed() -> str:
    """Migrate and fill the feed; returns a signed-in session cookie."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="deepmeme_site.settings", DATABASE_URL=DB_URL, MEDIA_ROOT=str(MEDIA)
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from memes.models import Like
    from tests.factories import make_meme, make_user

    call_command("migrate", verbosity=0)
    rng = random.Random(0)
    users = [make_user(f"bench{i}") for i in range(40)]
    emotions = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    memes = [
        make_meme(rng.choice(users), emotion=rng.choice(emotions), top_text="bench", bottom_text=f"meme {i}")
        for i in range(MEMES)
    ]
    Like.objects.bulk_create(
        [Like(user=u, meme=m) for m in memes for u in rng.sample(users, rng.randint(0, 8))],
        ignore_conflicts=True,
    )
    client = Client()
    client.force_login(users[0])
    return client.cookies["sessionid"].value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, seconds: int, headers: list[str] | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in headers or []:
        cmd += ["-H", header]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = {}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        result[f"p{pct}"] = float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = float(errors.group(1)) if errors else 0.0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = float(sum(int(g) for g in sock.groups())) if sock else 0.0
    return result


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1
    shutil.rmtree(MEDIA, ignore_errors=True)
    fresh_database(DB_NAME)
    session = seed()
    port = free_port()
    # As deployed (docker/compose.yaml): one Redis cache shared by all gunicorn workers.
    env = {**os.environ, "DEBUG": "0", "DATABASE_URL": DB_URL, "MEDIA_ROOT": str(MEDIA), "LOG_LEVEL": "ERROR"}
    env["CACHE_URL"] = "redis://127.0.0.1:6379/2"
    env.pop("CELERY_BROKER_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "deepmeme_site.wsgi:application", "-w", str(WORKERS),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        cookie = [f"Cookie: sessionid={session}"]
        wrk(f"{base}/", 3)  # warm-up: connections, templates, query plans
        wrk(f"{base}/", 3, cookie)
        runs = {
            "public feed (anonymous, `/`)": wrk(f"{base}/", SECONDS),
            "top feed (anonymous, `/?order=top`)": wrk(f"{base}/?order=top", SECONDS),
            "feed signed in (`/`, page rendered per user)": wrk(f"{base}/", SECONDS, cookie),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    rows = [
        f"| {name} | {r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} | "
        f"{int(r['errors'] + r['socket_errors'])} |"
        for name, r in runs.items()
    ]
    p99 = runs["public feed (anonymous, `/`)"]["p99"]
    signed_in_p99 = runs["feed signed in (`/`, page rendered per user)"]["p99"]
    verdict = "meets" if max(p99, signed_in_p99) <= TARGET_P99_MS else "MISSES"
    body = "\n".join(
        [
            "## Feed page under load",
            "",
            f"gunicorn ({WORKERS} sync workers) + PostgreSQL on loopback, {MEMES} public memes, 24 per page; "
            f"wrk with {CLIENTS} concurrent connections for {SECONDS} s each (closed loop, keep-alive).",
            "Anonymous feed pages are cached for `FEED_CACHE_SECONDS` (5 s) in Redis, shared by the workers; "
            "signed-in pages are rendered per person around the grid of cards, shared by everyone as long.",
            "",
            "| page | p50 ms | p90 ms | p99 ms | req/s | errors |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"**Target: feed page p99 <= {TARGET_P99_MS:.0f} ms — {verdict} (anonymous {p99:.1f} ms, "
            f"signed in {signed_in_p99:.1f} ms).**",
        ]
    )
    write_section("feed", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
