"""CelebA as weakly labelled expressions: Smiling=1 → happy, otherwise neutral.

Reads `root/list_attr_celeba.txt` (line 1: image count, line 2: the 40 attribute names, then
`000001.jpg -1 1 ...` rows) and the aligned photos in `root/img_align_celeba/`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import numpy as np
from tqdm import tqdm

from ml.datasets.arrays import FACE_SIZE, FaceArrays
from ml.emotions import EMOTIONS
from ml.faces import DetectedFace, align_face, detect_faces, load_image

log = logging.getLogger(__name__)

HAPPY, NEUTRAL = EMOTIONS.index("happy"), EMOTIONS.index("neutral")

# The landmark template CelebA's align & crop step maps every face to (img_align_celeba, 178x218 px):
# `crop="center"` frames these points the way ml.faces frames a detected face, i.e. like FER-2013.
ALIGNED_FACE = DetectedFace(
    box=(46.0, 78.0, 86.0, 102.0),
    landmarks=((69.0, 111.0), (108.0, 111.0), (88.0, 136.0), (72.0, 152.0), (105.0, 152.0)),
    score=1.0,
)


def read_celeba_attributes(path: str | Path, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """File names and Smiling flags (bool) of the first `limit` rows of `list_attr_celeba.txt`."""
    names: list[str] = []
    smiling: list[bool] = []
    with open(path) as f:
        next(f)  # the image count
        attributes = next(f).split()
        if "Smiling" not in attributes:
            raise ValueError(f"{path}: no Smiling attribute in header {attributes[:5]}...")
        col = attributes.index("Smiling") + 1  # rows start with the file name
        for line in f:
            if limit is not None and len(names) >= limit:
                break
            row = line.split()
            if not row:
                continue
            if len(row) != len(attributes) + 1 or row[col] not in ("1", "-1"):
                raise ValueError(f"{path}: malformed row {line.strip()[:80]!r}")
            names.append(row[0])
            smiling.append(row[col] == "1")
    return names, np.array(smiling, dtype=bool)


def load_celeba(
    root: str | Path,
    *,
    limit: int | None = None,
    crop: Literal["detect", "center"] = "detect",
    attr_file: str = "list_attr_celeba.txt",
    image_dir: str = "img_align_celeba",
    progress: bool = False,
) -> FaceArrays:
    """CelebA faces labelled happy (Smiling) or neutral (all others), at most `limit` in file order.

    crop="detect" finds and aligns the face with ml.faces (falling back to the centre crop when no
    face is found); crop="center" skips detection and frames CelebA's mean aligned face position.
    """
    if crop not in ("detect", "center"):
        raise ValueError(f"crop must be 'detect' or 'center', got {crop!r}")
    root = Path(root)
    images_root = root / image_dir
    if (images_root / image_dir).is_dir():  # Kaggle's copy nests img_align_celeba/img_align_celeba/
        images_root = images_root / image_dir
    names, smiling = read_celeba_attributes(root / attr_file, limit)

    images = np.zeros((len(names), FACE_SIZE, FACE_SIZE), np.uint8)
    fallbacks = 0
    for i, name in enumerate(tqdm(names, desc="reading CelebA", unit="img", disable=not progress)):
        image = load_image(images_root / name)
        face = ALIGNED_FACE
        if crop == "detect":
            found = detect_faces(image, max_faces=1)
            if found:
                face = found[0]
            else:
                fallbacks += 1
        images[i] = align_face(image, face, size=FACE_SIZE)
    if fallbacks:
        log.info("CelebA: no face detected in %d of %d images; used the centre crop", fallbacks, len(names))
    return FaceArrays(images=images, labels=np.where(smiling, HAPPY, NEUTRAL).astype(np.int64))
