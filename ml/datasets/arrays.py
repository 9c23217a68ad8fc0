"""The in-memory form every loader returns: 48x48 grayscale faces and FER-2013 label indices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.emotions import EMOTIONS, NUM_CLASSES

FACE_SIZE = 48


@dataclass(frozen=True)
class FaceArrays:
    images: np.ndarray  # uint8 [N, 48, 48]
    labels: np.ndarray  # int64 [N], indices into EMOTIONS

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.images.shape[1:] != (FACE_SIZE, FACE_SIZE):
            raise ValueError(f"images must be [N, {FACE_SIZE}, {FACE_SIZE}], got {self.images.shape}")
        if self.images.dtype != np.uint8:
            raise ValueError(f"images must be uint8, got {self.images.dtype}")
        if self.labels.shape != (len(self.images),):
            raise ValueError(f"labels must be [{len(self.images)}], got {self.labels.shape}")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= NUM_CLASSES):
            raise ValueError(f"labels must lie in 0..{NUM_CLASSES - 1}")

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=NUM_CLASSES)
        return {name: int(c) for name, c in zip(EMOTIONS, counts, strict=True)}

    def subset(self, index: np.ndarray) -> FaceArrays:
        return FaceArrays(images=self.images[index], labels=self.labels[index])
