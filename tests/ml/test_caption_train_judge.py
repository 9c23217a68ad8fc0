"""The judge's training helpers (ml.caption.train_judge): labels, labels by hash, the embeddings cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.caption.judge import JudgeWeights, embed, judge_text, load_encoder
from ml.caption.train_judge import (
    HUMAN_LABELS_PATH,
    average,
    caption_key,
    embed_cached,
    read_human_labels,
    read_model_labels,
    read_model_rows,
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


def test_the_models_captions_as_people_read_them(tmp_path: Path) -> None:
    path = tmp_path / "model_labels.tsv"
    path.write_text(
        "# comment\nunfit\tbeer\tWhen the beer is gone\tI cry\nborderline\t\tAlone\tat last\n"
        "fit\t\tMonday morning\t\n",
        encoding="utf-8",
    )
    # the topic is read as "it", as the judge reads it in the product; borderline counts as unfit
    assert read_model_labels(path) == [
        (judge_text("When the beer is gone", "I cry", topic="beer"), True),
        ("Alone at last", True),
        ("Monday morning", False),
    ]


def test_the_models_captions_sit_in_the_read_that_labelled_them(tmp_path: Path) -> None:
    path = tmp_path / "measured.tsv"
    path.write_text(
        "# header\nfit\t\tBefore any read\t\n# Read 21: a sample\n# more about it\nunfit\t\tA\tB\n"
        "# Read 22: another\nborderline\t\tC\t\nfit\t\tD\t\n",
        encoding="utf-8",
    )
    rows = read_model_rows(path)
    assert [(r.read, r.text, r.label, r.unfit) for r in rows] == [
        (None, "Before any read", "fit", False),
        (21, "A B", "unfit", True),
        (22, "C", "borderline", True),
        (22, "D", "fit", False),
    ]


def test_averaged_perceptrons_score_the_mean_of_their_logits() -> None:
    rng = np.random.default_rng(0)

    def perceptron() -> JudgeWeights:
        return JudgeWeights(
            hidden_weights=rng.normal(scale=0.05, size=(384, 8)).astype(np.float32),
            hidden_bias=rng.normal(size=8).astype(np.float32),
            out_weights=rng.normal(size=8).astype(np.float32),
            out_bias=float(rng.normal()),
            threshold=0.4,
        )

    judges = [perceptron() for _ in range(3)]
    vectors = rng.normal(size=(5, 384)).astype(np.float32)
    logits = np.mean([np.log(p / (1 - p)) for p in (j.probabilities(vectors) for j in judges)], axis=0)
    both = average(judges)
    assert both.hidden_weights.shape == (384, 24) and both.threshold == 0.4
    assert np.allclose(both.probabilities(vectors), 1 / (1 + np.exp(-logits)), atol=1e-5)


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
