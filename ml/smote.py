"""SMOTE, as the paper balances its classes, applied where it makes sense for images: on the
penultimate-layer embeddings of a trained member, when (re)fitting its linear classifier head.

    python -m ml.smote --member runs/resnet18_fer/model.pt --train TRAIN.npz --val VAL.npz --out DIR

Fits the head twice on the same embeddings, without and with SMOTE, reports per-class recall of
both (and of the original head) on val, and writes the member to DIR under the same file name,
with a refitted head only where it beats the trained one by `--min-gain` on val.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from imblearn.over_sampling import SMOTE
from sklearn.metrics import recall_score
from torch import nn

from ml.checkpoint import load_member, save_member
from ml.datasets import FaceArrays, load_npz
from ml.emotions import EMOTIONS, NUM_CLASSES
from ml.train import pick_device, seed_everything
from ml.transforms import faces_to_tensor, train_transform


def smote_balance(
    features: np.ndarray, labels: np.ndarray, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Oversample every minority class up to the majority count with synthetic neighbours."""
    smallest = int(np.bincount(labels).min())
    sampler = SMOTE(random_state=seed, k_neighbors=min(5, smallest - 1))
    x, y = sampler.fit_resample(features, labels)
    return x.astype(np.float32), y.astype(np.int64)


@torch.inference_mode()
def extract_embeddings(
    model: nn.Module, faces: FaceArrays, device: torch.device, *, augment: bool, batch_size: int = 512
) -> np.ndarray:
    model.eval()
    transform = train_transform() if augment else None
    chunks = []
    for start in range(0, len(faces), batch_size):
        batch = faces.images[start : start + batch_size]
        if transform:
            x = torch.stack([transform(im) for im in torch.from_numpy(batch).unsqueeze(1)])
        else:
            x = faces_to_tensor(batch)  # the same input the shipped ensemble sees
        chunks.append(model.embed(x.to(device)).float().cpu())
    return torch.cat(chunks).numpy()


def fit_linear_head(
    features: np.ndarray, labels: np.ndarray, *, device: torch.device, epochs: int = 30, seed: int = 0
) -> nn.Linear:
    """Multinomial logistic regression on embeddings (Adam, mini-batches, light weight decay)."""
    torch.manual_seed(seed)
    x, y = torch.from_numpy(features).to(device), torch.from_numpy(labels).to(device)
    head = nn.Linear(x.shape[1], NUM_CLASSES).to(device)
    optimizer = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-4)
    for _ in range(epochs):
        for idx in torch.randperm(len(y), device=device).split(256):
            loss = F.cross_entropy(head(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return head.cpu()


@torch.inference_mode()
def head_predictions(head: nn.Module, features: np.ndarray) -> np.ndarray:
    return head(torch.from_numpy(features)).argmax(1).numpy()


def recall_per_class(labels: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    scores = recall_score(labels, predictions, labels=list(range(NUM_CLASSES)), average=None, zero_division=0)
    return {name: round(float(s), 4) for name, s in zip(EMOTIONS, scores, strict=True)}


def compare_heads(
    member_path: str, train_path: str, val_path: str, out: str, *, seed: int = 0, min_gain: float = 0.005
) -> dict:
    seed_everything(seed)
    device = pick_device("auto")
    model, meta = load_member(member_path, device=device)
    train_faces, val_faces = load_npz(train_path), load_npz(val_path)
    # Augmented embeddings: clean train embeddings of a trained net are near-separable, which
    # would make any head look perfect and tell SMOTE nothing.
    train_x = extract_embeddings(model, train_faces, device, augment=True)
    val_x = extract_embeddings(model, val_faces, device, augment=False)
    heads = {
        "original": model.fc.cpu(),
        "refit": fit_linear_head(train_x, train_faces.labels, device=device, seed=seed),
        "refit_smote": fit_linear_head(
            *smote_balance(train_x, train_faces.labels, seed=seed), device=device, seed=seed
        ),
    }
    report: dict = {"member": str(member_path), "arch": meta["arch"], "heads": {}}
    for name, head in heads.items():
        predictions = head_predictions(head, val_x)
        report["heads"][name] = {
            "val_acc": round(float((predictions == val_faces.labels).mean()), 4),
            "val_recall": recall_per_class(val_faces.labels, predictions),
        }
    # A refitted head replaces the trained one only when clearly better on val: a gain below
    # min_gain is noise on 3,589 faces (one face is 0.03 pt) and costs calibration.
    best = max(report["heads"], key=lambda name: report["heads"][name]["val_acc"])
    gain = report["heads"][best]["val_acc"] - report["heads"]["original"]["val_acc"]
    chosen = best if gain >= min_gain else "original"
    report["chosen_head"] = chosen
    model.fc = heads[chosen]
    meta = {**meta, "head": chosen, "smote": report["heads"]}
    meta.pop("arch")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = Path(member_path).stem
    save_member(out_dir / f"{name}.pt", arch=report["arch"], model=model.cpu(), meta=meta)
    (out_dir / f"{name}_smote.json").write_text(json.dumps(report, indent=2))
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--member", required=True, help="a member file written by ml.train (model.pt)")
    p.add_argument("--train", required=True)
    p.add_argument("--val", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-gain", type=float, default=0.005, help="val accuracy a new head must add")
    args = p.parse_args(argv)
    report = compare_heads(
        args.member, args.train, args.val, args.out, seed=args.seed, min_gain=args.min_gain
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
