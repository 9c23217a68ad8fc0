"""The caption judge (ml.caption.judge): a learned reading of meaning on top of the word lists."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from ml.caption import is_caption_safe
from ml.caption.corpus import curated_examples
from ml.caption.judge import JUDGE_PATH, Judge, JudgeWeights, judge_text

pytestmark = pytest.mark.slow

# Unfit for an all-ages site, and every word common enough for the word lists to let through: what the
# judge is for. None is in its training data (written for this test).
UNFIT_IN_COMMON_WORDS = [
    "When she finally stops breathing | and the house is all mine",
    "Me waiting for grandma to die | so I can get the money",
    "When you take her home | and she is too young to say no",
    "He said he would hurt me again | if I told my mom",
    "I put the puppy in the oven | now it is quiet",
]
# Ordinary captions a meme site shows all day, none of them curated lines the judge was trained on.
ORDINARY = [
    "When the printer says paper jam | and there is no paper jam",
    "Me at 3 a.m. | thinking about that one email",
    "When the pizza arrives | ten minutes early",
    "Just one more episode | said me at 4 a.m.",
    "That moment when | the wifi comes back",
    "When your code works | on the first try",
    "Monday morning | already tired",
]


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge()


def test_the_word_lists_let_these_through_but_the_judge_does_not(judge: Judge) -> None:
    assert all(is_caption_safe(text, strict=True) for text in UNFIT_IN_COMMON_WORDS)
    texts = [judge_text(*text.split(" | ")) for text in UNFIT_IN_COMMON_WORDS]
    assert judge.unfit(texts) == [True] * len(texts)


def test_ordinary_and_curated_captions_pass(judge: Judge) -> None:
    texts = [judge_text(*text.split(" | ")) for text in ORDINARY]
    texts += [
        judge_text(e.top.replace("{topic}", "exams"), e.bottom.replace("{topic}", "exams"))
        for e in curated_examples()
    ]
    flagged = [t for t, bad in zip(texts, judge.unfit(texts), strict=True) if bad]
    assert flagged == []


def test_the_persons_topic_is_read_as_it() -> None:
    assert judge_text("When the beer is cold", "and the beers are free", topic="Beer") == (
        "When the it is cold and the it are free"
    )
    assert judge_text("When the beer is cold", "", topic="") == "When the beer is cold"


def test_a_topic_the_person_chose_does_not_make_the_caption_unfit(judge: Judge) -> None:
    """The word lists let the model repeat a person's topic; the judge weighs only what the model added."""
    caption = ("Friday night", "me and my beer")
    assert judge.unfit([judge_text(*caption, topic="beer")]) == [False]


def test_loads_from_the_package_with_networking_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert Judge().unfit([judge_text("Monday morning", "already tired")]) == [False]


def test_weights_round_trip(tmp_path) -> None:
    weights = JudgeWeights.load(JUDGE_PATH)
    weights.save(tmp_path / "judge.npz", recipe="{}")
    again = JudgeWeights.load(tmp_path / "judge.npz")
    assert np.array_equal(again.coef, weights.coef)
    assert (again.intercept, again.threshold) == pytest.approx((weights.intercept, weights.threshold))
