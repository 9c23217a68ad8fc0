"""What `ml.analyze` returns: the faces of one photo with their expression probabilities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FaceAnalysis:
    box: tuple[float, float, float, float]  # x, y, w, h in oriented-image pixels
    landmarks: tuple[tuple[float, float], ...]  # left eye, right eye, nose, left/right mouth corner
    detection_score: float
    probabilities: dict[str, float]  # ensemble, over EMOTIONS in label order
    member_probabilities: dict[str, dict[str, float]]  # member name → its own probabilities
    aligned: np.ndarray | None = field(default=None, repr=False, compare=False)  # the uint8 48x48 crop

    @property
    def emotion(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "landmarks": [list(p) for p in self.landmarks],
            "detection_score": self.detection_score,
            "emotion": self.emotion,
            "probabilities": dict(self.probabilities),
            "members": {name: dict(p) for name, p in self.member_probabilities.items()},
        }


@dataclass(frozen=True)
class Analysis:
    width: int  # of the EXIF-oriented image
    height: int
    faces: list[FaceAnalysis]  # largest first; [] when the photo has no face

    def to_dict(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, "faces": [f.to_dict() for f in self.faces]}
