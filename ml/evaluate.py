"""Score the shipped ensemble and each of its members on an npz of faces.

    python -m ml.evaluate --data ../shared/data/fer2013/fer2013_val.npz --out runs/eval [--weights DIR]

Writes DIR/report.json (accuracy, per-class precision/recall/F1, confusion, the same per member) and
DIR/confusion.png (the ensemble's row-normalised confusion matrix, with counts).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from tqdm import tqdm

from ml.datasets import FaceArrays, load_npz
from ml.emotions import EMOTIONS, NUM_CLASSES

if TYPE_CHECKING:
    from ml.ensemble import Ensemble

LABELS = list(range(NUM_CLASSES))


def scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Accuracy, macro F1, per-class precision/recall/F1/support and the confusion matrix of one model."""
    predicted = probabilities.argmax(1)
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=LABELS, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, labels=LABELS, average="macro", zero_division=0)),
        "per_class": {
            e: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for e, p, r, f, s in zip(EMOTIONS, precision, recall, f1, support, strict=True)
        },
        # Rows are true classes, columns predicted, both in EMOTIONS order.
        "confusion": confusion_matrix(labels, predicted, labels=LABELS).tolist(),
    }


def evaluate(faces: FaceArrays, ensemble: Ensemble, *, batch_size: int = 256, progress: bool = True) -> dict:
    """Predict every face with `ensemble` and score it and each member against `faces.labels`."""
    if len(faces) == 0:
        raise ValueError("nothing to evaluate: no faces")
    ensemble_probs: list[np.ndarray] = []
    member_probs: dict[str, list[np.ndarray]] = {name: [] for name in ensemble.member_names}
    with tqdm(total=len(faces), desc="evaluating", unit="face", disable=not progress) as bar:
        for start in range(0, len(faces), batch_size):
            prediction = ensemble.predict(faces.images[start : start + batch_size])
            ensemble_probs.append(prediction.probabilities)
            for name, p in prediction.members.items():
                member_probs[name].append(p)
            bar.update(len(prediction.probabilities))

    report = {
        "n": len(faces),
        "emotions": list(EMOTIONS),
        **scores(faces.labels, np.concatenate(ensemble_probs)),
    }
    report["members"] = {name: scores(faces.labels, np.concatenate(p)) for name, p in member_probs.items()}
    return report


def plot_confusion(
    confusion: np.ndarray, path: str | Path, title: str = "Confusion (row-normalised)"
) -> None:
    """Save a labelled heat map of `confusion`: colour = share of the true class, text = share and count."""
    # Figure without pyplot: no global backend state, safe in servers and threads (Agg canvas).
    from matplotlib.figure import Figure

    confusion = np.asarray(confusion)
    rows = confusion.sum(1, keepdims=True)
    share = confusion / np.where(rows > 0, rows, 1)
    fig = Figure(figsize=(7.5, 6.5), dpi=120, layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, label="share of true class")
    ticks = range(len(EMOTIONS))
    ax.set_xticks(ticks, EMOTIONS, rotation=45, ha="right")
    ax.set_yticks(ticks, [f"{e} ({n})" for e, n in zip(EMOTIONS, rows.ravel(), strict=True)])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true (support)")
    ax.set_title(title)
    for i in ticks:
        for j in ticks:
            color = "white" if share[i, j] > 0.5 else "black"
            ax.text(
                j,
                i,
                f"{share[i, j]:.2f}\n{confusion[i, j]}",
                ha="center",
                va="center",
                fontsize=7,
                color=color,
            )
    fig.savefig(path)


def write_report(report: dict, out_dir: str | Path) -> Path:
    """Write report.json and confusion.png into `out_dir` (created if needed); returns the json path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    plot_confusion(
        np.array(report["confusion"]),
        out / "confusion.png",
        title=f"Ensemble on {report.get('data', 'data')}: accuracy {report['accuracy']:.3f}, n={report['n']}",
    )
    return out / "report.json"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="npz with images uint8 [N,48,48] and labels [N]")
    p.add_argument("--out", required=True, help="folder for report.json and confusion.png")
    p.add_argument("--weights", help="ensemble folder (default: the shipped ml/weights)")
    p.add_argument("--batch-size", type=int, default=256)
    args = p.parse_args(argv)

    from ml.ensemble import WEIGHTS_DIR, load_ensemble

    weights = Path(args.weights) if args.weights else WEIGHTS_DIR
    report = evaluate(load_npz(args.data), load_ensemble(weights), batch_size=args.batch_size)
    report = {"data": Path(args.data).name, "weights": str(weights), **report}
    path = write_report(report, args.out)
    summary = {name: round(m["accuracy"], 4) for name, m in report["members"].items()}
    print(f"accuracy {report['accuracy']:.4f} on {report['n']} faces; members {summary}; wrote {path}")


if __name__ == "__main__":
    main()
