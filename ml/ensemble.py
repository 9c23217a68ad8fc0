"""The weighted per-class ensemble of the DeepMeme paper.

Each member m gets a weight per class c, learned from its accuracy on that class (its recall) on the
validation split: w[m, c] = acc[m, c] / sum_m' acc[m', c]. A face's ensemble score for class c is
sum_m w[m, c] * p_m(c | face), renormalised over the classes. Every member's probabilities are
kept in the output so the product can show them.

    python -m ml.ensemble --members DIR/a.pt DIR/b.pt --val VAL.npz --out ml/weights
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ml.checkpoint import load_member
from ml.datasets import load_npz
from ml.emotions import EMOTIONS, NUM_CLASSES
from ml.transforms import faces_to_tensor

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MANIFEST = "ensemble.json"


@dataclass(frozen=True)
class EnsemblePrediction:
    probabilities: np.ndarray  # float32 [N, 7], rows sum to 1
    members: dict[str, np.ndarray]  # member name → float32 [N, 7]


def per_class_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Recall of each class [7]; a class absent from `labels` scores 0."""
    predictions = probabilities.argmax(1)
    acc = np.zeros(NUM_CLASSES, dtype=np.float64)
    for c in range(NUM_CLASSES):
        mask = labels == c
        acc[c] = (predictions[mask] == c).mean() if mask.any() else 0.0
    return acc


def fit_class_weights(member_probabilities: list[np.ndarray], labels: np.ndarray) -> np.ndarray:
    """Per-member, per-class weights [M, 7] (each column sums to 1) from per-class accuracy."""
    acc = np.stack([per_class_accuracy(p, labels) for p in member_probabilities])
    totals = acc.sum(0, keepdims=True)
    # A class no member ever gets right falls back to equal weights.
    return np.where(totals > 0, acc / np.where(totals > 0, totals, 1), 1.0 / len(acc))


def combine(member_probabilities: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Weighted per-class sum of member probabilities [N, 7], renormalised to sum to 1."""
    if not member_probabilities:
        raise ValueError("an ensemble needs at least one member")
    stacked = np.stack(member_probabilities)  # [M, N, 7]
    scores = (stacked * weights[:, None, :]).sum(0)
    return (scores / scores.sum(1, keepdims=True).clip(min=1e-12)).astype(np.float32)


class Ensemble:
    def __init__(self, members: dict[str, nn.Module], weights: np.ndarray, meta: dict | None = None) -> None:
        if weights.shape != (len(members), NUM_CLASSES):
            raise ValueError(f"weights must be [{len(members)}, {NUM_CLASSES}], got {weights.shape}")
        self.members = members
        self.weights = weights
        self.meta = meta or {}

    @property
    def member_names(self) -> list[str]:
        return list(self.members)

    @torch.inference_mode()
    def predict(self, faces: np.ndarray, batch_size: int = 256) -> EnsemblePrediction:
        """faces: uint8 [N, 48, 48] aligned grayscale crops (N may be 0)."""
        if faces.ndim != 3 or faces.shape[1:] != (48, 48):
            raise ValueError(f"faces must be [N, 48, 48], got {faces.shape}")
        member_probs = {}
        for name, model in self.members.items():
            chunks = [
                F.softmax(model(faces_to_tensor(faces[i : i + batch_size])), dim=1).numpy()
                for i in range(0, len(faces), batch_size)
            ]
            member_probs[name] = np.concatenate(chunks) if chunks else np.zeros((0, NUM_CLASSES), np.float32)
        if len(faces) == 0:
            return EnsemblePrediction(np.zeros((0, NUM_CLASSES), np.float32), member_probs)
        return EnsemblePrediction(combine(list(member_probs.values()), self.weights), member_probs)


def load_ensemble(weights_dir: str | Path = WEIGHTS_DIR) -> Ensemble:
    weights_dir = Path(weights_dir)
    manifest_path = weights_dir / MANIFEST
    if not manifest_path.exists():
        raise FileNotFoundError(f"no ensemble manifest at {manifest_path}: run `python -m ml.ensemble` first")
    manifest = json.loads(manifest_path.read_text())
    members = {m["name"]: load_member(weights_dir / m["file"])[0] for m in manifest["members"]}
    weights = np.array([[manifest["class_weights"][name][e] for e in EMOTIONS] for name in members])
    return Ensemble(members, weights, manifest)


_lock = threading.Lock()
_shared: Ensemble | None = None


def get_ensemble() -> Ensemble:
    """The process-wide ensemble, loaded on first use (a Celery worker loads it once, not per task)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = load_ensemble()
    return _shared


def build_ensemble(member_files: list[str], val_path: str, out: str) -> dict:
    """Fit the class weights on val, copy the members next to the manifest and write it."""
    val = load_npz(val_path)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    members, entries = {}, []
    for path in member_files:
        model, meta = load_member(path)
        name = Path(path).stem  # members may share an architecture (e.g. two seeds)
        if name in members:
            raise ValueError(f"two members are named {name!r}: give their files distinct names")
        members[name] = model
        target = out_dir / f"{name}.pt"
        if Path(path).resolve() != target.resolve():
            shutil.copyfile(path, target)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        entries.append({"name": name, "arch": meta["arch"], "file": target.name, "sha256": digest})
    # Weights start uniform only so Ensemble can run the members; they are refitted just below.
    probe = Ensemble(members, np.full((len(members), NUM_CLASSES), 1.0 / len(members)))
    prediction = probe.predict(val.images)
    member_probs = list(prediction.members.values())
    weights = fit_class_weights(member_probs, val.labels)
    ensemble_probs = combine(member_probs, weights)
    manifest = {
        "emotions": list(EMOTIONS),
        "members": entries,
        "class_weights": {
            name: {e: round(float(w), 6) for e, w in zip(EMOTIONS, row, strict=True)}
            for name, row in zip(members, weights, strict=True)
        },
        "val": {
            "data": Path(val_path).name,
            "n": len(val),
            "ensemble_acc": round(float((ensemble_probs.argmax(1) == val.labels).mean()), 4),
            "members_acc": {
                name: round(float((p.argmax(1) == val.labels).mean()), 4)
                for name, p in prediction.members.items()
            },
        },
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", nargs="+", required=True, help="member files (ml.train / ml.smote output)")
    p.add_argument("--val", required=True, help="validation npz the class weights are fitted on")
    p.add_argument("--out", default=str(WEIGHTS_DIR))
    args = p.parse_args(argv)
    print(json.dumps(build_ensemble(args.members, args.val, args.out)["val"], indent=2))


if __name__ == "__main__":
    main()
