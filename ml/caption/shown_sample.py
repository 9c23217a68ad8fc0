"""Captions the model's word-list bar lets through, without the judge of meaning: what the judge is
calibrated on (ml.caption.train_judge --shown) and what people read to measure it; with --judge, what the
whole bar shows.

    python -m ml.caption.shown_sample --n 1600 --seed 23 --out var/judge/shown23.jsonl
    python -m ml.caption.shown_sample --n 1000 --seed 24 --judge --out var/judge/shown24.jsonl

The loop is caption_eval's safety sample (8 candidates a request, the emotions in turn, a topic every
third request); each line is {"emotion", "topic", "top", "bottom", "request"}.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from ml.caption.generator import Captioner
from ml.caption.judge import JUDGE_PATHS
from ml.caption.model_files import ADAPTER_PATH, NGRAMS_PATH, base_gguf_path
from ml.caption_eval import SAFETY_CANDIDATES, safety_request


def sample_shown(*, n: int, seed: int, out: Path, judge: bool = False) -> int:
    """Write n captions to out; returns the number of requests it took."""
    captioner = Captioner(
        model_path=base_gguf_path(),
        adapter_path=ADAPTER_PATH,
        ngrams_path=NGRAMS_PATH,
        judge_paths=JUDGE_PATHS if judge else None,
    )
    rng = random.Random(seed)
    written = request = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as lines:
        while written < n:
            emotion, topic, request_seed = safety_request(request, rng=rng, seed=seed)
            found = captioner.candidates(emotion=emotion, topic=topic, k=SAFETY_CANDIDATES, seed=request_seed)
            for c in captioner.passes_filters(found, topic=topic)[: n - written]:
                row = {
                    "emotion": emotion,
                    "topic": topic,
                    "top": c.top,
                    "bottom": c.bottom,
                    "request": request,
                }
                lines.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
            request += 1
    return request


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ml.caption.shown_sample", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--n", type=int, default=1600)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--judge", action="store_true", help="the whole bar, the judge of meaning included")
    args = parser.parse_args(argv)
    requests = sample_shown(n=args.n, seed=args.seed, out=args.out, judge=args.judge)
    print(json.dumps({"captions": args.n, "requests": requests}))


if __name__ == "__main__":
    main()
