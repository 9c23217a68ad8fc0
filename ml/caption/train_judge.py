"""Train the caption judge (ml.caption.judge): a small perceptron over sentence embeddings of ImgFlip
captions, labelled unfit where our word lists and the offensive-language model block them, and by people's
reading where people read them (judge_labels.tsv: 6,000 captions the lists let through).

    python -m ml.caption.train_judge --data ../shared/data/captions --out var/judge \
        [--unfit-lines FILE ...] [--shown FILE.jsonl --flag-share 0.25] [--write ml/weights/caption_judge.npz]

Every template's captions are used (meaning does not depend on the template). --unfit-lines (default
judge_unfit_lines.txt): the model's lines people read as unfit ("top | bottom" a line); they are held out to
measure recall first, then added to the final fit with --unfit-weight. --human-labels: people's reading
of ImgFlip captions, named by hash (caption_key), weighted --human-weight; "borderline" counts as unfit.
--model-labels (default judge_model_labels.tsv; several files may be named): the model's own captions
(what the word-list bar, or the whole bar, lets through) as people read them, weighted --model-weight: the
judge's own distribution, its weightiest labels.
--average-with: earlier judges' weights whose logits are averaged with this fit's before the threshold is
set (the shipped judge averages the stop-15 judge with a refit on read 20: CAPTIONER_CARD.md).
--seeds: perceptrons fitted with that many seeds, their logits averaged (one wider perceptron ships).
--shown: captions the model's word-list bar lets through ({"top", "bottom", "topic", "emotion"} a line); the
threshold is set so the judge takes --flag-share of them (it sees no label of theirs). Use a sample that is
not in --model-labels: captions trained on as fit score lower than new ones, and the share would come out
too low. The ImgFlip text and the embeddings stay in --out (gitignored); only the weights (~1 MB) ship.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from ml.caption.corpus import curated_examples, read_imgflip, unique_clean_captions
from ml.caption.judge import JudgeWeights, embed, judge_text, load_encoder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
from ml.caption.safety import MODEL_THRESHOLD, blocked_words, profanity_scores

UNFIT_LINES_PATH = Path(__file__).with_name("judge_unfit_lines.txt")
HUMAN_LABELS_PATH = Path(__file__).with_name("judge_labels.tsv")
MODEL_LABELS_PATH = Path(__file__).with_name("judge_model_labels.tsv")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SHOWN_SHARES = (0.05, 0.10, 0.15, 0.20, 0.25, 0.30)


def unfit_by_the_lists(texts: list[str]) -> list[bool]:
    """The label: a caption our lists or the offensive-language model block for what it says. Not the
    model-only rules about form (names, put-downs, the vocabulary): those say nothing of meaning."""
    scores = profanity_scores(texts)
    return [
        score >= MODEL_THRESHOLD or bool(blocked_words(text, strict=True, form=False))
        for text, score in zip(texts, scores, strict=True)
    ]


def imgflip_texts(path: Path) -> list[str]:
    """Cleaned, deduplicated ImgFlip captions of every template, one sentence each."""
    return [judge_text(*boxes) for _, boxes in unique_clean_captions(read_imgflip(path), Counter())]


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


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC AUC (ties averaged); None when the split holds one class only."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else None


def fit_perceptron(
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


def average(judges: list[JudgeWeights]) -> JudgeWeights:
    """One perceptron whose logit is the mean of the judges' logits: their hidden layers side by side."""
    return JudgeWeights(
        hidden_weights=np.concatenate([j.hidden_weights for j in judges], axis=1),
        hidden_bias=np.concatenate([j.hidden_bias for j in judges]),
        out_weights=np.concatenate([j.out_weights for j in judges]) / len(judges),
        out_bias=float(np.mean([j.out_bias for j in judges])),
        threshold=judges[0].threshold,
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


def caption_key(text: str) -> str:
    """How judge_labels.tsv names a caption without its text: 16 hex digits of the SHA-1 of its words."""
    return hashlib.sha1(" ".join(re.findall(r"[a-z0-9']+", text.lower())).encode()).hexdigest()[:16]


def read_human_labels(path: Path) -> dict[str, bool]:
    """caption key -> unfit (a reader's "unfit" or "borderline": an all-ages site shows neither)."""
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, label = line.split("\t")
            labels[key] = label in {"unfit", "borderline"}
    return labels


@dataclass(frozen=True)
class ModelRead:
    """One of the model's captions as people read it: which read, what the judge reads, the worse reading."""

    read: int | None  # the "# Read N" section it sits in; None before the first such line
    text: str
    label: str  # "unfit", "borderline" or "fit"

    @property
    def unfit(self) -> bool:
        return self.label in {"unfit", "borderline"}  # an all-ages site shows neither


def read_model_rows(path: Path) -> list[ModelRead]:
    """The model's captions people read, one a line: "label<TAB>topic<TAB>top<TAB>bottom", in sections
    headed "# Read N: ..."."""
    rows, read = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if section := re.match(r"# Read (\d+)\b", line):
            read = int(section.group(1))
        if line.strip() and not line.startswith("#"):
            label, topic, top, bottom = line.split("\t")
            rows.append(ModelRead(read, judge_text(top, bottom, topic=topic), label))
    return rows


def read_model_labels(path: Path) -> list[tuple[str, bool]]:
    """(what the judge reads, unfit) for each of the model's captions people read ("borderline" counts as
    unfit, as in read_human_labels)."""
    return [(row.text, row.unfit) for row in read_model_rows(path)]


def embed_cached(encoder: SentenceTransformer, texts: list[str], cache: Path) -> np.ndarray:
    """embed(), reusing the vectors of texts embedded before (kept by caption_key in `cache`)."""
    known: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache) as saved:
            known = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
    keys = [caption_key(t) for t in texts]
    missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    batches = [missing[i : i + 512] for i in range(0, len(missing), 512)]
    for batch in tqdm(batches, desc="embedding"):
        known.update(zip([k for k, _ in batch], embed(encoder, [t for _, t in batch]), strict=True))
    if missing:
        np.savez(cache, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys])


