"""FER-2013 in this project's npz format (see ../shared/data/fer2013/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.datasets.arrays import FaceArrays
from ml.emotions import EMOTIONS


def load_npz(path: str | Path) -> FaceArrays:
    """Load an npz with `images` uint8 [N,48,48] and `labels` int64 [N] (optional `classes`)."""
    with np.load(path, allow_pickle=False) as data:
        if "classes" in data.files and tuple(str(c) for c in data["classes"]) != EMOTIONS:
            raise ValueError(f"{path}: classes {list(data['classes'])} are not {list(EMOTIONS)}")
        return FaceArrays(images=data["images"].astype(np.uint8), labels=data["labels"].astype(np.int64))


def save_npz(path: str | Path, faces: FaceArrays) -> None:
    np.savez_compressed(path, images=faces.images, labels=faces.labels, classes=np.array(EMOTIONS))
