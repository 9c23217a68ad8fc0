"""Each loader on a tiny made-up slice of its format."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from mlhelpers import random_faces
from PIL import Image

from ml.datasets import load_celeba, load_fer_csv, load_image_folder, load_npz, read_image_folder, save_npz
from ml.datasets.arrays import FaceArrays
from ml.emotions import EMOTIONS


def test_npz_round_trip(tmp_path: Path) -> None:
    images, labels = random_faces(5)
    save_npz(tmp_path / "tiny.npz", FaceArrays(images, labels))
    loaded = load_npz(tmp_path / "tiny.npz")
    np.testing.assert_array_equal(loaded.images, images)
    np.testing.assert_array_equal(loaded.labels, labels)


def write_fer_csv(
    path: Path, rows: list[tuple[int, np.ndarray, str]], header: str = "emotion,pixels,Usage"
) -> None:
    lines = [header] + [f'{label},"{" ".join(map(str, img.ravel()))}",{usage}' for label, img, usage in rows]
    path.write_text("\n".join(lines) + "\n")


def test_fer_csv_reads_pixels_labels_and_filters_usage(tmp_path: Path) -> None:
    images, labels = random_faces(6, seed=1)
    usages = ["Training", "Training", "PublicTest", "PrivateTest", "Training", "PublicTest"]
    write_fer_csv(tmp_path / "fer2013.csv", list(zip(labels, images, usages, strict=True)))

    everything = load_fer_csv(tmp_path / "fer2013.csv")
    np.testing.assert_array_equal(everything.images, images)
    np.testing.assert_array_equal(everything.labels, labels)
    assert everything.images.dtype == np.uint8 and everything.labels.dtype == np.int64

    train = load_fer_csv(tmp_path / "fer2013.csv", usage="Training")
    np.testing.assert_array_equal(train.images, images[[0, 1, 4]])
    np.testing.assert_array_equal(train.labels, labels[[0, 1, 4]])

    tests = load_fer_csv(tmp_path / "fer2013.csv", usage=["PublicTest", "PrivateTest"])
    np.testing.assert_array_equal(tests.labels, labels[[2, 3, 5]])

    with pytest.raises(ValueError, match="unknown usage"):
        load_fer_csv(tmp_path / "fer2013.csv", usage="Validation")


def test_fer_csv_accepts_spaced_headers_and_rejects_bad_rows(tmp_path: Path) -> None:
    images, labels = random_faces(2, seed=2)
    write_fer_csv(
        tmp_path / "icml.csv",
        list(zip(labels, images, ["Training"] * 2, strict=True)),
        "emotion, pixels, Usage",
    )
    assert len(load_fer_csv(tmp_path / "icml.csv", usage="Training")) == 2

    write_fer_csv(tmp_path / "short.csv", [(0, images[0][:10], "Training")])
    with pytest.raises(ValueError, match="2304"):
        load_fer_csv(tmp_path / "short.csv")
    write_fer_csv(tmp_path / "label.csv", [(7, images[0], "Training")])
    with pytest.raises(ValueError, match="emotion 7"):
        load_fer_csv(tmp_path / "label.csv")


def test_image_folder_maps_aliases_resizes_and_skips_contempt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rng = np.random.default_rng(3)
    folders = {"Happiness": 2, "anger": 1, "SAD": 1, "surprised": 1, "contempt": 3}
    for folder, n in folders.items():
        (tmp_path / folder).mkdir()
        for i in range(n):
            # Odd sizes and colour: the loader must centre-crop, resize and convert to grayscale.
            Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)).save(
                tmp_path / folder / f"{i}.png"
            )
    Image.new("L", (48, 48), 200).save(tmp_path / "anger" / "plain.jpg")
    (tmp_path / "SAD" / "notes.txt").write_text("not an image")
    (tmp_path / "SAD" / "broken.jpg").write_bytes(b"not a jpeg")

    with caplog.at_level(logging.INFO):
        result = read_image_folder(tmp_path)
    faces = result.faces
    assert faces.images.shape == (6, 48, 48) and faces.images.dtype == np.uint8
    assert faces.class_counts() == {
        "angry": 2,
        "disgust": 0,
        "fear": 0,
        "happy": 2,
        "sad": 1,
        "surprise": 1,
        "neutral": 0,
    }
    assert result.skipped == {"contempt": 3, "unreadable": 1}
    assert "contempt" in caplog.text
    plain = result.files.index(tmp_path / "anger" / "plain.jpg")
    assert abs(int(faces.images[plain].mean()) - 200) <= 1
    assert faces.labels[plain] == EMOTIONS.index("angry")
    np.testing.assert_array_equal(load_image_folder(tmp_path).labels, faces.labels)


def test_image_folder_rejects_unknown_class(tmp_path: Path) -> None:
    (tmp_path / "bored").mkdir()
    with pytest.raises(ValueError, match="bored"):
        load_image_folder(tmp_path)


def test_image_folder_detect_aligns_photos_and_skips_faceless(tmp_path: Path, astronaut: Image.Image) -> None:
    (tmp_path / "happy").mkdir()
    astronaut.save(tmp_path / "happy" / "astronaut.jpg")
    Image.new("RGB", (200, 200), (90, 120, 200)).save(tmp_path / "happy" / "sky.jpg")
    result = read_image_folder(tmp_path, detect=True)
    assert result.files == [tmp_path / "happy" / "astronaut.jpg"]
    assert result.skipped == {"no_face": 1}
    crop = result.faces.images[0]
    # A FER-framed face fills the crop: no flat background border, unlike the centre crop of the photo.
    assert crop.std() > 20
    plain = load_image_folder(tmp_path).images[0]
    assert not np.array_equal(crop, plain)


def write_celeba(root: Path, smiling: list[bool], astronaut: Image.Image) -> None:
    names = ["5_o_Clock_Shadow", "Arched_Eyebrows", "Smiling", "Young"]
    lines = [str(len(smiling)), " ".join(names)]
    (root / "img_align_celeba").mkdir(parents=True)
    # A CelebA-like 178x218 aligned crop of the astronaut: eyes near (69,111)/(108,111).
    face = astronaut.crop((150, 10, 300, 194)).resize((178, 218))
    for i, smile in enumerate(smiling, start=1):
        name = f"{i:06d}.jpg"
        face.save(root / "img_align_celeba" / name)
        lines.append(f"{name} -1  1 {'1' if smile else '-1'}  1")
    (root / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("crop", ["center", "detect"])
def test_celeba_labels_smiling_as_happy(tmp_path: Path, astronaut: Image.Image, crop: str) -> None:
    write_celeba(tmp_path, [True, False, False, True], astronaut)
    faces = load_celeba(tmp_path, crop=crop)  # type: ignore[arg-type]
    assert faces.images.shape == (4, 48, 48) and faces.images.dtype == np.uint8
    assert [EMOTIONS[i] for i in faces.labels] == ["happy", "neutral", "neutral", "happy"]
    assert faces.images.std() > 20

    limited = load_celeba(tmp_path, crop=crop, limit=2)  # type: ignore[arg-type]
    assert [EMOTIONS[i] for i in limited.labels] == ["happy", "neutral"]


def test_celeba_missing_image_is_an_error(tmp_path: Path, astronaut: Image.Image) -> None:
    write_celeba(tmp_path, [True, False], astronaut)
    (tmp_path / "img_align_celeba" / "000002.jpg").unlink()
    with pytest.raises(ValueError, match="000002.jpg"):
        load_celeba(tmp_path, crop="center")
