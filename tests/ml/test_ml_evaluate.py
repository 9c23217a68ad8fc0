"""ml.evaluate: the report's numbers, its files, and the CLI on a freshly built ensemble folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mlhelpers import random_faces, tiny_ensemble
from PIL import Image

from ml.datasets import FaceArrays, save_npz
from ml.emotions import EMOTIONS
from ml.evaluate import evaluate, main, write_report


def test_evaluate_scores_ensemble_and_members(tmp_path: Path) -> None:
    images, labels = random_faces(40, seed=4)
    faces = FaceArrays(images, labels)
    ensemble = tiny_ensemble()
    report = evaluate(faces, ensemble, batch_size=16, progress=False)

    prediction = ensemble.predict(images)
    assert report["n"] == 40
    assert report["accuracy"] == pytest.approx((prediction.probabilities.argmax(1) == labels).mean())
    confusion = np.array(report["confusion"])
    assert confusion.shape == (7, 7) and confusion.sum() == 40
    np.testing.assert_array_equal(confusion.sum(1), np.bincount(labels, minlength=7))
    np.testing.assert_array_equal(
        confusion.sum(0), np.bincount(prediction.probabilities.argmax(1), minlength=7)
    )
    assert list(report["per_class"]) == list(EMOTIONS)
    for e, row in report["per_class"].items():
        assert set(row) == {"precision", "recall", "f1", "support"}
        assert row["support"] == int((labels == EMOTIONS.index(e)).sum())
    assert set(report["members"]) == {"a", "b"}
    for name, member in report["members"].items():
        expected = (prediction.members[name].argmax(1) == labels).mean()
        assert member["accuracy"] == pytest.approx(expected)
        assert list(member["per_class"]) == list(EMOTIONS)

    path = write_report(report, tmp_path / "out")
    assert json.loads(path.read_text()) == json.loads(json.dumps(report))
    with Image.open(tmp_path / "out" / "confusion.png") as png:
        assert png.format == "PNG" and png.width > 400 and png.height > 400


def test_evaluate_rejects_empty_data() -> None:
    with pytest.raises(ValueError, match="no faces"):
        evaluate(FaceArrays(np.zeros((0, 48, 48), np.uint8), np.zeros(0, np.int64)), tiny_ensemble())


def test_cli_writes_report_for_a_weights_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ml.checkpoint import save_member
    from ml.ensemble import build_ensemble
    from ml.models import build_model

    images, labels = random_faces(24, seed=5)
    save_npz(tmp_path / "tiny.npz", FaceArrays(images, labels))
    member = tmp_path / "resnet18_fer.pt"
    save_member(member, arch="resnet18_fer", model=build_model("resnet18_fer"), meta={})
    build_ensemble([str(member)], str(tmp_path / "tiny.npz"), str(tmp_path / "weights"))

    main(
        [
            "--data",
            str(tmp_path / "tiny.npz"),
            "--out",
            str(tmp_path / "eval"),
            "--weights",
            str(tmp_path / "weights"),
        ]
    )
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert {"accuracy", "n", "per_class", "members", "confusion"} <= set(report)
    assert report["n"] == 24 and list(report["members"]) == ["resnet18_fer"]
    assert (tmp_path / "eval" / "confusion.png").stat().st_size > 10_000
    assert "accuracy" in capsys.readouterr().out
