import shutil
from pathlib import Path

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path):
    """Every test writes its files under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    yield settings.MEDIA_ROOT
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Cached feed pages and fragments must not leak from one test into another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings):
    """Throttle tests (web and API share apikit's counters): only the rates a test names apply
    (others off), starting from an empty history."""
    from django.conf import settings as django_settings
    from django.core.cache import cache

    cache.clear()

    def set_rates(**rates: str) -> None:
        settings.API_THROTTLE_RATES = {
            scope: rates.get(scope) for scope in django_settings.API_THROTTLE_RATES
        }

    return set_rates


@pytest.fixture
def fake_analysis(monkeypatch):
    """Replace ml.analyze for tests of our own logic; returns a setter for the emotion to find."""
    from memes.services import pipeline

    state = {"analyzer": factories.fake_analyzer("happy")}
    monkeypatch.setattr(pipeline, "default_analyzer", lambda image: state["analyzer"](image))

    def set_emotion(emotion: str | None) -> None:
        state["analyzer"] = factories.fake_analyzer(emotion)

    return set_emotion


@pytest.fixture
def user(db):
    return factories.make_user()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def celery_worker_process(tmp_path_factory, django_db_setup, django_db_blocker):
    """A real `celery worker` subprocess on Redis, using the test PostgreSQL database and a shared
    media folder. Yields (media_root, queue). Started once per session, only when asked for."""
    import os
    import uuid

    from django.conf import settings as django_settings

    from tests.celery_worker import WorkerFailed, start_worker, stop_worker

    db = django_settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.fail("the real-stack tests need PostgreSQL (DATABASE_URL)")
    media_root = tmp_path_factory.mktemp("worker-media")
    queue = f"deepmeme-test-{uuid.uuid4().hex[:8]}"
    log_path = media_root.parent / f"{queue}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "deepmeme_site.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(media_root),
        "CONN_MAX_AGE": "0",
    }
    try:
        worker = start_worker(env=env, queue=queue, log_path=log_path)
    except WorkerFailed as exc:
        pytest.fail(str(exc))
    from deepmeme_site.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    yield media_root, queue, log_path
    app.conf.task_always_eager, app.conf.task_default_queue = previous
    stop_worker(worker)


@pytest.fixture
def real_worker(transactional_db, celery_worker_process, settings):
    """Point this test's media at the worker's folder and dispatch to it for real."""
    from memes.services.captions import caption_seed

    media_root, queue, log_path = celery_worker_process
    settings.MEDIA_ROOT = media_root
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Transactional tests start from flushed tables: put the seed captions back.
    caption_seed()
    return celery_worker_process


# --- browser tests ------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never `playwright install`: nothing is downloaded).
    One browser for the whole run; each test opens its own pages or contexts."""
    import os

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; our ORM calls here stay synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
