"""The original Kaggle `fer2013.csv`: columns emotion, pixels (2304 space-separated values), Usage."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ml.datasets.arrays import FACE_SIZE, FaceArrays
from ml.emotions import NUM_CLASSES

USAGES = ("Training", "PublicTest", "PrivateTest")


def load_fer_csv(path: str | Path, usage: str | Iterable[str] | None = None) -> FaceArrays:
    """Load `fer2013.csv`, keeping only rows whose Usage is `usage` (one name or several; None = all)."""
    wanted = None
    if usage is not None:
        wanted = {usage} if isinstance(usage, str) else set(usage)
        if unknown := wanted - set(USAGES):
            raise ValueError(f"unknown usage {sorted(unknown)}; expected some of {list(USAGES)}")

    images: list[np.ndarray] = []
    labels: list[int] = []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        # Some copies (icml_face_data.csv) write headers as "emotion, Usage, pixels": strip them.
        header = [h.strip().lower() for h in next(reader, [])]
        try:
            col_emotion, col_pixels = header.index("emotion"), header.index("pixels")
        except ValueError:
            raise ValueError(f"{path}: needs columns emotion and pixels, got {header}") from None
        col_usage = header.index("usage") if "usage" in header else None
        if wanted is not None and col_usage is None:
            raise ValueError(f"{path}: has no Usage column to filter on")

        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if wanted is not None and row[col_usage].strip() not in wanted:
                continue
            label = int(row[col_emotion])
            pixels = np.array(row[col_pixels].split(), dtype=np.int64)
            if not 0 <= label < NUM_CLASSES:
                raise ValueError(f"{path}:{line}: emotion {label} is not in 0..{NUM_CLASSES - 1}")
            if pixels.size != FACE_SIZE * FACE_SIZE or pixels.min() < 0 or pixels.max() > 255:
                raise ValueError(f"{path}:{line}: pixels must be {FACE_SIZE * FACE_SIZE} values in 0..255")
            images.append(pixels.astype(np.uint8).reshape(FACE_SIZE, FACE_SIZE))
            labels.append(label)

    return FaceArrays(
        images=np.stack(images) if images else np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8),
        labels=np.array(labels, dtype=np.int64),
    )
