"""The captioner's training corpus: ImgFlip captions labelled by template emotion, cleaned, plus our curated
ones.

The ImgFlip text has no licence: it is built into a gitignored folder (default var/captions/) and never
committed;
what ships is the template -> emotion mapping (templates_emotions.json) and this code.

    python -m ml.caption.corpus --data ../shared/data/captions --out var/captions
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ml.caption.safety import safe_mask
from ml.emotions import EMOTIONS

MAPPING_PATH = Path(__file__).with_name("templates_emotions.json")
MIN_CHARS, MAX_CHARS = 8, 110
URL = re.compile(r"https?://|www\.|\.com\b|\.net\b|\.org\b|imgflip", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    emotion: str
    top: str
    bottom: str
    source: str  # "imgflip" or "curated"


def load_template_emotions(path: Path = MAPPING_PATH) -> dict[str, str | None]:
    """Template name -> emotion (or None: not used)."""
    mapping = json.loads(path.read_text(encoding="utf-8"))["templates"]
    for name, (emotion, _reason) in mapping.items():
        if emotion is not None and emotion not in EMOTIONS:
            raise ValueError(f"{name}: unknown emotion {emotion!r}")
    return {name: emotion for name, (emotion, _reason) in mapping.items()}


def tidy_box(text: str) -> str:
    """One box as sentence case: ImgFlip is mostly ALL CAPS, which costs the tokenizer ~2x the tokens."""
    text = " ".join(text.replace("|", "/").split())
    if text.isupper() or sum(c.isupper() for c in text) > 0.6 * max(1, sum(c.isalpha() for c in text)):
        text = text.lower()
        text = re.sub(r"\bi\b", "I", text)
        text = re.sub(r"\bi'", "I'", text)
    return text[:1].upper() + text[1:]


def clean_boxes(boxes: list[str]) -> tuple[str, str] | None:
    """(top, bottom) for a 1-2 box caption of 8-110 characters without web addresses, else None."""
    boxes = [b for b in (tidy_box(b) for b in boxes) if b]
    if not 1 <= len(boxes) <= 2:
        return None
    top, bottom = boxes[0], boxes[1] if len(boxes) == 2 else ""
    joined = f"{top} {bottom}".strip()
    if not MIN_CHARS <= len(joined) <= MAX_CHARS or URL.search(joined):
        return None
    return top, bottom


def dedupe_key(top: str, bottom: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", f"{top} {bottom}".lower()))


def read_imgflip(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def unique_clean_captions(rows: Iterable[dict], dropped: Counter) -> Iterator[tuple[dict, tuple[str, str]]]:
    """(row, cleaned boxes) for each row whose boxes clean (clean_boxes) and whose words were not seen
    before; what was dropped why is counted in `dropped`."""
    seen: set[str] = set()
    for row in rows:
        boxes = clean_boxes(row["boxes"])
        if boxes is None:
            dropped["boxes/length/url"] += 1
            continue
        key = dedupe_key(*boxes)
        if key in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(key)
        yield row, boxes


def imgflip_examples(path: Path, mapping: dict[str, str | None]) -> tuple[list[Example], Counter]:
    """Cleaned, deduplicated, safe ImgFlip captions of mapped templates, and what was dropped why."""
    dropped: Counter = Counter()

    def mapped(rows: Iterable[dict]) -> Iterator[dict]:
        for row in rows:
            if mapping.get(row["template"]) is None:
                dropped["template not mapped"] += 1
            else:
                yield row

    kept = [
        Example(mapping[row["template"]], top, bottom, "imgflip")
        for row, (top, bottom) in unique_clean_captions(mapped(read_imgflip(path)), dropped)
    ]
    safe = safe_mask([f"{e.top} {e.bottom}" for e in kept])
    dropped["offensive"] = safe.count(False)
    return [e for e, ok in zip(kept, safe, strict=True) if ok], dropped


def curated_examples() -> list[Example]:
    """Our curated captions (memes/seed_captions.py read as data: ml never imports Django); '{topic}' kept."""
    path = Path(__file__).resolve().parents[2] / "memes" / "seed_captions.py"
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # a plain dict literal
    out = []
    for emotion, lines in namespace["SEED_CAPTIONS"].items():
        for line in lines:
            top, _, bottom = line.partition("|")
            out.append(Example(emotion, top.strip(), bottom.strip(), "curated"))
    return out


def write_jsonl(path: Path, rows: Iterable[Example]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_jsonl(path: Path) -> list[Example]:
    with path.open(encoding="utf-8") as lines:
        return [Example(**json.loads(line)) for line in lines]


def build(*, data: Path, out: Path, seed: int = 0) -> dict:
    """Write out/corpus.jsonl (all cleaned mapped captions, shuffled) and out/corpus_report.json."""
    mapping = load_template_emotions()
    examples, dropped = imgflip_examples(data / "imgflip_captions.jsonl", mapping)
    random.Random(seed).shuffle(examples)
    write_jsonl(out / "corpus.jsonl", examples)
    report = {
        "kept": len(examples),
        "per_emotion": dict(Counter(e.emotion for e in examples)),
        "dropped": dict(dropped),
        "curated": len(curated_examples()),
    }
    (out / "corpus_report.json").write_text(json.dumps(report, indent=1))
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/captions"))
    parser.add_argument("--out", type=Path, default=Path("var/captions"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(build(data=args.data, out=args.out, seed=args.seed), indent=1))


if __name__ == "__main__":
    main()
