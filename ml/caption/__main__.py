"""python -m ml.caption --emotion E [--topic T] [--n N] [--seed S] --json

Prints N captions (fewer only when the filters rejected every candidate twice), each past the safety and
originality filters. Exit status 2 on bad arguments, 3 when the model cannot load (the message says why).
"""

from __future__ import annotations

import argparse
import json
import sys

from ml.emotions import EMOTIONS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ml.caption", description="Write meme captions for an emotion."
    )
    parser.add_argument("--emotion", required=True, choices=EMOTIONS)
    parser.add_argument("--topic", default="")
    parser.add_argument("--n", type=int, default=1)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print a JSON list of {top, bottom}")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= 20:
        parser.error("--n must be between 1 and 20")

    from ml.caption import CaptionerUnavailable, generate_captions

    try:
        captions = generate_captions(emotion=args.emotion, topic=args.topic, n=args.n, seed=args.seed)
    except CaptionerUnavailable as exc:
        print(f"captioner unavailable: {exc}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps([{"top": c.top, "bottom": c.bottom} for c in captions], ensure_ascii=False))
    else:
        for c in captions:
            print(f"{c.top} / {c.bottom}   (score {c.score:+.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
