"""Shared by bench scripts: each one owns a section of BENCHMARKS.md and rewrites only that."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\n"
    "Written by `make bench` (every `bench/bench_*.py`); each script rewrites only its own section.\n"
    "Numbers are from the machine named in each section; compare runs only on the same machine.\n"
)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    sha = commit.stdout.strip() or "?"
    # Other work on the machine skews every number: say how busy it was when the run ended.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    python = platform.python_version()
    return f"{os.cpu_count()} cores, {cpu}; Python {python}; commit {sha}; load average {load}"


def write_section(name: str, body: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else HEADER
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"<!-- bench:{name} -->\n{body.strip()}\n\n_Run {stamp} on {machine()}._\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else f"{text.rstrip()}\n\n{block}\n"
    REPORT.write_text(text)
    print(f"BENCHMARKS.md: section {name!r} updated")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def fresh_database(name: str) -> str:
    """Drop and create a PostgreSQL database on loopback; returns its DATABASE_URL."""
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    conn.close()
    return f"postgres://postgres@127.0.0.1:5432/{name}"
