"""Originality check: is a generated caption a verbatim or near-verbatim copy of an ImgFlip caption?

What ships (ml/weights/captioner_ngrams.npz) is a Bloom filter of 64-bit hashes, never the text: every word
4-gram of every ImgFlip caption (all 377k, all templates), plus each whole caption and each box. A candidate
is a
copy when its whole text or one of its lines is in the set, or when most (>= NEAR_COPY_SHARE) of its 4-grams
are.

    python -m ml.caption.originality --data ../shared/data/captions --out ml/weights/captioner_ngrams.npz
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

N = 4
NEAR_COPY_SHARE = 0.6
BITS_PER_ITEM = 12  # ~0.3 % false positives with 8 hash functions
N_HASHES = 8


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def _hash(item: str) -> int:
    return int.from_bytes(hashlib.blake2b(item.encode(), digest_size=8).digest(), "little")


def caption_keys(top: str, bottom: str) -> tuple[list[str], list[str]]:
    """(whole-text keys: the caption and each non-trivial line; its word 4-gram keys)."""
    ws = words(f"{top} {bottom}")
    wholes = ["=" + " ".join(ws)]
    wholes += ["=" + " ".join(words(line)) for line in (top, bottom) if len(words(line)) >= 3]
    grams = [" ".join(ws[i : i + N]) for i in range(len(ws) - N + 1)]
    return wholes, grams


class NgramIndex:
    """A Bloom filter over string keys (double hashing from one 64-bit blake2b hash)."""

    def __init__(self, bits: np.ndarray) -> None:
        self.bits = bits
        self.n_bits = bits.size * 8

    @classmethod
    def empty(cls, capacity: int) -> NgramIndex:
        return cls(np.zeros(max(64, capacity * BITS_PER_ITEM // 8), dtype=np.uint8))

    def _positions(self, key: str) -> np.ndarray:
        h = _hash(key)
        h1, h2 = h & 0xFFFFFFFF, (h >> 32) | 1
        return (h1 + np.arange(N_HASHES, dtype=np.uint64) * h2) % self.n_bits

    def add(self, key: str) -> None:
        pos = self._positions(key)
        np.bitwise_or.at(self.bits, (pos // 8).astype(np.int64), (1 << (pos % 8)).astype(np.uint8))

    def __contains__(self, key: str) -> bool:
        pos = self._positions(key)
        return bool(np.all(self.bits[(pos // 8).astype(np.int64)] & (1 << (pos % 8)).astype(np.uint8)))

    def add_caption(self, top: str, bottom: str) -> None:
        wholes, grams = caption_keys(top, bottom)
        for key in wholes + grams:
            self.add(key)

    def is_copy(self, top: str, bottom: str) -> bool:
        """True when the caption (or one of its lines) is in the set, or most of its 4-grams are."""
        wholes, grams = caption_keys(top, bottom)
        if any(key in self for key in wholes):
            return True
        if not grams:
            return False
        return sum(g in self for g in grams) / len(grams) >= NEAR_COPY_SHARE

    def save(self, path: Path) -> None:
        np.savez(path, bits=self.bits, n=N, share=NEAR_COPY_SHARE, hashes=N_HASHES)

    @classmethod
    def load(cls, path: Path) -> NgramIndex:
        with np.load(path) as data:
            return cls(data["bits"])


def build(captions: Iterable[tuple[str, str]]) -> NgramIndex:
    """The filter for all keys of captions, set in one vectorised pass (5M keys: seconds, not minutes)."""
    hashes = np.array(
        [_hash(key) for top, bottom in captions for part in caption_keys(top, bottom) for key in part],
        dtype=np.uint64,
    )
    hashes = np.unique(hashes)
    index = NgramIndex.empty(hashes.size)
    h1, h2 = hashes & np.uint64(0xFFFFFFFF), (hashes >> np.uint64(32)) | np.uint64(1)
    on = np.zeros(index.n_bits, dtype=bool)
    for i in range(N_HASHES):
        on[((h1 + np.uint64(i) * h2) % np.uint64(index.n_bits)).astype(np.int64)] = True
    index.bits = np.packbits(on, bitorder="little")
    return index


def imgflip_captions(path: Path) -> Iterable[tuple[str, str]]:
    """Every ImgFlip caption as (first box, the other boxes joined): all templates, all box counts."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            boxes = json.loads(line)["boxes"]
            yield (boxes[0] if boxes else ""), " ".join(boxes[1:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/captions"))
    parser.add_argument("--out", type=Path, default=Path("ml/weights/captioner_ngrams.npz"))
    args = parser.parse_args(argv)
    captions = list(imgflip_captions(args.data / "imgflip_captions.jsonl"))
    index = build(captions)
    index.save(args.out)
    print(json.dumps({"captions": len(captions), "bytes": int(index.bits.size)}))


if __name__ == "__main__":
    main()
