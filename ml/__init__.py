"""DeepMeme's facial-expression library: find faces, align them, classify them with a CNN ensemble.

    from ml import analyze, EMOTIONS
    result = analyze("photo.jpg")

`import ml` stays light: the API modules (and torch, and the model weights) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ml.emotions import EMOTIONS, NUM_CLASSES

if TYPE_CHECKING:
    from ml.analysis import Analysis, FaceAnalysis
    from ml.api import analyze

__all__ = ["EMOTIONS", "NUM_CLASSES", "Analysis", "FaceAnalysis", "analyze"]

_LAZY = {"analyze": "ml.api", "Analysis": "ml.analysis", "FaceAnalysis": "ml.analysis"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ml' has no attribute {name!r}")
