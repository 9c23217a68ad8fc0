"""Train the caption judge (ml.caption.judge): a small perceptron over sentence embeddings of ImgFlip
captions, labelled unfit where our word lists and the offensive-language model block them.

    python -m ml.caption.train_judge --data ../shared/data/captions --out var/judge \
        [--unfit-lines FILE ...] [--shown FILE.jsonl --flag-share 0.15] [--write ml/weights/caption_judge.npz]

Every template's captions are used (meaning does not depend on the template). --unfit-lines: lines people
read as unfit ("top | bottom" a line); they are held out to measure recall first, then added to the final
fit with --unfit-weight. --shown: captions the model's word-list bar lets through ({"top", "bottom",
"topic", "emotion"} a line); the threshold is set so the judge takes --flag-share of them (it sees no label
of theirs). The ImgFlip text and the embeddings stay in --out (gitignored); only the weights (~400 KB) ship.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ml.caption.corpus import clean_boxes, curated_examples, dedupe_key, read_imgflip
from ml.caption.judge import JudgeWeights, embed, judge_text, load_encoder
from ml.caption.safety import (
    MODEL_THRESHOLD,
    UNFIT_SHAPES_FROM_THE_MODEL,
    _model_word_pattern,
    _word_pattern,
    normalise,
    profanity_scores,
)

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def unfit_by_the_lists(texts: list[str]) -> list[bool]:
    """The label: a caption our lists or the offensive-language model block for what it says. Not the
    model-only rules about form (names, put-downs, the vocabulary): those say nothing of meaning."""
    scores = profanity_scores(texts)
    everyone, model_only = _word_pattern(), _model_word_pattern()
    labels = []
    for text, score in zip(texts, scores, strict=True):
        words = normalise(text)
        labels.append(
            score >= MODEL_THRESHOLD
            or everyone.search(words) is not None
            or model_only.search(words) is not None
            or UNFIT_SHAPES_FROM_THE_MODEL.search(text) is not None
        )
    return labels


def imgflip_texts(path: Path) -> list[str]:
    """Cleaned, deduplicated ImgFlip captions of every template, one sentence each."""
    seen: set[str] = set()
    texts = []
    for row in read_imgflip(path):
        boxes = clean_boxes(row["boxes"])
        if boxes is None:
            continue
        key = dedupe_key(*boxes)
        if key not in seen:
            seen.add(key)
            texts.append(judge_text(*boxes))
    return texts


def read_shown(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_lines(paths: list[Path]) -> list[str]:
    lines = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                top, _, bottom = line.partition("|")
                lines.append(judge_text(top.strip(), bottom.strip()))
    return lines


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    positives = labels.sum()
    negatives = len(labels) - positives
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _fit(
    vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray, *, hidden: int, seed: int
) -> JudgeWeights:
    """One hidden layer: on held-out lines people read as unfit it finds 71 % where a logistic regression
    finds 58 %, with both taking 10 % of the model's shown captions (CAPTIONER_CARD.md, "Judge")."""
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(hidden,), early_stopping=True, max_iter=50, random_state=seed)
    model.fit(vectors, labels, sample_weight=weights)
    (w1, w2), (b1, b2) = model.coefs_, model.intercepts_
    return JudgeWeights(
        hidden_weights=w1, hidden_bias=b1, out_weights=w2[:, 0], out_bias=float(b2[0]), threshold=0.5
    )


def threshold_for(judge: JudgeWeights, vectors: np.ndarray, share: float) -> float:
    """The probability above which the judge takes `share` of these vectors."""
    return float(np.quantile(judge.probabilities(vectors), 1.0 - share))


def rates(judge: JudgeWeights, vectors: np.ndarray) -> dict[str, float]:
    """Share of vectors at or above each threshold."""
    if len(vectors) == 0:
        return {}
    p = judge.probabilities(vectors)
    return {f"{t:.1f}": round(float((p >= t).mean()), 4) for t in THRESHOLDS}


