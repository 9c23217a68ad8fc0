"""Face detection (MTCNN) and FER-2013-style alignment.

`detect_faces` finds every face with five landmarks; `align_face` levels the eyes and crops a 48x48
grayscale square framed like FER-2013. MTCNN comes from facenet_pytorch, whose P/R/O-Net weights ship
inside the wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

# One decoding home for the whole product: ml.imageio. Re-exported here, where callers found them.
from ml.imageio import ImageLoadError, open_image  # noqa: F401
from ml.imageio import ImageSource as ImageInput
from ml.lazyimport import import_fresh

if TYPE_CHECKING:
    from facenet_pytorch import MTCNN

log = logging.getLogger(__name__)

MAX_FACES = 20  # at most this many faces per photo, largest kept: bounds the classifier batch
DETECT_MAX_SIDE = 640  # detect on a copy whose longest side is at most this (speed)
MIN_FACE_SIZE = 20  # smallest face MTCNN looks for, in pixels of that copy (~3% of the longest side)
MIN_SCORE = 0.9  # O-Net probability below which a detection is dropped
THRESHOLDS = (0.6, 0.7, 0.7)  # MTCNN's P/R/O-Net defaults
PYRAMID_FACTOR = 0.709

# FER-2013 framing, measured by running MTCNN on 697 upscaled faces of fer2013_val (medians): the
# crop side is 2.45x the mean of the eye distance and the eyes-to-mouth distance, and the point halfway
# between the eye midpoint and the mouth midpoint sits at x=0.50, y=0.60 of the crop (eyes ~0.40,
# mouth ~0.80). That is FER's tight brow-to-chin, ear-to-ear crop.
CROP_SCALE = 2.45
CROP_CENTER_Y = 0.60


@dataclass(frozen=True)
class DetectedFace:
    """One face in original (EXIF-oriented) image pixels."""

    box: tuple[float, float, float, float]  # x, y, w, h
    # left eye, right eye, nose, left mouth corner, right mouth corner ("left" = smaller x, upright)
    landmarks: tuple[tuple[float, float], ...]
    score: float

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3]


def load_image(image: ImageInput) -> Image.Image:
    """Open `image` (PIL image, encoded bytes, path or binary file) upright, 8-bit RGB
    (ml.imageio.open_image). Raises ImageLoadError for anything unreadable."""
    return open_image(image)


_mtcnn: MTCNN | None = None
_mtcnn_lock = threading.Lock()


def get_detector() -> MTCNN:
    """The process-wide MTCNN, built on first use (weights come from the facenet_pytorch wheel)."""
    global _mtcnn
    if _mtcnn is None:
        with _mtcnn_lock:
            if _mtcnn is None:
                # A failed import is not remembered (ml.lazyimport): the next call tries again.
                facenet = import_fresh("facenet_pytorch")
                _mtcnn = facenet.MTCNN(keep_all=True, device="cpu").eval()
    return _mtcnn


def detect_faces(image: ImageInput, max_faces: int = MAX_FACES) -> list[DetectedFace]:
    """Every face in `image`, largest first, at most `max_faces`; [] when there is none."""
    import torch

    detect_face = import_fresh("facenet_pytorch.models.utils.detect_face").detect_face
    img = load_image(image)
    scale = min(1.0, DETECT_MAX_SIDE / max(img.size))
    small = img
    if scale < 1.0:
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        small = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    if min(small.size) < 12:  # below P-Net's input size there is nothing to scan
        return []
    # Exact ratios per axis, since rounding the copy's size changes them slightly.
    sx, sy = img.width / small.width, img.height / small.height

    mtcnn = get_detector()
    try:
        with torch.inference_mode():
            boxes, points = detect_face(
                np.asarray(small),
                MIN_FACE_SIZE,
                mtcnn.pnet,
                mtcnn.rnet,
                mtcnn.onet,
                list(THRESHOLDS),
                PYRAMID_FACTOR,
                torch.device("cpu"),
            )
    except RuntimeError as e:
        # facenet_pytorch calls torch.cat on an empty list when every candidate box lies outside the
        # image; that means no face, not an error.
        if "non-empty list" not in str(e):
            raise
        return []
    # Under numpy 2 these come back as object arrays [1, N, 5] and [1, N, 5, 2]: cast to float.
    boxes = np.asarray(boxes[0], dtype=np.float64).reshape(-1, 5)
    points = np.asarray(points[0], dtype=np.float64).reshape(-1, 5, 2)

    faces = []
    for (x1, y1, x2, y2, score), pts in zip(boxes.tolist(), points.tolist(), strict=True):
        if score < MIN_SCORE:
            continue
        x1, x2 = max(0.0, x1 * sx), min(float(img.width), x2 * sx)
        y1, y2 = max(0.0, y1 * sy), min(float(img.height), y2 * sy)
        if x2 <= x1 or y2 <= y1:
            continue
        faces.append(
            DetectedFace(
                box=(x1, y1, x2 - x1, y2 - y1),
                landmarks=tuple((px * sx, py * sy) for px, py in pts),
                score=score,
            )
        )
    faces.sort(key=lambda f: f.area, reverse=True)
    return faces[:max_faces]


def face_frame(face: DetectedFace) -> tuple[tuple[float, float], float, float]:
    """The FER-style crop square of `face`: (centre, side, angle in radians of the eye line)."""
    lm = np.asarray(face.landmarks, dtype=np.float64)
    left_eye, right_eye = lm[0], lm[1]
    if left_eye[0] > right_eye[0]:
        left_eye, right_eye = right_eye, left_eye
    eyes = (left_eye + right_eye) / 2
    mouth = (lm[3] + lm[4]) / 2
    dx, dy = right_eye - left_eye
    angle = math.atan2(dy, dx)
    eye_dist = math.hypot(dx, dy)
    mouth_dist = float(np.linalg.norm(mouth - eyes))
    side = CROP_SCALE * (eye_dist + mouth_dist) / 2
    if side < 1.0:  # degenerate landmarks: fall back to the detector's box
        side = math.sqrt(max(face.area, 1.0))
    # Upright unit vectors of the face: `down` runs from the eyes towards the mouth.
    down = np.array([-math.sin(angle), math.cos(angle)])
    centre = (eyes + mouth) / 2 - down * (CROP_CENTER_Y - 0.5) * side
    return (float(centre[0]), float(centre[1])), side, angle


def align_face(image: ImageInput, face: DetectedFace, size: int = 48) -> np.ndarray:
    """Rotate so the eyes are level, crop FER-style around the face, return grayscale uint8 [size, size].

    Passing an "L" image (e.g. `load_image(x).convert("L")`, once per photo) saves a conversion per face.
    """
    is_gray = isinstance(image, Image.Image) and image.mode == "L"
    gray = image if is_gray else open_image(image).convert("L")
    (cx, cy), side, angle = face_frame(face)
    cos, sin = math.cos(angle), math.sin(angle)

    # Axis-aligned bounds of the rotated crop square in the original image.
    half = side / 2
    corners = [(cx + u * cos - v * sin, cy + u * sin + v * cos) for u in (-half, half) for v in (-half, half)]
    x0 = math.floor(min(p[0] for p in corners)) - 1
    y0 = math.floor(min(p[1] for p in corners)) - 1
    x1 = math.ceil(max(p[0] for p in corners)) + 1
    y1 = math.ceil(max(p[1] for p in corners)) + 1

    # Shrink the region by an integer factor first (box filter), so a big face isn't aliased when it
    # is sampled down to `size`; then pad with edge pixels where the square leaves the image.
    k = max(1, int(side // (2 * size)))
    cx0, cy0 = max(0, x0), max(0, y0)
    cx1, cy1 = min(gray.width, x1), min(gray.height, y1)
    if cx1 <= cx0 or cy1 <= cy0:  # crop lies wholly outside the image
        return np.zeros((size, size), dtype=np.uint8)
    region = np.asarray(gray.reduce(k, box=(cx0, cy0, cx1, cy1)))
    pad_l, pad_t = math.ceil((cx0 - x0) / k), math.ceil((cy0 - y0) / k)
    pad_r = max(0, math.ceil((x1 - cx0) / k) - region.shape[1])
    pad_b = max(0, math.ceil((y1 - cy0) / k) - region.shape[0])
    region = np.pad(region, ((pad_t, pad_b), (pad_l, pad_r)), mode="edge")
    ox, oy = cx0 - pad_l * k, cy0 - pad_t * k  # original-pixel position of the padded region's origin

    # Affine map from output pixels (u, v) of an n x n square to region pixels: rotate by `angle` about
    # the crop centre. PIL samples at pixel centres, so coordinates here are continuous.
    n = max(size, round(side / k))
    step = side / n / k
    a, b = cos * step, -sin * step
    d, e = sin * step, cos * step
    c = (cx - ox) / k - (a + b) * n / 2
    f = (cy - oy) / k - (d + e) * n / 2
    out = Image.fromarray(region).transform(
        (n, n), Image.Transform.AFFINE, (a, b, c, d, e, f), resample=Image.Resampling.BILINEAR
    )
    if n != size:
        out = out.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(out, dtype=np.uint8)
