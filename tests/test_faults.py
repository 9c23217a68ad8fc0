"""Faults on the real stack: no meme lost, none stuck.

Each test runs its own stack against the test PostgreSQL database: a redis-server on a free port
(broker and cache; never the shared one on 6379, which these tests stop and start), gunicorn, and
celery workers started and killed as the test needs. The worker runs the real pipeline (real models,
real photo). To kill it mid-job at a known moment on a busy 2-core machine, the worker is started
with MEME_TEST_ONLY_JOB_PAUSE_SECONDS: the job pauses that long right after it has taken the meme
("Opening the photo"), then goes on as usual. A large photo would also make the job long, but how
long depends on the machine's load, so the kill could land after the job ended; the pause does not
replace any part of the pipeline.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from memes.models import Meme
from tests.celery_worker import ROOT, start_worker, stop_worker
from tests.factories import face_photo_bytes, make_meme, make_user
from tests.redis_server import RedisServer, free_port

pytestmark = [pytest.mark.realstack, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = "celery"  # the stack's own Redis: the default queue is private to the test
FINISH_WITHIN = 240  # seconds: the bound on recovery the tests hold the stack to (busy machine)


class Stack:
    """Redis, gunicorn and workers for one test; everything it started is stopped at the end."""

    def __init__(self, tmp: Path, settings, **env: str) -> None:
        db = settings.DATABASES["default"]
        self.tmp = tmp
        self.redis = RedisServer(tmp / "redis")
        self.media = tmp / "media"
        self.media.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "deepmeme_site.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": f"{self.redis.url}/0",
            "CACHE_URL": f"{self.redis.url}/1",
            "MEDIA_ROOT": str(self.media),
            "CONN_MAX_AGE": "0",
            "DEBUG": "0",
            "LOG_LEVEL": "INFO",
            "CAPTIONER_ENABLED": "0",  # curated captions: the job's length is the models' and the pause's
            "MEME_SWEEP_INTERVAL_SECONDS": "2",
            **env,
        }
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.base = ""
        settings.MEDIA_ROOT = self.media

    def start_web(self) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn", "deepmeme_site.wsgi:application", "-w", "2"]
        command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning"]
        with open(self.tmp / "web.log", "w") as log:
            self.web = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120  # a busy machine: gunicorn's first answers can be slow
        while True:
            try:
                requests.get(f"{self.base}/api/v1/feed/", timeout=15)
                return
            except requests.RequestException:
                if self.web.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{(self.tmp / 'web.log').read_text()[-3000:]}")
                time.sleep(0.2)

    def start_worker(self, name: str, *, beat: bool = False) -> subprocess.Popen:
        extra = ("-B", "-s", str(self.tmp / f"beat-{name}")) if beat else ()
        worker = start_worker(env=self.env, queue=QUEUE, log_path=self.log_path(name), extra_args=extra)
        self.workers.append(worker)
        return worker

    def log_path(self, name: str) -> Path:
        return self.tmp / f"worker-{name}.log"

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.tmp.glob("*.log")))

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                stop_worker(worker)
        if self.web is not None:
            self.web.terminate()
            self.web.wait(timeout=30)
        self.redis.stop()

    # --- the client side ---

    def upload(self, token: str) -> Meme:
        response = requests.post(
            f"{self.base}/api/v1/memes/",
            headers={"Authorization": f"Token {token}"},
            files={"photo": ("face.jpg", face_photo_bytes(), "image/jpeg")},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        return Meme.objects.get(public_id=response.json()["id"])

    def wait_for(self, meme: Meme, predicate, what: str, timeout: float = FINISH_WITHIN) -> Meme:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            meme.refresh_from_db()
            if predicate(meme):
                return meme
            time.sleep(0.1)
        pytest.fail(f"meme never {what} ({meme.status}, {meme.stage!r}); logs:\n{self.logs()}")


@pytest.fixture
def stack_factory(tmp_path, settings) -> Iterator:
    from memes.services.captions import caption_seed

    caption_seed()  # transactional tests start from flushed tables
    stacks: list[Stack] = []

    def build(**env: str) -> Stack:
        stack = Stack(tmp_path, settings, **env)
        stacks.append(stack)
        stack.redis.start()
        return stack

    yield build
    for stack in stacks:
        stack.close()


def token_for(user) -> str:
    from accounts.services import api_token_issue

    return api_token_issue(user=user)


def kill_mid_job(stack: Stack, worker: subprocess.Popen, meme: Meme) -> Meme:
    """SIGKILL the worker while it holds the meme (status processing): no clean shutdown, no ack."""
    meme = stack.wait_for(meme, lambda m: m.status == Meme.Status.PROCESSING, "started processing")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.PROCESSING  # killed mid-job: nobody finished it
    return meme


def test_worker_killed_mid_job_the_meme_completes_once_a_worker_runs_again(stack_factory):
    stack = stack_factory(MEME_TEST_ONLY_JOB_PAUSE_SECONDS="4", MEME_JOB_TIMEOUT_SECONDS="15")
    stack.start_web()
    first = stack.start_worker("first")
    meme = stack.upload(token_for(make_user()))
    meme = kill_mid_job(stack, first, meme)
    assert meme.attempt == 1
    time.sleep(2)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.PROCESSING  # nothing recovers it while no worker runs

    killed_at = time.monotonic()
    stack.start_worker("second", beat=True)  # a worker with beat: the sweeper runs again
    meme = stack.wait_for(meme, lambda m: m.is_finished, "finished after the new worker started")
    assert meme.status == Meme.Status.READY, (meme.failure_reason, stack.logs())
    assert meme.failure_reason == "" and meme.image and meme.faces
    # The sweeper gave the job a new attempt; the killed attempt's message can no longer run it.
    assert meme.attempt == 2 and meme.restarts == 1
    assert (stack.media / meme.image.name).is_file()
    assert time.monotonic() - killed_at < FINISH_WITHIN


def test_a_stale_delivery_cannot_revive_a_failed_meme(stack_factory, settings):
    from django.core.management import call_command

    stack = stack_factory(
        MEME_TEST_ONLY_JOB_PAUSE_SECONDS="4",
        MEME_JOB_TIMEOUT_SECONDS="3",
        MEME_JOB_MAX_ATTEMPTS="1",
        CELERY_VISIBILITY_TIMEOUT="8",  # the killed worker's message comes back after 8 s
    )
    stack.start_web()
    first = stack.start_worker("first")
    user = make_user()
    token = token_for(user)
    meme = stack.upload(token)
    meme = kill_mid_job(stack, first, meme)
    delivered_at = time.monotonic()

    # The sweeper finds the job lost; with one attempt allowed it reports the meme failed.
    settings.MEME_JOB_TIMEOUT_SECONDS, settings.MEME_JOB_MAX_ATTEMPTS = 3, 1
    time.sleep(4)
    call_command("sweep_memes")
    meme.refresh_from_db()
    assert meme.status == Meme.Status.FAILED and "too long" in meme.failure_reason
    reason = meme.failure_reason

    # The unacknowledged message of the killed attempt is handed out again once its visibility
    # timeout has passed: a new worker receives it, and it must not run the failed meme.
    time.sleep(max(0, 10 - (time.monotonic() - delivered_at)))
    second = stack.start_worker("second")
    log = stack.log_path("second")
    deadline = time.monotonic() + 60
    while not re.search(r"Task memes\.tasks\.process_meme\[.*\] succeeded", log.read_text()):
        assert time.monotonic() < deadline, f"the stale message never came back:\n{stack.logs()}"
        time.sleep(0.2)
    meme.refresh_from_db()
    assert (meme.status, meme.failure_reason, meme.attempt) == (Meme.Status.FAILED, reason, 1)
    assert not meme.image

    # The owner retries: a new attempt, the old reason gone, and the meme is made.
    response = requests.post(
        f"{stack.base}/api/v1/memes/{meme.public_id}/retry/", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 202, response.text
    meme.refresh_from_db()
    assert meme.attempt == 2 and meme.failure_reason == ""
    meme = stack.wait_for(meme, lambda m: m.is_finished, "finished after the retry")
    assert meme.status == Meme.Status.READY and meme.failure_reason == ""
    assert second.poll() is None


def _login(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    assert page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:2000]
    return session


def test_redis_down_pages_and_login_work_and_the_upload_runs_when_it_is_back(stack_factory, settings):
    from django.contrib.auth.hashers import make_password

    from tests.factories import PASSWORD

    stack = stack_factory(MEME_JOB_TIMEOUT_SECONDS="5")
    stack.start_web()
    stack.start_worker("worker", beat=True)
    user = make_user()
    # The web process checks passwords with the production hashers (the tests' fast MD5 is not one).
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    token = token_for(user)
    shown = make_meme(make_user())

    stack.redis.stop()
    base = stack.base
    for path in ("/", "/?order=top", f"/m/{shown.public_id}/", "/api/v1/feed/", "/accounts/login/"):
        response = requests.get(f"{base}{path}", timeout=10)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
    assert shown.public_id in requests.get(f"{base}/", timeout=10).text  # the feed, from the database
    session = _login(base, user.username, PASSWORD)
    assert session.get(f"{base}/upload/", timeout=10).status_code == 200  # signed in, session from the DB
    assert requests.get(f"{base}/api/v1/me/", headers={"Authorization": f"Token {token}"}).status_code == 200

    # An upload is kept, queued: nothing to retry by hand, no failure shown.
    meme = stack.upload(token)
    time.sleep(3)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.QUEUED and meme.failure_reason == ""
    status = requests.get(f"{base}/m/{meme.public_id}/status.json", cookies=session.cookies, timeout=10)
    assert status.status_code == 200 and status.json()["status"] == "queued"

    # Redis comes back: the worker reconnects, the sweeper sends the meme, it is made.
    stack.redis.start()
    meme = stack.wait_for(meme, lambda m: m.is_finished, "finished after Redis came back")
    assert meme.status == Meme.Status.READY, (meme.failure_reason, stack.logs())


def test_a_broker_restart_loses_no_queued_meme(stack_factory):
    """No worker and no sweeper: only the broker's append-only file can keep the job."""
    stack = stack_factory()
    stack.start_web()
    meme = stack.upload(token_for(make_user()))
    meme.refresh_from_db()
    assert meme.status == Meme.Status.QUEUED

    stack.redis.stop()
    stack.redis.start()
    stack.start_worker("after-restart")  # no beat: nothing re-sends the job
    meme = stack.wait_for(meme, lambda m: m.is_finished, "finished after the broker restart")
    assert meme.status == Meme.Status.READY and meme.attempt == 1
