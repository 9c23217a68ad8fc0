"""Originality: hashed n-grams reject verbatim and near-verbatim copies, not new captions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ml.caption.model_files import NGRAMS_PATH
from ml.caption.originality import NgramIndex, build

CAPTIONS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "captions" / "imgflip_captions.jsonl"
)
LINE = ("When the teacher says the test is open book", "but the book is in another language")


@pytest.fixture
def tiny_index() -> NgramIndex:
    return build([LINE, ("Something else entirely", "about cats and their many naps")])


def test_verbatim_copy_is_rejected(tiny_index: NgramIndex) -> None:
    assert tiny_index.is_copy(*LINE)
    assert tiny_index.is_copy(LINE[0].upper(), LINE[1] + "!!")  # case and punctuation don't hide a copy
    assert tiny_index.is_copy(LINE[0], "")  # one copied line is a copy


def test_near_copy_is_rejected(tiny_index: NgramIndex) -> None:
    # One word changed at the end: most 4-grams are still the corpus's.
    assert tiny_index.is_copy(LINE[0], "but the book is in another alphabet")


def test_new_caption_passes(tiny_index: NgramIndex) -> None:
    assert not tiny_index.is_copy("When the teacher smiles", "and my homework is still at home")
    assert not tiny_index.is_copy("Cats", "")


def test_save_and_load_round_trip(tiny_index: NgramIndex, tmp_path: Path) -> None:
    path = tmp_path / "ngrams.npz"
    tiny_index.save(path)
    assert NgramIndex.load(path).is_copy(*LINE)


@pytest.mark.skipif(not CAPTIONS.is_file(), reason="../shared/data/captions is not on this machine")
def test_shipped_set_rejects_real_imgflip_captions() -> None:
    index = NgramIndex.load(NGRAMS_PATH)
    rows = []
    with CAPTIONS.open() as lines:
        for i, line in enumerate(lines):
            if i % 9000 == 0:
                boxes = json.loads(line)["boxes"]
                if len(" ".join(boxes).split()) >= 5:
                    rows.append(boxes)
    assert len(rows) >= 20
    copies = sum(index.is_copy(boxes[0], " ".join(boxes[1:])) for boxes in rows)
    assert copies == len(rows)
    assert NGRAMS_PATH.stat().st_size < 12_000_000


def test_a_templates_stock_line_is_not_a_copy_but_the_other_line_is_judged() -> None:
    stock = "What if I told you"
    index = build(
        [(stock, f"the cat number {i} was asleep all along") for i in range(3)] + [LINE], stock_min=3
    )
    assert index.is_stock(stock) and not index.is_stock(LINE[0])
    assert not index.is_copy(stock, "my homework ate the dog")  # a new line beside the stock one
    assert index.is_copy(stock, "the cat number 1 was asleep all along")  # the whole caption
    assert index.is_copy(stock, LINE[1])  # a copied line beside the stock one
    assert index.is_copy(stock, "")  # nothing of its own
    assert index.is_copy(LINE[0], "my homework ate the dog")  # a copied line that is not stock


def test_stock_lines_survive_save_and_load(tmp_path: Path) -> None:
    index = build([("What if I told you", f"case {i}") for i in range(3)], stock_min=3)
    index.save(tmp_path / "ngrams.npz")
    assert NgramIndex.load(tmp_path / "ngrams.npz").is_stock("what if I TOLD you!")