def _split(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(held, kept): a tenth held out."""
    order = rng.permutation(n)
    return order[: n // 10], order[n // 10 :]


def train(
    *,
    data: Path,
    out: Path,
    unfit_paths: list[Path],
    human_path: Path | None,
    model_paths: list[Path],
    average_with: list[Path],
    shown_path: Path | None,
    negatives: int,
    positives: int,
    hidden: int,
    human_weight: float,
    model_weight: float,
    model_fit_weight: float,
    unfit_weight: float,
    flag_share: float,
    threshold: float,
    seed: int,
    seeds: int,
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
    corpus_vectors = embed_cached(encoder, unfit + fit, out / "embeddings.npz")
    corpus_labels = np.array([True] * len(unfit) + [False] * len(fit))
    none = np.zeros((0, corpus_vectors.shape[1]), np.float32)  # an optional set left out

    # Captions people read take their reading instead of the lists' label.
    human = read_human_labels(human_path) if human_path else {}
    corpus_keys = [caption_key(t) for t in unfit + fit]
    text_of = {caption_key(t): t for t in texts}
    human_keys = [k for k in human if k in text_of]
    human_vectors = (
        embed_cached(encoder, [text_of[k] for k in human_keys], out / "embeddings.npz")
        if human_keys
        else none
    )
    human_labels = np.array([human[k] for k in human_keys], bool)
    by_lists = np.array([k not in human for k in corpus_keys])
    lists_vectors, lists_labels = corpus_vectors[by_lists], corpus_labels[by_lists]

    curated_vectors, read_vectors = embed(encoder, curated), embed(encoder, read_unfit)
    model_read = [row for path in model_paths for row in read_model_labels(path)]
    model_vectors = embed(encoder, [t for t, _ in model_read]) if model_read else none
    model_labels = np.array([unfit for _, unfit in model_read], bool)
    shown_vectors = embed(encoder, shown) if shown else none

    def fit_on(lists: np.ndarray, people: np.ndarray, model: np.ndarray, *, with_read: bool) -> JudgeWeights:
        model_unfit = model_labels[model]
        parts = [
            (lists_vectors[lists], lists_labels[lists], 1.0),
            (human_vectors[people], human_labels[people], human_weight),
            (model_vectors[model], model_unfit, np.where(model_unfit, model_weight, model_fit_weight)),
            (curated_vectors, np.zeros(len(curated_vectors), bool), 20.0),
        ]
        if with_read:
            parts.append((read_vectors, np.ones(len(read_vectors), bool), unfit_weight))
        vectors = np.concatenate([v for v, _, _ in parts])
        y = np.concatenate([label for _, label, _ in parts])
        w = np.concatenate([np.broadcast_to(weight, len(v)) for v, _, weight in parts])
        return average([fit_perceptron(vectors, y, w, hidden=hidden, seed=seed + i) for i in range(seeds)])

    # Held-out measure first: a tenth of each labelled set, and every line people read as unfit.
    split = np.random.default_rng(seed)
    lists_held, lists_kept = _split(len(lists_labels), split)
    human_held, human_kept = _split(len(human_labels), split)
    model_held, model_kept = _split(len(model_labels), split)
    held_out = fit_on(lists_kept, human_kept, model_kept, with_read=False)
    read_p = held_out.probabilities(read_vectors)
    model_p = held_out.probabilities(model_vectors[model_held])
    model_unfit_p = model_p[model_labels[model_held]]
    # The thresholds at which the held-out judge takes each share of the shown captions.
    at_share = {s: threshold_for(held_out, shown_vectors, s) for s in SHOWN_SHARES if len(shown_vectors)}

    def taken_at_shares(p: np.ndarray) -> dict[str, float]:
        """Share of p at or above each share's threshold ({} without shown captions or p)."""
        return {f"{s:.2f}": round(float((p >= t).mean()), 4) for s, t in at_share.items()} if len(p) else {}

    report: dict = {
        "captions": len(texts),
        "unfit_by_the_lists": int(sum(labels)),
        "trained_on": {
            "lists_unfit": int(lists_labels.sum()),
            "lists_fit": int((~lists_labels).sum()),
            "people_unfit_or_borderline": int(human_labels.sum()),
            "people_fit": int((~human_labels).sum()),
            "model_read_unfit_or_borderline": int(model_labels.sum()),
            "model_read_fit": int((~model_labels).sum()),
            "curated": len(curated),
            "read_unfit": len(read_unfit),
        },
        "held_out": {
            "lists_auc": _auc(lists_labels[lists_held], held_out.probabilities(lists_vectors[lists_held])),
            "people_auc": _auc(human_labels[human_held], held_out.probabilities(human_vectors[human_held])),
            "model_read_auc": _auc(model_labels[model_held], model_p),
            "read_unfit_flagged": rates(held_out, read_vectors),
            "shown_flagged": rates(held_out, shown_vectors),
            "read_unfit_flagged_at_shown_share": taken_at_shares(read_p),
            "model_read_unfit_flagged_at_shown_share": taken_at_shares(model_unfit_p),
        },
    }

    # The shipped fit: every labelled caption, the curated ones, and the lines people read as unfit.
    everything = (np.arange(len(lists_labels)), np.arange(len(human_labels)), np.arange(len(model_labels)))
    final = fit_on(*everything, with_read=True)
    if average_with:  # the held-out measures above stay the refit's own
        final = average([JudgeWeights.load(path) for path in average_with] + [final])
    if len(shown_vectors):
        threshold = threshold_for(final, shown_vectors, flag_share)
    final = replace(final, threshold=threshold)
    shown_taken = final.probabilities(shown_vectors) >= threshold
    emotions = np.array([r.get("emotion", "") for r in shown_rows])
    per_emotion = {
        e: round(float(shown_taken[emotions == e].mean()), 4) for e in sorted(set(emotions) - {""})
    }
    report["final"] = {
        "threshold": round(threshold, 4),
        "shown_flagged": rates(final, shown_vectors),
        "shown_flagged_per_emotion": per_emotion,
        "read_unfit_flagged (trained on)": rates(final, read_vectors),
        "curated_flagged (trained on)": rates(final, curated_vectors),
    }
    report["recipe"] = {
        "classifier": f"MLP, one hidden layer of {hidden} (ReLU), early stopping",
        "seeds": f"{seeds} perceptrons (seed, seed + 1, ...), logits averaged",
        "lists_sample": {"unfit": len(unfit), "fit": len(fit)},
        "human_weight": human_weight,
        "model_weight": model_weight,
        "model_fit_weight": model_fit_weight,
        "unfit_weight": unfit_weight,
        "curated_weight": 20.0,
        "flag_share": flag_share if len(shown_vectors) else None,
        "seed": seed,
        "averaged_with": [path.name for path in average_with],
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
    parser.add_argument("--unfit-lines", type=Path, nargs="*", default=[UNFIT_LINES_PATH])
    parser.add_argument("--human-labels", type=Path, default=HUMAN_LABELS_PATH)
    parser.add_argument("--human-weight", type=float, default=5.0)
    parser.add_argument("--model-labels", type=Path, nargs="*", default=[MODEL_LABELS_PATH])
    parser.add_argument("--model-weight", type=float, default=20.0, help="the model's captions read as unfit")
    parser.add_argument("--model-fit-weight", type=float, default=3.0, help="... and read as fit")
    parser.add_argument("--shown", type=Path, help="jsonl of captions the word-list bar lets through")
    parser.add_argument("--negatives", type=int, default=80_000)
    parser.add_argument("--positives", type=int, default=60_000)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--unfit-weight", type=float, default=20.0)
    parser.add_argument("--flag-share", type=float, default=0.25, help="share of --shown the judge takes")
    parser.add_argument("--threshold", type=float, default=0.5, help="without --shown")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3, help="perceptrons averaged (seed, seed + 1, ...)")
    parser.add_argument(
        "--write", type=Path, help="where to save the weights (e.g. ml/weights/caption_judge.npz)"
    )
    parser.add_argument("--average-with", type=Path, nargs="*", default=[], help="earlier judges' weights")
    args = parser.parse_args(argv)
    judge, report = train(
        data=args.data,
        out=args.out,
        unfit_paths=args.unfit_lines,
        human_path=args.human_labels,
        model_paths=args.model_labels,
        average_with=args.average_with,
        shown_path=args.shown,
        negatives=args.negatives,
        positives=args.positives,
        hidden=args.hidden,
        human_weight=args.human_weight,
        model_weight=args.model_weight,
        model_fit_weight=args.model_fit_weight,
        unfit_weight=args.unfit_weight,
        flag_share=args.flag_share,
        threshold=args.threshold,
        seed=args.seed,
        seeds=args.seeds,
    )
    if args.write:
        judge.save(args.write, recipe=json.dumps(report["recipe"]))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