def train(
    *,
    data: Path,
    out: Path,
    unfit_paths: list[Path],
    shown_path: Path | None,
    negatives: int,
    positives: int,
    hidden: int,
    unfit_weight: float,
    flag_share: float,
    threshold: float,
    seed: int,
) -> tuple[JudgeWeights, dict]:
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    texts = imgflip_texts(data / "imgflip_captions.jsonl")
    labels = unfit_by_the_lists(texts)
    unfit = [t for t, bad in zip(texts, labels, strict=True) if bad]
    fit = [t for t, bad in zip(texts, labels, strict=True) if not bad]
    unfit, fit = rng.sample(unfit, min(positives, len(unfit))), rng.sample(fit, min(negatives, len(fit)))
    curated = [judge_text(e.top.replace("{topic}", "my plans"), e.bottom.replace("{topic}", "my plans"))
               for e in curated_examples()]  # fmt: skip
    read_unfit = read_lines(unfit_paths)
    shown_rows = read_shown(shown_path) if shown_path else []
    shown = [judge_text(r["top"], r["bottom"], topic=r.get("topic", "")) for r in shown_rows]

    encoder = load_encoder()
    cache = out / f"embeddings_seed{seed}_{len(unfit)}_{len(fit)}.npz"
    if cache.is_file():
        with np.load(cache) as saved:
            corpus_vectors = saved["vectors"]
    else:
        batches = [unfit[i : i + 512] + [] for i in range(0, len(unfit), 512)]
        batches += [fit[i : i + 512] for i in range(0, len(fit), 512)]
        corpus_vectors = np.concatenate([embed(encoder, b) for b in tqdm(batches, desc="embedding")])
        np.savez(cache, vectors=corpus_vectors)
    corpus_labels = np.array([True] * len(unfit) + [False] * len(fit))
    curated_vectors, read_vectors = embed(encoder, curated), embed(encoder, read_unfit)
    shown_vectors = embed(encoder, shown) if shown else np.zeros((0, corpus_vectors.shape[1]), np.float32)

    # Held-out measure first: 10 % of the corpus, and every line people read as unfit.
    order = np.random.default_rng(seed).permutation(len(corpus_labels))
    held, kept = order[: len(order) // 10], order[len(order) // 10 :]
    vectors = np.concatenate([corpus_vectors[kept], curated_vectors])
    y = np.concatenate([corpus_labels[kept], np.zeros(len(curated_vectors), bool)])
    w = np.concatenate([np.ones(len(kept)), np.full(len(curated_vectors), 20.0)])
    held_out = _fit(vectors, y, w, hidden=hidden, seed=seed)
    report: dict = {
        "captions": len(texts),
        "unfit_by_the_lists": int(sum(labels)),
        "trained_on": {
            "unfit": len(unfit),
            "fit": len(fit),
            "curated": len(curated),
            "read_unfit": len(read_unfit),
        },
        "held_out": {
            "corpus_auc": round(_auc(corpus_labels[held], held_out.probabilities(corpus_vectors[held])), 4),
            "corpus_unfit_flagged": rates(held_out, corpus_vectors[held][corpus_labels[held]]),
            "corpus_fit_flagged": rates(held_out, corpus_vectors[held][~corpus_labels[held]]),
            "read_unfit_flagged": rates(held_out, read_vectors),
            "shown_flagged": rates(held_out, shown_vectors),
            "read_unfit_flagged_at_shown_share": {
                f"{share:.2f}": round(
                    float(
                        (
                            held_out.probabilities(read_vectors)
                            >= threshold_for(held_out, shown_vectors, share)
                        ).mean()
                    ),
                    4,
                )
                for share in (0.05, 0.10, 0.15, 0.20)
            }
            if len(shown_vectors)
            else {},
            "curated_flagged (trained on)": rates(held_out, curated_vectors),
        },
    }

    # The shipped fit: all of the corpus, the curated captions, and the lines people read as unfit.
    vectors = np.concatenate([corpus_vectors, curated_vectors, read_vectors])
    y = np.concatenate(
        [corpus_labels, np.zeros(len(curated_vectors), bool), np.ones(len(read_vectors), bool)]
    )
    w = np.concatenate(
        [
            np.ones(len(corpus_labels)),
            np.full(len(curated_vectors), 20.0),
            np.full(len(read_vectors), unfit_weight),
        ]
    )
    final = _fit(vectors, y, w, hidden=hidden, seed=seed)
    if len(shown_vectors):
        threshold = threshold_for(final, shown_vectors, flag_share)
    final = replace(final, threshold=threshold)
    shown_taken = final.probabilities(shown_vectors) >= threshold
    report["final"] = {
        "threshold": round(threshold, 4),
        "shown_flagged": rates(final, shown_vectors),
        "shown_flagged_per_emotion": {
            emotion: round(
                float(
                    np.mean(
                        [t for r, t in zip(shown_rows, shown_taken, strict=True) if r["emotion"] == emotion]
                    )
                ),
                4,
            )
            for emotion in sorted({r["emotion"] for r in shown_rows if "emotion" in r})
        },
        "read_unfit_flagged (trained on)": rates(final, read_vectors),
        "curated_flagged (trained on)": rates(final, curated_vectors),
    }
    report["recipe"] = {
        "classifier": f"MLP, one hidden layer of {hidden} (ReLU), early stopping",
        "unfit": len(unfit),
        "fit": len(fit),
        "unfit_weight": unfit_weight,
        "curated_weight": 20.0,
        "flag_share": flag_share if len(shown_vectors) else None,
        "seed": seed,
    }
    report["minutes"] = round((time.monotonic() - started) / 60, 1)
    (out / "judge_report.json").write_text(json.dumps(report, indent=1))
    return final, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ml.caption.train_judge", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--data", type=Path, default=Path("../shared/data/captions"))
    parser.add_argument("--out", type=Path, default=Path("var/judge"))
    parser.add_argument("--unfit-lines", type=Path, nargs="*", default=[])
    parser.add_argument("--shown", type=Path, help="jsonl of captions the word-list bar lets through")
    parser.add_argument("--negatives", type=int, default=80_000)
    parser.add_argument("--positives", type=int, default=60_000)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--unfit-weight", type=float, default=20.0)
    parser.add_argument("--flag-share", type=float, default=0.15, help="share of --shown the judge takes")
    parser.add_argument("--threshold", type=float, default=0.5, help="without --shown")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--write", type=Path, help="where to save the weights (e.g. ml/weights/caption_judge.npz)"
    )
    args = parser.parse_args(argv)
    judge, report = train(
        data=args.data,
        out=args.out,
        unfit_paths=args.unfit_lines,
        shown_path=args.shown,
        negatives=args.negatives,
        positives=args.positives,
        hidden=args.hidden,
        unfit_weight=args.unfit_weight,
        flag_share=args.flag_share,
        threshold=args.threshold,
        seed=args.seed,
    )
    if args.write:
        judge.save(args.write, recipe=json.dumps(report["recipe"]))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
