"""The words a model-written caption may use: those at least MIN_CAPTIONS cleaned ImgFlip captions use, and
every word of our curated captions, less what the model's strict bar blocks.

Most of what readers found unfit in the model's output that the lists did not hold came with a rare word: a
name ("jimmie", "ferguson"), an event, a misspelt slur ("bich"), slang ("dafuq", "wack"). 53 of the 113 unfit
lines in tests/ml/test_caption_safety.py by read 8 hold a word under 50 captions; 73 % of shown captions used
only words over it (ml/weights/CAPTIONER_CARD.md). Words with a digit are never in it (9/11, 420, 666; small
counts and ordinals pass, safety.SMALL_NUMBER). The person's topic brings its own words
(ml.caption.safety.outside_vocabulary).

The list ships (ml/caption/vocabulary.txt: single common words, no caption text); rebuilt with

    python -m ml.caption.vocabulary --corpus var/captions/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from ml.caption.corpus import curated_examples
from ml.caption.safety import MODEL_VOCABULARY_PATH, blocked_words
from ml.caption.words import plain_words

MIN_CAPTIONS = 50


def build_vocabulary(*, corpus: Path, min_captions: int = MIN_CAPTIONS) -> list[str]:
    """Sorted words used by at least min_captions corpus captions or by a curated one, none with a digit
    and none the strict bar blocks."""
    counts: Counter[str] = Counter()
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            counts.update(set(plain_words(f"{row['top']} {row['bottom']}")))
    words = {w for w, n in counts.items() if n >= min_captions}
    for example in curated_examples():
        words.update(plain_words(f"{example.top} {example.bottom}".replace("{topic}", " ")))
    # What a word says, not its form ("the you": put-downs open on "you"; names are capitalised).
    return sorted(
        w
        for w in words
        if not any(c.isdigit() for c in w) and not blocked_words(f"the {w}", strict=True, form=False)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("var/captions/corpus.jsonl"))
    parser.add_argument("--min-captions", type=int, default=MIN_CAPTIONS)
    parser.add_argument("--out", type=Path, default=MODEL_VOCABULARY_PATH)
    args = parser.parse_args(argv)
    words = build_vocabulary(corpus=args.corpus, min_captions=args.min_captions)
    built = f"python -m ml.caption.vocabulary --min-captions {args.min_captions}"
    header = f"# {len(words)} words; built by {built}\n"
    args.out.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {args.out}")


if __name__ == "__main__":
    main()
