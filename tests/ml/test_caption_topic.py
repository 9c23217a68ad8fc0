"""Photo -> topic: a confident ImageNet label for a cat photo, nothing for a portrait."""

from __future__ import annotations

import pytest
from PIL import Image

from ml.caption import photo_topic
from ml.caption.topic import topic_from_label

pytestmark = pytest.mark.slow


def test_cat_photo_gets_a_cat_topic() -> None:
    from skimage import data

    assert "cat" in photo_topic(Image.fromarray(data.chelsea()))


def test_portrait_gets_no_topic(astronaut: Image.Image) -> None:
    assert photo_topic(astronaut) == ""


def test_label_to_topic() -> None:
    assert topic_from_label("tabby, tabby cat") == "tabby"
    assert topic_from_label("Granny Smith") == "granny smith"
