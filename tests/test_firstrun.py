"""The first run (issue 8 §1): a failed model import is retried, `make run`'s embedded mode (web server
plus a worker on kombu's filesystem broker) makes a meme off the request with its stages shown, and
the demo account is an ordinary person beside a separate admin."""

from __future__ import annotations

import importlib.abc
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
