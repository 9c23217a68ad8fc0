"""Train the reads judge (ml.caption.judge's second judge): a small perceptron over sentence embeddings
that learns only from people's reads of the model's own captions, to read what the first judge misses.

    python -m ml.caption.train_reads_judge --shown var/judge/shown47.jsonl \
        [--flag-share 0.10] [--write ml/weights/caption_judge_reads.npz]

Data: --model-labels (the model's captions people read, in "# Read N" sections; most of them what the first
judge let through), --unfit-lines (the model's lines people read as unfit, reads 1-15) and our curated
captions as fit ones (weighted up: without them the judge learns "unlike the model's usual output" and
takes a third of them). Borderline counts as unfit. No ImgFlip text is read.

Measured first, leave one read out: for each read of --measured, a judge fitted without it takes the top
share of that read's captions (the read is a sample of what the whole bar shows), and the report counts
the lines people read as unfit or borderline among them, against the first judge's own ranking of them.

The threshold: --shown is a word-list-bar sample (ml.caption.shown_sample, no label of it used, none of it
trained on); the reads judge takes --flag-share of what the first judge (--after) passes of it.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ml.caption.corpus import curated_examples
from ml.caption.judge import JUDGE_PATH, JudgeWeights, embed, judge_text, load_encoder
from ml.caption.train_judge import (
    MODEL_LABELS_PATH,
    UNFIT_LINES_PATH,
    ModelRead,
    average,
    fit_perceptron,
    read_lines,
    read_model_rows,
    read_shown,
    threshold_for,
)

MEASURED_LABELS_PATH = MODEL_LABELS_PATH.with_name("judge_model_labels_measured.tsv")
SHARES = (0.05, 0.10, 0.15)


def curated_texts() -> list[str]:
    """Our curated captions as the judge reads them ("{topic}" as "exams", as the judge's test fills it)."""
    return [
        judge_text(e.top.replace("{topic}", "exams"), e.bottom.replace("{topic}", "exams"))
        for e in curated_examples()
    ]


def fit_reads_judge(
    vectors: np.ndarray,
    unfit: np.ndarray,
    curated: np.ndarray,
    *,
    weights: dict[str, float],
    hidden: int,
    seed: int,
    seeds: int,
) -> JudgeWeights:
    """Perceptrons on the read captions (unfit or not) and the curated ones (fit), logits averaged."""
    x = np.concatenate([vectors, curated])
    y = np.concatenate([unfit, np.zeros(len(curated), bool)])
    w = np.concatenate(
        [np.where(unfit, weights["unfit"], weights["fit"]), np.full(len(curated), weights["curated"])]
    )
    return average([fit_perceptron(x, y, w, hidden=hidden, seed=seed + i) for i in range(seeds)])


def leave_one_read_out(
    rows: list[ModelRead],
    vectors: np.ndarray,
    extra: tuple[np.ndarray, np.ndarray],
    curated: np.ndarray,
    first: JudgeWeights,
    *,
    reads: list[int],
    fit: dict,
) -> dict:
    """For each read: what a judge fitted without it takes of its unfit and borderline lines, at each share
    of its captions; the first judge's own ranking of the same captions beside it."""
    extra_vectors, extra_unfit = extra
    unfit = np.array([r.unfit for r in rows])
    worst = np.array([r.label == "unfit" for r in rows])
    read_of = np.array([-1 if r.read is None else r.read for r in rows])
    report: dict = {}
    for read in reads:
        held = read_of == read
        judge = fit_reads_judge(
            np.concatenate([vectors[~held], extra_vectors]),
            np.concatenate([unfit[~held], extra_unfit]),
            curated,
            **fit,
        )
        scores = {
            "reads judge": judge.probabilities(vectors[held]),
            "first judge": first.probabilities(vectors[held]),
        }
        counts = {}
        for name, p in scores.items():
            for share in SHARES:
                taken = p >= np.quantile(p, 1.0 - share)
                counts[f"{name} at {share:.2f}"] = {
                    "unfit or borderline": int((taken & unfit[held]).sum()),
                    "unfit": int((taken & worst[held]).sum()),
                }
        report[str(read)] = {
            "captions": int(held.sum()),
            "unfit or borderline": int(unfit[held].sum()),
            "unfit": int(worst[held].sum()),
            "taken": counts,
        }
    report["all"] = {
        key: {
            kind: sum(r["taken"][key][kind] for r in report.values())
            for kind in ("unfit or borderline", "unfit")
        }
        for key in next(iter(report.values()))["taken"]
    }
    report["all"]["of"] = {k: sum(report[str(r)][k] for r in reads) for k in ("unfit or borderline", "unfit")}
    return report


def train(
    *,
    model_paths: list[Path],
    measured_path: Path,
    unfit_paths: list[Path],
    shown_path: Path,
    after: Path,
    flag_share: float,
    weights: dict[str, float],
    hidden: int,
    seed: int,
    seeds: int,
) -> tuple[JudgeWeights, dict]:
    started = time.monotonic()
    measured = read_model_rows(measured_path)
    rows = [row for path in model_paths for row in read_model_rows(path)] + measured
    lines = read_lines(unfit_paths)
    shown_rows = read_shown(shown_path)
    encoder = load_encoder()
    vectors = embed(encoder, [r.text for r in rows])
    line_vectors = embed(encoder, lines)
    curated = embed(encoder, curated_texts())
    shown = embed(encoder, [judge_text(r["top"], r["bottom"], topic=r.get("topic", "")) for r in shown_rows])
    first = JudgeWeights.load(after)
    fit = {"weights": weights, "hidden": hidden, "seed": seed, "seeds": seeds}
    lines_unfit = np.ones(len(lines), bool)  # every line people read as unfit
    extra = (line_vectors, lines_unfit)
    measured_reads = sorted({r.read for r in measured if r.read is not None})
    report: dict = {
        "leave_one_read_out": leave_one_read_out(
            rows, vectors, extra, curated, first, reads=measured_reads, fit=fit
        )
    }

    final = fit_reads_judge(
        np.concatenate([vectors, line_vectors]),
        np.concatenate([[r.unfit for r in rows], lines_unfit]),
        curated,
        **fit,
    )
    passed = first.probabilities(shown) < first.threshold  # what the whole bar would show of the sample
    final = replace(final, threshold=threshold_for(final, shown[passed], flag_share))
    taken = final.probabilities(shown) >= final.threshold
    emotions = np.array([r.get("emotion", "") for r in shown_rows])
    first_curated = first.probabilities(curated) >= first.threshold
    reads_curated = final.probabilities(curated) >= final.threshold
    report["final"] = {
        "trained_on": {
            "model_read_unfit_or_borderline": sum(r.unfit for r in rows),
            "model_read_fit": sum(not r.unfit for r in rows),
            "read_unfit_lines": len(lines),
            "curated": len(curated),
        },
        "threshold": round(final.threshold, 4),
        "shown": len(shown_rows),
        "shown_passed_by_first_judge": int(passed.sum()),
        "of_those_taken": round(float(taken[passed].mean()), 4),
        "of_those_taken_per_emotion": {
            e: round(float(taken[passed & (emotions == e)].mean()), 4) for e in sorted(set(emotions) - {""})
        },
        "curated_taken (trained on)": {
            "first judge": int(first_curated.sum()),
            "reads judge": int(reads_curated.sum()),
            "either": int((first_curated | reads_curated).sum()),
        },
    }
    report["recipe"] = {
        "classifier": f"MLP, one hidden layer of {hidden} (ReLU), early stopping",
        "seeds": f"{seeds} perceptrons (seed, seed + 1, ...), logits averaged",
        "weights": weights,
        "flag_share": flag_share,
        "after": after.name,
        "shown": shown_path.name,
        "seed": seed,
    }
    report["minutes"] = round((time.monotonic() - started) / 60, 1)
    return final, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ml.caption.train_reads_judge", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--model-labels", type=Path, nargs="*", default=[MODEL_LABELS_PATH])
    parser.add_argument("--measured", type=Path, default=MEASURED_LABELS_PATH, help="also left out in turn")
    parser.add_argument("--unfit-lines", type=Path, nargs="*", default=[UNFIT_LINES_PATH])
    parser.add_argument("--shown", type=Path, required=True, help="a word-list-bar sample, for the threshold")
    parser.add_argument("--after", type=Path, default=JUDGE_PATH, help="the first judge")
    parser.add_argument("--flag-share", type=float, default=0.10, help="share of what --after passes")
    parser.add_argument("--unfit-weight", type=float, default=20.0)
    parser.add_argument("--fit-weight", type=float, default=3.0)
    parser.add_argument("--curated-weight", type=float, default=100.0)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("var/judge"), help="where the report goes")
    parser.add_argument("--write", type=Path, help="where to save the weights")
    args = parser.parse_args(argv)
    judge, report = train(
        model_paths=args.model_labels,
        measured_path=args.measured,
        unfit_paths=args.unfit_lines,
        shown_path=args.shown,
        after=args.after,
        flag_share=args.flag_share,
        weights={"unfit": args.unfit_weight, "fit": args.fit_weight, "curated": args.curated_weight},
        hidden=args.hidden,
        seed=args.seed,
        seeds=args.seeds,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "reads_judge_report.json").write_text(json.dumps(report, indent=1))
    if args.write:
        judge.save(args.write, recipe=json.dumps(report["recipe"]))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
