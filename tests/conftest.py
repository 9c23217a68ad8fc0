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


@pytest.fixture
def fake_analysis(monkeypatch):
    """Replace ml.analyze for tests of our own logic; returns a setter for the emotion to find."""
    from memes import services

    state = {"analyzer": factories.fake_analyzer("happy")}
    monkeypatch.setattr(services, "default_analyzer", lambda image: state["analyzer"](image))

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
