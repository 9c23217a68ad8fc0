"""The text layout over the API: GET returns the boxes, PATCH edits them (validated, drawn again),
and the classic top/bottom fields stay in step with the first two boxes."""

import numpy as np
import pytest
from PIL import Image

from memes import limits
from memes.models import Meme
from tests.api.conftest import assert_error
from tests.factories import make_meme

pytestmark = pytest.mark.django_db


def detail(public_id: str) -> str:
    return f"/api/v1/memes/{public_id}/"


BOX = {
    "text": "third",
    "x": 0.1,
    "y": 0.4,
    "width": 0.5,
    "height": 0.2,
    "size": 120,
    "color": "#FF0000",
    "outline_color": "#000000",
    "outline_width": 10,
    "align": "left",
    "case": "none",
}


def test_get_returns_the_layout_from_the_classic_fields(owner_api, owner):
    meme = make_meme(owner, top_text="top", bottom_text="bottom", font_size=120, text_color="#00ff00")
    body = owner_api.get(detail(meme.public_id)).json()
    assert [box["text"] for box in body["boxes"]] == ["top", "bottom"]
    assert {box["size"] for box in body["boxes"]} == {120} and {box["color"] for box in body["boxes"]} == {
        "#00ff00"
    }
    assert set(body["boxes"][0]) == {*BOX, "valign"}


def test_patch_boxes_draws_them_and_keeps_top_bottom_in_step(owner_api, owner, _media_root):
    meme = make_meme(owner, top_text="old", bottom_text="text")
    before = np.asarray(Image.open(_media_root / meme.image.name)).astype(int)
    boxes = [
        {**BOX, "text": "new top", "x": 0.05, "y": 0.05, "width": 0.9, "height": 0.3},
        {**BOX, "text": "new bottom", "x": 0.05, "y": 0.65, "width": 0.9, "height": 0.3, "color": "#ffffff"},
        BOX,
    ]
    response = owner_api.patch(detail(meme.public_id), {"boxes": boxes}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert [box["text"] for box in body["boxes"]] == ["new top", "new bottom", "third"]
    assert body["boxes"][0]["color"] == "#ff0000" and body["boxes"][2]["align"] == "left"
    assert (body["top_text"], body["bottom_text"], body["font_size"], body["text_color"]) == (
        "new top",
        "new bottom",
        120,
        "#ff0000",
    )
    meme.refresh_from_db()
    assert len(meme.boxes) == 3 and meme.top_text == "new top"
    after = np.asarray(Image.open(_media_root / meme.image.name)).astype(int)
    assert np.abs(after - before).sum(axis=2).astype(bool).mean() > 0.02  # drawn again
    red = (after[..., 0] > 200) & (after[..., 1] < 80) & (after[..., 2] < 80)
    assert red.any()  # the red boxes are there

    # The classic fields still work and land in the first two boxes; the third stays.
    response = owner_api.patch(detail(meme.public_id), {"bottom_text": "changed", "text_color": "#0000ff"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert [box["text"] for box in body["boxes"]] == ["new top", "changed", "third"]
    assert {box["color"] for box in body["boxes"]} == {"#0000ff"}
    assert body["boxes"][0]["y"] == 0.05  # positions kept


def test_patch_fewer_boxes_empties_the_classic_fields(owner_api, owner):
    meme = make_meme(owner, top_text="a", bottom_text="b")
    response = owner_api.patch(detail(meme.public_id), {"boxes": [{**BOX, "text": "only"}]}, format="json")
    assert response.status_code == 202, response.content
    assert (response.json()["top_text"], response.json()["bottom_text"]) == ("only", "")
    response = owner_api.patch(detail(meme.public_id), {"boxes": []}, format="json")
    assert response.json()["boxes"] == [] and response.json()["top_text"] == ""
    # and a top text brings the boxes back
    response = owner_api.patch(detail(meme.public_id), {"top_text": "back"}, format="json")
    assert [box["text"] for box in response.json()["boxes"]] == ["back"]


@pytest.mark.parametrize(
    ("boxes", "words"),
    [
        ([BOX] * (limits.BOXES_MAX + 1), f"at most {limits.BOXES_MAX}"),
        ([{**BOX, "x": 0.8, "width": 0.5}], "past the edge"),
        ([{**BOX, "size": limits.BOX_SIZE_MAX + 1}], "size"),
        ([{**BOX, "color": "red"}], "colour"),
        ([{**BOX, "align": "justify"}], "align"),
        ([{**BOX, "case": "title"}], "case"),
        ([{**BOX, "width": 0}], "width"),
        ([{**BOX, "text": "x" * (limits.TEXT_MAX_LENGTH + 1)}], "characters"),
        ("not json", "not JSON"),  # a string is read as JSON (form-encoded clients send it so)
        ({"text": "a dict"}, "list"),
    ],
)
def test_bad_layouts_are_400_with_a_message_and_change_nothing(owner_api, owner, boxes, words):
    meme = make_meme(owner, top_text="keep")
    error = assert_error(
        owner_api.patch(detail(meme.public_id), {"boxes": boxes}, format="json"), 400, field="boxes"
    )
    assert words in error["message"] or words in str(error["fields"]), error
    meme.refresh_from_db()
    assert meme.top_text == "keep" and meme.boxes is None


def test_only_the_owner_edits_the_layout(other_api, owner):
    meme = make_meme(owner)
    assert_error(other_api.patch(detail(meme.public_id), {"boxes": [BOX]}, format="json"), 403)
    assert Meme.objects.get(pk=meme.pk).boxes is None


def test_the_schema_documents_the_boxes(api):
    schema = api.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    box = next(value for name, value in components.items() if name.startswith("TextBox"))
    assert {"text", "x", "y", "width", "height", "size", "color", "align", "case"} <= set(box["properties"])
    assert box["properties"]["align"].get("enum") or "$ref" in str(box["properties"]["align"])
