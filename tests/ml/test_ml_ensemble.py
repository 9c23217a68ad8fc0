"""The paper's weighted per-class ensemble, against hand-computed numbers, and SMOTE balancing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.checkpoint import save_member
from ml.datasets import FaceArrays, save_npz
from ml.emotions import EMOTIONS, NUM_CLASSES
from ml.ensemble import (
    Ensemble,
    build_ensemble,
    combine,
    fit_class_weights,
    load_ensemble,
    per_class_accuracy,
)
from ml.models import build_model
from ml.smote import smote_balance


def one_hot_probs(predictions: list[int]) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype=np.float32)[predictions]


def test_per_class_accuracy_is_recall_per_class() -> None:
    labels = np.array([0, 0, 1, 1])
    probs = one_hot_probs([0, 1, 1, 1])
    acc = per_class_accuracy(probs, labels)
    assert acc[0] == pytest.approx(0.5) and acc[1] == pytest.approx(1.0)
    assert acc[2:].tolist() == [0.0] * 5  # absent classes


def test_class_weights_and_combination_match_a_hand_computed_case() -> None:
    labels = np.array([0, 0, 1, 1])
    a = one_hot_probs([0, 0, 0, 1])  # angry recall 1.0, disgust recall 0.5
    b = one_hot_probs([1, 0, 1, 1])  # angry recall 0.5, disgust recall 1.0
    w = fit_class_weights([a, b], labels)
    assert w[:, 0] == pytest.approx([1 / 1.5, 0.5 / 1.5])  # angry: 2/3 and 1/3
    assert w[:, 1] == pytest.approx([0.5 / 1.5, 1 / 1.5])  # disgust: 1/3 and 2/3
    assert w[:, 2] == pytest.approx([0.5, 0.5])  # nobody right: equal weights

    pa = np.zeros((1, NUM_CLASSES), np.float32)
    pb = np.zeros((1, NUM_CLASSES), np.float32)
    pa[0, :2] = [0.6, 0.4]
    pb[0, :2] = [0.2, 0.8]
    out = combine([pa, pb], w)
    # angry: 2/3*0.6 + 1/3*0.2 = 0.4667; disgust: 1/3*0.4 + 2/3*0.8 = 0.6667; renormalised.
    angry, disgust = 0.6 * 2 / 3 + 0.2 / 3, 0.4 / 3 + 0.8 * 2 / 3
    assert out[0, 0] == pytest.approx(angry / (angry + disgust), abs=1e-6)
    assert out[0, 1] == pytest.approx(disgust / (angry + disgust), abs=1e-6)
    assert out.sum() == pytest.approx(1.0)


def test_combine_needs_a_member() -> None:
    with pytest.raises(ValueError):
        combine([], np.zeros((0, NUM_CLASSES)))


def test_smote_makes_the_classes_equal() -> None:
    rng = np.random.default_rng(0)
    counts = [50, 8, 20, 70, 30, 25, 40]
    labels = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    features = rng.normal(labels[:, None], 0.3, (len(labels), 16)).astype(np.float32)
    x, y = smote_balance(features, labels, seed=0)
    assert np.bincount(y).tolist() == [70] * NUM_CLASSES
    assert x.shape == (70 * NUM_CLASSES, 16)
    # Synthetic disgust samples lie between real disgust samples (interpolation), near mean 1.
    assert abs(x[y == 1].mean() - 1.0) < 0.3


def test_built_ensemble_saves_weights_and_predicts_with_every_member(tmp_path) -> None:
    rng = np.random.default_rng(0)
    val = FaceArrays(
        images=rng.integers(0, 256, (21, 48, 48), dtype=np.uint8), labels=np.arange(21, dtype=np.int64) % 7
    )
    save_npz(tmp_path / "val.npz", val)
    for name, arch in [("a", "resnet34_fer"), ("b", "resnet18_fer")]:
        torch.manual_seed(len(name) + ord(name))
        save_member(tmp_path / f"{name}.pt", arch=arch, model=build_model(arch), meta={})
    manifest = build_ensemble(
        [str(tmp_path / "a.pt"), str(tmp_path / "b.pt")], str(tmp_path / "val.npz"), str(tmp_path / "w")
    )
    assert [m["name"] for m in manifest["members"]] == ["a", "b"]
    for emotion in EMOTIONS:
        total = manifest["class_weights"]["a"][emotion] + manifest["class_weights"]["b"][emotion]
        assert total == pytest.approx(1.0, abs=1e-5)

    ensemble = load_ensemble(tmp_path / "w")
    prediction = ensemble.predict(val.images[:5])
    assert prediction.probabilities.shape == (5, NUM_CLASSES)
    assert np.allclose(prediction.probabilities.sum(1), 1.0, atol=1e-5)
    assert set(prediction.members) == {"a", "b"}
    expected = combine(list(prediction.members.values()), ensemble.weights)
    assert np.allclose(prediction.probabilities, expected, atol=1e-6)
    assert ensemble.predict(val.images[:0]).probabilities.shape == (0, NUM_CLASSES)


def test_ensemble_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError):
        Ensemble({"a": build_model("resnet34_fer")}, np.ones((2, NUM_CLASSES)))
    ensemble = Ensemble({"a": build_model("resnet34_fer").eval()}, np.ones((1, NUM_CLASSES)))
    with pytest.raises(ValueError):
        ensemble.predict(np.zeros((2, 32, 32), np.uint8))
