"""`analyze`: every face of a photo, aligned and classified by the ensemble in one batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ml.analysis import Analysis, FaceAnalysis
from ml.emotions import EMOTIONS
from ml.faces import MAX_FACES, ImageInput, align_face, detect_faces, load_image

if TYPE_CHECKING:
    from ml.ensemble import Ensemble


def analyze(
    image: ImageInput,
    *,
    ensemble: Ensemble | None = None,
    max_faces: int = MAX_FACES,
    on_faces_found: Callable[[int], None] | None = None,
) -> Analysis:
    """Find, align and classify every face (largest first, at most `max_faces`) of `image`.

    `image` is a PIL image, encoded bytes or a path; EXIF orientation is applied and all coordinates
    are in the oriented image. `ensemble` defaults to the shipped one (loaded once per process); it
    is not loaded at all for a photo without faces. `on_faces_found(count)` is called between finding
    the faces and reading their expressions (progress for a person waiting). Raises
    ml.faces.ImageLoadError for unreadable input.
    """
    img = load_image(image)
    faces = detect_faces(img, max_faces=max_faces)
    if on_faces_found is not None:
        on_faces_found(len(faces))
    if not faces:
        return Analysis(width=img.width, height=img.height, faces=[])

    gray = img.convert("L")
    crops = np.stack([align_face(gray, face) for face in faces])
    if ensemble is None:
        from ml.ensemble import get_ensemble  # torch and the weights load only when first needed

        ensemble = get_ensemble()
    prediction = ensemble.predict(crops)

    def as_dict(row: np.ndarray) -> dict[str, float]:
        return {e: float(p) for e, p in zip(EMOTIONS, row, strict=True)}

    return Analysis(
        width=img.width,
        height=img.height,
        faces=[
            FaceAnalysis(
                box=face.box,
                landmarks=face.landmarks,
                detection_score=face.score,
                probabilities=as_dict(prediction.probabilities[i]),
                member_probabilities={name: as_dict(p[i]) for name, p in prediction.members.items()},
                aligned=crops[i],
            )
            for i, face in enumerate(faces)
        ],
    )
