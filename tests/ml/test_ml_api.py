"""ml.analyze: detection + alignment + one ensemble batch per photo."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
from mlhelpers import ASTRONAUT_FACE, REPO, iou, needs_weights, tiny_ensemble
from PIL import Image
from test_ml_faces import two_astronauts

import ml
from ml import EMOTIONS, Analysis, FaceAnalysis, analyze
from ml.faces import align_face, detect_faces


def test_import_ml_is_light() -> None:
    code = (
        "import sys, ml; assert ml.EMOTIONS[3] == 'happy'; assert 'torch' not in sys.modules, 'torch loaded'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    assert ml.analyze is analyze and ml.EMOTIONS == EMOTIONS


class CountingEnsemble:
    """Wraps a real ensemble and records every batch it is asked to predict."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.batches: list[np.ndarray] = []

    @property
    def member_names(self) -> list[str]:
        return self.inner.member_names

    def predict(self, faces: np.ndarray):
        self.batches.append(faces.copy())
        return self.inner.predict(faces)


def test_photo_without_faces_never_touches_the_ensemble() -> None:
    ensemble = CountingEnsemble(tiny_ensemble())
    result = analyze(Image.new("RGB", (320, 200), (30, 160, 90)), ensemble=ensemble)
    assert result == Analysis(width=320, height=200, faces=[])
    assert result.to_dict() == {"width": 320, "height": 200, "faces": []}
    assert ensemble.batches == []


def test_all_faces_classified_in_one_batch(astronaut: Image.Image) -> None:
    canvas, (small, large) = two_astronauts(astronaut)
    inner = tiny_ensemble()
    ensemble = CountingEnsemble(inner)
    result = analyze(canvas, ensemble=ensemble)

    assert (result.width, result.height) == canvas.size
    assert len(ensemble.batches) == 1 and ensemble.batches[0].shape == (2, 48, 48)
    assert [type(f) for f in result.faces] == [FaceAnalysis, FaceAnalysis]
    big, little = result.faces
    assert iou(big.box, large) > 0.6 and iou(little.box, small) > 0.6

    # Each face's numbers are the ensemble's output for its own aligned crop, in EMOTIONS order.
    found = detect_faces(canvas)
    expected = inner.predict(np.stack([align_face(canvas, f) for f in found]))
    for i, face in enumerate(result.faces):
        assert list(face.probabilities) == list(EMOTIONS)
        np.testing.assert_allclose(list(face.probabilities.values()), expected.probabilities[i], rtol=1e-6)
        assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert set(face.member_probabilities) == {"a", "b"}
        np.testing.assert_allclose(
            list(face.member_probabilities["b"].values()), expected.members["b"][i], rtol=1e-6
        )
        assert face.emotion == EMOTIONS[int(expected.probabilities[i].argmax())]
        assert face.aligned is not None and face.aligned.shape == (48, 48)

    as_json = json.loads(json.dumps(result.to_dict()))
    assert as_json["width"] == canvas.width and len(as_json["faces"]) == 2
    first = as_json["faces"][0]
    assert set(first) == {"box", "landmarks", "detection_score", "emotion", "probabilities", "members"}
    assert first["box"] == pytest.approx(list(big.box))
    assert len(first["landmarks"]) == 5 and first["emotion"] == big.emotion
    assert set(first["members"]) == {"a", "b"}


def test_exif_oriented_size_and_boxes(astronaut: Image.Image) -> None:
    wide = Image.new("RGB", (700, 512), (128, 128, 128))
    wide.paste(astronaut, (0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # pixels stored turned 90° counter-clockwise; viewers turn them back clockwise
    buf = io.BytesIO()
    wide.transpose(Image.Transpose.ROTATE_90).save(buf, format="JPEG", quality=95, exif=exif)

    result = analyze(buf.getvalue(), ensemble=tiny_ensemble())
    assert (result.width, result.height) == (700, 512)
    (face,) = result.faces
    assert iou(face.box, ASTRONAUT_FACE) > 0.7


@needs_weights
@pytest.mark.slow
def test_shipped_ensemble_reads_the_astronauts_smile(astronaut: Image.Image) -> None:
    from ml.ensemble import get_ensemble

    result = analyze(astronaut)
    (face,) = result.faces
    assert (result.width, result.height) == (512, 512)
    assert iou(face.box, ASTRONAUT_FACE) > 0.7
    assert set(face.member_probabilities) == set(get_ensemble().member_names)
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert face.emotion == "happy"
    json.dumps(result.to_dict())
