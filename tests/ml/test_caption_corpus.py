"""The captioner's corpus: template mapping, cleaning rules, topics drawn from captions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ml.caption.corpus import MAPPING_PATH, clean_boxes, load_template_emotions, tidy_box
from ml.caption.prompt import caption_prompt, caption_target, split_caption
from ml.caption.words import content_words
from ml.emotions import EMOTIONS

TEMPLATES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "captions" / "imgflip_templates.json"
)
CAPTIONS = TEMPLATES.with_name("imgflip_captions.jsonl")


def test_mapping_has_a_known_emotion_or_none_and_a_reason_for_each_template() -> None:
    raw = json.loads(MAPPING_PATH.read_text())["templates"]
    assert len(raw) == 88
    for name, (emotion, reason) in raw.items():
        assert emotion is None or emotion in EMOTIONS, name
        assert len(reason) > 5, name
    assert set(load_template_emotions().values()) - {None} == set(EMOTIONS)


@pytest.mark.skipif(not CAPTIONS.is_file(), reason="../shared/data/captions is not on this machine")
def test_mapping_covers_every_template_with_captions() -> None:
    names = set()
    with CAPTIONS.open() as lines:
        for line in lines:
            names.add(json.loads(line)["template"])
    assert names == set(load_template_emotions())


def test_clean_boxes_rules() -> None:
    assert clean_boxes(["ONE DOES NOT SIMPLY", "WALK INTO MORDOR"]) == (
        "One does not simply",
        "Walk into mordor",
    )
    assert clean_boxes(["Just one box here"]) == ("Just one box here", "")
    assert clean_boxes(["a", "b", "c"]) is None  # 3 boxes
    assert clean_boxes(["hi"]) is None  # under 8 characters
    assert clean_boxes(["x" * 60, "y" * 60]) is None  # over 110 characters
    assert clean_boxes(["visit imgflip.com", "for more"]) is None  # web address
    assert clean_boxes(["top | with a pipe", "bottom"]) == ("Top / with a pipe", "Bottom")


def test_tidy_box_sentence_cases_all_caps_and_keeps_i() -> None:
    assert tidy_box("WHEN I SEE IT") == "When I see it"
    assert tidy_box("Already fine") == "Already fine"


def test_content_words_skip_stopwords() -> None:
    assert content_words("When you study all night | and the exam is cancelled") == [
        "study",
        "night",
        "exam",
        "cancelled",
    ]


def test_prompt_round_trip() -> None:
    assert (
        caption_prompt(emotion="sad", topic="exams; finals")
        == "<|im_start|>emotion: sad; topic: exams, finals\n"
    )
    assert split_caption(caption_target(top="Top", bottom="bottom")) == ("Top", "bottom")
    assert split_caption("no separator") == ("no separator", "")
    assert split_caption(" | only bottom") is None
    assert split_caption("a | b | c") is None
