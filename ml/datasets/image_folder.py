"""Image folders laid out as `root/<class>/*.jpg|png` (the Kaggle FER-2013, RAF-DB, AffectNet style)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from tqdm import tqdm

from ml.datasets.arrays import FACE_SIZE, FaceArrays
from ml.emotions import EMOTIONS
from ml.faces import ImageLoadError, align_face, detect_faces, load_image

log = logging.getLogger(__name__)

EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})

# Folder names other datasets use for our classes (compared lower-case); FER label digits work too.
ALIASES: dict[str, str] = {
    **{e: e for e in EMOTIONS},
    **{str(i): e for i, e in enumerate(EMOTIONS)},
    "anger": "angry",
    "disgusted": "disgust",
    "disgusting": "disgust",
    "fearful": "fear",
    "scared": "fear",
    "happiness": "happy",
    "joy": "happy",
    "sadness": "sad",
    "surprised": "surprise",
    "neutrality": "neutral",
}
# Classes of other datasets with no FER-2013 counterpart: their images are skipped and counted.
SKIPPED_CLASSES = frozenset({"contempt", "unknown", "nf"})


@dataclass
class ImageFolderResult:
    faces: FaceArrays
    files: list[Path]  # the source file of each face, in the same order
    skipped: Counter[str] = field(default_factory=Counter)  # reason ("contempt", "no_face", ...) → images


def class_index(folder_name: str) -> int | None:
    """FER label index of a class folder; None for a class we skip; ValueError for an unknown name."""
    name = folder_name.strip().lower()
    if name in SKIPPED_CLASSES:
        return None
    if name not in ALIASES:
        raise ValueError(
            f"class folder {folder_name!r} matches none of {sorted(ALIASES)} nor {sorted(SKIPPED_CLASSES)}"
        )
    return EMOTIONS.index(ALIASES[name])


def read_image_folder(root: str | Path, *, detect: bool = False, progress: bool = False) -> ImageFolderResult:
    """Read every image under `root/<class>/` as a 48x48 grayscale face.

    detect=False expects face crops already (FER-style folders): each image is centre-cropped to a
    square and resized. detect=True takes full photos: the largest face is found and aligned with
    ml.faces, and images with no face are skipped (counted under "no_face").
    """
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(root)
    skipped: Counter[str] = Counter()
    jobs: list[tuple[Path, int]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in EXTENSIONS and p.is_file())
        label = class_index(folder.name)
        if label is None:
            skipped[folder.name.lower()] += len(files)
        else:
            jobs.extend((p, label) for p in files)

    images, labels, kept = [], [], []
    for path, label in tqdm(jobs, desc=f"reading {root.name}", unit="img", disable=not progress):
        face = _read_face(path, detect)
        if isinstance(face, str):
            skipped[face] += 1
            continue
        images.append(face)
        labels.append(label)
        kept.append(path)

    if skipped:
        log.info("%s: skipped %s", root, dict(skipped))
    faces = FaceArrays(
        images=np.stack(images) if images else np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8),
        labels=np.array(labels, dtype=np.int64),
    )
    return ImageFolderResult(faces=faces, files=kept, skipped=skipped)


def load_image_folder(root: str | Path, *, detect: bool = False, progress: bool = False) -> FaceArrays:
    """`read_image_folder(...).faces`; skipped images are logged at INFO."""
    return read_image_folder(root, detect=detect, progress=progress).faces


def _read_face(path: Path, detect: bool) -> np.ndarray | str:
    """The 48x48 face of one file, or the reason it was skipped."""
    try:
        image = load_image(path)
    except ImageLoadError as e:
        log.warning("%s: %s", path, e)
        return "unreadable"
    if not detect:
        return np.asarray(ImageOps.fit(image.convert("L"), (FACE_SIZE, FACE_SIZE), Image.Resampling.LANCZOS))
    found = detect_faces(image, max_faces=1)
    return align_face(image, found[0], size=FACE_SIZE) if found else "no_face"
