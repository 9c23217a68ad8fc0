"""Helpers shared by the ml tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
WEIGHTS_DIR = REPO / "ml" / "weights"
FER_VAL = REPO.parent / "shared" / "data" / "fer2013" / "fer2013_val.npz"

# The astronaut's face in skimage.data.astronaut(), checked by eye: MTCNN's box is ~x 181-268, y 62-172.
ASTRONAUT_FACE = (178.0, 58.0, 272.0, 176.0)  # x1, y1, x2, y2

needs_weights = pytest.mark.skipif(
    not (WEIGHTS_DIR / "ensemble.json").exists(),
    reason=f"no shipped ensemble in {WEIGHTS_DIR} (build one with `python -m ml.ensemble`)",
)


def iou(box: tuple[float, float, float, float], region: tuple[float, float, float, float]) -> float:
    """Intersection over union of an (x, y, w, h) box and an (x1, y1, x2, y2) region."""
    x, y, w, h = box
    bx1, by1, bx2, by2 = region
    iw = max(0.0, min(x + w, bx2) - max(x, bx1))
    ih = max(0.0, min(y + h, by2) - max(y, by1))
    inter = iw * ih
    return inter / (w * h + (bx2 - bx1) * (by2 - by1) - inter)


def random_faces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n).astype(np.int64)


def tiny_ensemble(seed: int = 0):
    """A real ml.ensemble.Ensemble of two small untrained models: fast, deterministic, not accurate."""
    import torch
    from torch import nn

    from ml.ensemble import Ensemble

    torch.manual_seed(seed)
    members = {
        name: nn.Sequential(nn.AvgPool2d(4), nn.Flatten(), nn.Linear(12 * 12, 7)).eval()
        for name in ("a", "b")
    }
    weights = np.random.default_rng(seed).uniform(0.2, 1.0, (2, 7))
    return Ensemble(members, weights / weights.sum(0, keepdims=True))
