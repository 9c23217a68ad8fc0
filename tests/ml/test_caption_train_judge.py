"""The judge's training helpers (ml.caption.train_judge): labels, labels by hash, the embeddings cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.caption.judge import embed, load_encoder
from ml.caption.train_judge import (
    HUMAN_LABELS_PATH,
    caption_key,
    embed_cached,
    read_human_labels,
    unfit_by_the_lists,
)


def test_the_lists_label_what_they_block_and_nothing_for_form() -> None:
    texts = ["Nobody wants you here, you faggot", "When the pizza arrives ten minutes early"]
    # the model's rules about form (a capitalised name, a sentence opening on "you") block these for the
    # model but say nothing of meaning, so they are no label
    form = ["When Zorblat says hi", "So you think you can dance"]
    assert unfit_by_the_lists(texts + form) == [True, False, False, False]


def test_a_caption_key_names_the_words_not_their_case_or_punctuation() -> None:
    assert caption_key("When the PIZZA arrives!") == caption_key("when the pizza arrives")
    assert caption_key("when the pizza arrives") != caption_key("when the pizza leaves")
    assert len(caption_key("x")) == 16


def test_peoples_labels_ship_as_hashes_with_borderline_as_unfit(tmp_path: Path) -> None:
    shipped = read_human_labels(HUMAN_LABELS_PATH)
    assert len(shipped) == 6000 and 0.3 < sum(shipped.values()) / len(shipped) < 0.5
    path = tmp_path / "labels.tsv"
    path.write_text("# comment\nabc\tunfit\ndef\tborderline\nghi\tfit\n")
    assert read_human_labels(path) == {"abc": True, "def": True, "ghi": False}


@pytest.mark.slow
def test_embeddings_are_cached_by_caption_key(tmp_path: Path) -> None:
    encoder = load_encoder()
    cache = tmp_path / "embeddings.npz"
    first = embed_cached(encoder, ["Monday morning", "already tired"], cache)
    assert np.allclose(first, embed(encoder, ["Monday morning", "already tired"]), atol=1e-5)
    # the cached vector is reused as it was stored: a changed one comes back changed
    with np.load(cache) as saved:
        keys, vectors = saved["keys"], saved["vectors"].copy()
    vectors[list(keys).index(caption_key("Monday morning"))] = 0.0
    np.savez(cache, keys=keys, vectors=vectors)
    again = embed_cached(encoder, ["MONDAY morning!", "wifi is back"], cache)
    assert not again[0].any() and np.allclose(again[1], embed(encoder, ["wifi is back"])[0], atol=1e-5)
    with np.load(cache) as saved:
        assert len(saved["keys"]) == 3
