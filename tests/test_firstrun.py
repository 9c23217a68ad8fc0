"""The first run (issue 8 §1): a failed model import is retried, `make run`'s embedded mode (web server
plus a worker on kombu's filesystem broker) makes a meme off the request with its stages shown, and
the demo account is an ordinary person beside a separate admin."""

from __future__ import annotations

import importlib.abc
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
ASTRONAUT = ROOT / "tests" / "assets" / "astronaut.jpg"


class _Missing(importlib.abc.MetaPathFinder):
    """Makes `name` look uninstalled, as `requests` was for facenet_pytorch on a fresh clone."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname == self.name or fullname.startswith(self.name + "."):
            raise ModuleNotFoundError(f"No module named {self.name!r}", name=self.name)
        return None


@pytest.fixture
def fresh_facenet(monkeypatch):
    """facenet_pytorch not imported yet in this process, and no detector built."""
    from ml import faces
    from ml.lazyimport import forget_package

    forget_package("facenet_pytorch")
    forget_package("requests")
    monkeypatch.setattr(faces, "_mtcnn", None)
    yield
    forget_package("facenet_pytorch")  # the next user imports it cleanly


@pytest.mark.slow
def test_a_failed_face_detector_import_is_tried_again(fresh_facenet):
    import ml

    photo = Image.open(ASTRONAUT)
    blocker = _Missing("requests")
    sys.meta_path.insert(0, blocker)
    try:
        with pytest.raises(ModuleNotFoundError, match="requests"):
            ml.analyze(photo)
    finally:
        sys.meta_path.remove(blocker)
    # The cause is gone (the package "installed"): the same process now finds the face. Before the
    # fix, facenet_pytorch's half-imported submodules made this a KeyError until a restart.
    result = ml.analyze(photo)
    assert len(result.faces) == 1


@pytest.mark.slow
@pytest.mark.django_db
def test_try_again_makes_the_meme_once_the_missing_package_is_there(
    fresh_facenet, user, django_capture_on_commit_callbacks
):
    """The issue's story: the first upload fails because facenet_pytorch cannot import `requests`;
    once it is installed, "Try again" in the same server process makes the meme."""
    from memes.models import Meme
    from memes.services import memes as meme_services
    from tests.factories import upload

    blocker = _Missing("requests")
    sys.meta_path.insert(0, blocker)
    try:
        with django_capture_on_commit_callbacks(execute=True):  # the job runs in-process here
            meme = meme_services.meme_create(owner=user, photo=upload(ASTRONAUT.read_bytes()))
    finally:
        sys.meta_path.remove(blocker)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.FAILED and "try again" in meme.failure_reason.lower()

    with django_capture_on_commit_callbacks(execute=True):
        meme_services.meme_retry(meme=meme, user=user)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.READY, meme.failure_reason
    assert len(meme.faces) == 1


def test_import_fresh_forgets_a_half_imported_package(tmp_path, monkeypatch):
    from ml.lazyimport import import_fresh

    package = tmp_path / "halfpkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .sub import ok\nfrom .needs import value\n")
    (package / "sub" / "__init__.py").write_text("ok = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        import_fresh("halfpkg")
    assert not [m for m in sys.modules if m.startswith("halfpkg")]
    (package / "needs.py").write_text("value = 42\n")  # the missing piece arrives
    assert import_fresh("halfpkg").value == 42


# --- the demo and admin accounts ------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_account_is_an_ordinary_person_and_the_admin_is_separate(tmp_path, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from memes.management.commands import demo_user

    password_file = tmp_path / "var" / "admin-password.txt"
    monkeypatch.setattr(demo_user, "admin_password_file", lambda: password_file)
    out = io.StringIO()
    call_command("demo_user", stdout=out)
    users = get_user_model().objects
    demo, admin = users.get(username="demo"), users.get(username="admin")
    assert demo.check_password("demo-meme-2024")
    assert not demo.is_staff and not demo.is_superuser
    assert admin.is_staff and admin.is_superuser
    admin_password = password_file.read_text().strip()
    assert len(admin_password) >= 12 and admin.check_password(admin_password)
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    assert f"admin / {admin_password}" in out.getvalue()

    # Run again (every `make run` does): the same admin password, a demo that was made staff is reset.
    users.filter(username="demo").update(is_staff=True, is_superuser=True)
    call_command("demo_user", stdout=io.StringIO())
    demo.refresh_from_db()
    admin.refresh_from_db()
    assert not demo.is_superuser and not demo.is_staff
    assert admin.check_password(admin_password)


# --- settings for make run's embedded mode --------------------------------------------------------


def _settings_under(env: dict[str, str], expression: str) -> str:
    """Evaluate `expression` over deepmeme_site.settings loaded in a fresh process with `env`."""
    code = f"import deepmeme_site.settings as s; print({expression})"
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_filesystem_broker_runs_jobs_off_the_request(tmp_path):
    folder = tmp_path / "celery"
    env = {"CELERY_BROKER_URL": "filesystem://", "CELERY_FILESYSTEM_DIR": str(folder)}
    assert _settings_under(env, "s.CELERY_TASK_ALWAYS_EAGER") == "False"
    options = _settings_under(env, "sorted(s.CELERY_BROKER_TRANSPORT_OPTIONS.items())")
    assert f"('data_folder_in', '{folder / 'queue'}')" in options
    assert f"('data_folder_out', '{folder / 'queue'}')" in options
    assert f"('control_folder', '{folder / 'control'}')" in options
    # No broker at all (plain runserver): jobs still run in-process.
    assert _settings_under({}, "s.CELERY_TASK_ALWAYS_EAGER") == "True"


def test_sqlite_waits_for_the_other_process_lock():
    options = _settings_under({}, "s.DATABASES['default']['OPTIONS']")
    assert "'timeout': 20" in options and "'transaction_mode': 'IMMEDIATE'" in options
    assert "journal_mode=WAL" in options


# --- make run's embedded mode, for real -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"runlocal exited early ({process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s")


@pytest.mark.slow
def test_runlocal_makes_a_meme_off_the_request_with_stages_and_ctrl_c_stops_both(tmp_path):
    """`make run`'s embedded mode end to end: SQLite, the filesystem broker, `manage.py runlocal`
    (web server + worker), an upload through the web pages polled to ready, then Ctrl-C."""
    from tests.webclient import make_meme_over_web

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "deepmeme_site.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://localhost/",  # as `make run` sets it
        "CELERY_FILESYSTEM_DIR": str(tmp_path / "celery"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DEBUG": "1",
        "MEME_SWEEP_INTERVAL_SECONDS": "2",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v", "0"], ["demo_user", "--admin-password", "x" * 16]):
        subprocess.run(manage + command, env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    log = (tmp_path / "runlocal.log").open("w")
    runlocal = subprocess.Popen(
        manage + ["runlocal", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        # As a shell's background job (`make run &`, CI) starts it: SIGINT ignored until runlocal
        # sets its own handler.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/accounts/login/", runlocal)
        outcome = make_meme_over_web(
            base_url=f"http://127.0.0.1:{port}",
            username="demo",
            password="demo-meme-2024",
            photo=ASTRONAUT,
            timeout=240,
        )
        assert outcome["ready"], (outcome, (tmp_path / "runlocal.log").read_text()[-3000:])
        # The upload returned before the job ran: the page saw it queued and then at work.
        assert outcome["stages"][0] == "Waiting for a worker"
        assert len(outcome["stages"]) >= 2, outcome["stages"]
        assert len(list((tmp_path / "media").rglob("*.jpg"))) >= 3  # photo, meme, thumbnail
        # celery beat runs in the worker: the sweeper that re-sends stuck memes runs here too.
        assert "sweep-stuck-memes" in (tmp_path / "runlocal.log").read_text()
    finally:
        os.killpg(runlocal.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        try:
            runlocal.wait(timeout=60)
        finally:
            log.close()
            if runlocal.poll() is None:
                os.killpg(runlocal.pid, signal.SIGKILL)
    # Ctrl-C stopped the web server and the worker too, as asked (exit 0): nothing of the group is left.
    assert runlocal.returncode == 0, (tmp_path / "runlocal.log").read_text()[-3000:]
    assert "Stopping the web server and the worker" in (tmp_path / "runlocal.log").read_text()
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(runlocal.pid, 0)


@pytest.mark.slow
def test_runlocal_stops_the_worker_when_the_web_server_cannot_start(tmp_path):
    """Port taken: runserver exits, and runlocal stops its worker and exits non-zero (no orphan)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "deepmeme_site.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://localhost/",
        "CELERY_FILESYSTEM_DIR": str(tmp_path / "celery"),
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        runlocal = subprocess.Popen(
            [sys.executable, "manage.py", "runlocal", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = runlocal.communicate(timeout=120)
        finally:
            if runlocal.poll() is None:
                os.killpg(runlocal.pid, signal.SIGKILL)
    assert runlocal.returncode != 0
    assert b"The web process exited" in output
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # the worker went with it
        os.killpg(runlocal.pid, 0)


def test_runlocal_refuses_to_start_without_a_broker():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    done = subprocess.run(
        [sys.executable, "manage.py", "runlocal", "127.0.0.1:1"],
        env={**env, "DJANGO_SETTINGS_MODULE": "deepmeme_site.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "runlocal needs a broker" in done.stderr
