"""Face detection and alignment on real photos (skimage's astronaut)."""

from __future__ import annotations

import io
import math
import threading
from pathlib import Path

import numpy as np
import pytest
from mlhelpers import ASTRONAUT_FACE, iou
from PIL import Image

from ml import faces as faces_module
from ml.faces import MAX_FACES, DetectedFace, ImageLoadError, align_face, detect_faces, load_image


def eye_angle(face: DetectedFace) -> float:
    (lx, ly), (rx, ry) = face.landmarks[:2]
    return math.degrees(math.atan2(ry - ly, rx - lx))


def test_detects_the_astronaut(astronaut: Image.Image) -> None:
    found = detect_faces(astronaut)
    assert len(found) == 1
    face = found[0]
    assert iou(face.box, ASTRONAUT_FACE) > 0.7
    assert face.score > 0.95
    assert len(face.landmarks) == 5
    (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = face.landmarks
    assert lx < nx < rx  # eyes either side of the nose
    assert max(ly, ry) < ny < min(mly, mry)  # eyes above the nose above the mouth
    x, y, w, h = face.box
    assert all(x <= px <= x + w and y <= py <= y + h for px, py in face.landmarks)


def test_blank_and_tiny_images_have_no_face() -> None:
    assert detect_faces(Image.new("RGB", (640, 480), (255, 255, 255))) == []
    assert detect_faces(Image.new("RGB", (300, 300))) == []
    assert detect_faces(Image.new("RGB", (8, 5))) == []


def test_large_photo_is_detected_in_original_pixels(astronaut: Image.Image) -> None:
    # 1536 px is downscaled for detection; the box must come back in the big photo's pixels.
    big = astronaut.resize((1536, 1536), Image.Resampling.BICUBIC)
    (face,) = detect_faces(big)
    assert iou(face.box, tuple(v * 3 for v in ASTRONAUT_FACE)) > 0.7


def test_accepts_bytes_path_file_and_other_modes(astronaut: Image.Image, tmp_path: Path) -> None:
    buf = io.BytesIO()
    astronaut.save(buf, format="PNG")
    (tmp_path / "a.png").write_bytes(buf.getvalue())
    for source in (buf.getvalue(), tmp_path / "a.png", str(tmp_path / "a.png"), io.BytesIO(buf.getvalue())):
        (face,) = detect_faces(source)
        assert iou(face.box, ASTRONAUT_FACE) > 0.7
    assert len(detect_faces(astronaut.convert("L"))) == 1
    assert len(detect_faces(astronaut.convert("RGBA"))) == 1
    assert load_image(astronaut.convert("L")).mode == "RGB"


def test_unreadable_input_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError):
        detect_faces(b"certainly not an image")
    with pytest.raises(ImageLoadError):
        detect_faces(tmp_path / "missing.jpg")
    with pytest.raises(ImageLoadError):
        load_image(12345)  # type: ignore[arg-type]


def test_exif_orientation_is_applied(astronaut: Image.Image) -> None:
    # Store the pixels turned on their side, with the EXIF tag that says how to turn them upright
    # (orientation 8 = rotate 90 degrees clockwise to view), as phones do.
    sideways = astronaut.transpose(Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = 8
    buf = io.BytesIO()
    sideways.save(buf, format="JPEG", quality=95, exif=exif)

    upright = load_image(buf.getvalue())
    assert upright.size == astronaut.size
    (face,) = detect_faces(buf.getvalue())
    assert iou(face.box, ASTRONAUT_FACE) > 0.7
    assert abs(eye_angle(face)) < 10
    # The same face found in the raw sideways pixels lies elsewhere: EXIF really changed the answer.
    (raw,) = detect_faces(sideways)
    assert iou(raw.box, ASTRONAUT_FACE) < 0.1


def two_astronauts(astronaut: Image.Image) -> tuple[Image.Image, list[tuple[float, float, float, float]]]:
    """Two copies of the astronaut's head at 1.5x and 0.7x on a grey canvas, small one on the left."""
    head = astronaut.crop((130, 10, 320, 230))  # 190 x 220
    canvas = Image.new("RGB", (900, 500), (128, 128, 128))
    regions = []
    for scale, (ox, oy) in ((0.7, (40, 120)), (1.5, (420, 80))):
        canvas.paste(head.resize((round(190 * scale), round(220 * scale))), (ox, oy))
        x1, y1, x2, y2 = ASTRONAUT_FACE
        regions.append(
            (ox + (x1 - 130) * scale, oy + (y1 - 10) * scale, ox + (x2 - 130) * scale, oy + (y2 - 10) * scale)
        )
    return canvas, regions


def test_several_faces_sorted_largest_first(astronaut: Image.Image) -> None:
    canvas, (small, large) = two_astronauts(astronaut)
    found = detect_faces(canvas)
    assert len(found) == 2
    assert found[0].area > 3 * found[1].area
    assert iou(found[0].box, large) > 0.6
    assert iou(found[1].box, small) > 0.6
    assert detect_faces(canvas, max_faces=1) == found[:1]


def test_at_most_max_faces(astronaut: Image.Image) -> None:
    head = astronaut.crop((150, 30, 300, 200)).resize((75, 85))
    grid = Image.new("RGB", (6 * 80, 5 * 90), (128, 128, 128))
    for i in range(30):
        grid.paste(head, ((i % 6) * 80, (i // 6) * 90))
    found = detect_faces(grid)
    assert len(found) == MAX_FACES == 20
    areas = [f.area for f in found]
    assert areas == sorted(areas, reverse=True)


def test_align_face_levels_the_eyes(astronaut: Image.Image) -> None:
    (face,) = detect_faces(astronaut)
    crop = align_face(astronaut, face)
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    assert align_face(astronaut, face, size=64).shape == (64, 64)

    # Tilt the photo by 25 degrees: the detector sees tilted eyes, the aligned crop must not.
    tilted = astronaut.rotate(25, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(128, 128, 128))
    (tface,) = detect_faces(tilted)
    assert abs(eye_angle(tface)) > 15
    tcrop = align_face(tilted, tface)
    assert np.corrcoef(crop.ravel(), tcrop.ravel())[0, 1] > 0.9
    naive = np.asarray(tilted.convert("L").crop(tuple(map(round, _xyxy(tface.box)))).resize((48, 48)))
    assert np.corrcoef(crop.ravel(), naive.ravel())[0, 1] < 0.8

    # Found again in the (upscaled) aligned crop, the eyes are level and where FER puts them (~40%).
    big = Image.fromarray(tcrop).resize((192, 192), Image.Resampling.BICUBIC)
    (again,) = detect_faces(big)
    assert abs(eye_angle(again)) < 4
    eye_y = (again.landmarks[0][1] + again.landmarks[1][1]) / 2 / 192
    assert 0.3 < eye_y < 0.5


def _xyxy(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x, y, x + w, y + h


def test_align_face_near_the_border_pads_with_edge_pixels(astronaut: Image.Image) -> None:
    # Cut the photo through the face: part of the FER square falls outside, and must not turn black.
    cut = astronaut.crop((200, 0, 512, 512))
    (face,) = detect_faces(cut)
    crop = align_face(cut, face)
    assert crop.shape == (48, 48)
    assert crop[:, :6].min() > 10


def test_detector_is_loaded_once_across_threads(astronaut: Image.Image) -> None:
    results: list[list[DetectedFace]] = []
    threads = [threading.Thread(target=lambda: results.append(detect_faces(astronaut))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and all(r == results[0] for r in results)
    assert faces_module.get_detector() is faces_module.get_detector()
