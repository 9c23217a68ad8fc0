"""Text layouts on the Django side: the pipeline places the caption around the faces, the layout is
stored and drawn, the classic fields stay in step with it, and the web editor saves it."""

import json

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image

from memes import checks, layouts, limits
from memes.models import Meme
from memes.services import memes as meme_services
from memes.services import pipeline
from ml import render
from ml.layout import TextBox, covered_fraction
from tests.factories import fake_analyzer, make_caption, make_meme, make_user

pytestmark = pytest.mark.django_db


def _box(**fields):
    return {**TextBox("x", x=0.1, y=0.1, width=0.5, height=0.2).to_dict(), **fields}


def test_pipeline_keeps_the_caption_off_the_face():
    image = Image.new("RGB", (640, 480), (90, 120, 150))
    result = pipeline.run_pipeline(image, analyzer=fake_analyzer("happy"))
    face = result.faces[0]["box"]
    assert len(result.boxes) == 2 and [b.text for b in result.boxes] == [result.top_text, result.bottom_text]
    assert all(covered_fraction(box, face, image.size) == 0 for box in result.boxes)
    expected = render.render_layout(image, result.boxes)
    assert np.array_equal(np.asarray(result.image), np.asarray(expected))


def test_the_job_stores_the_layout_with_the_meme(user):
    meme = make_meme(user, status=Meme.Status.QUEUED)
    meme = pipeline.meme_process(meme_id=meme.pk, analyzer=fake_analyzer("sad"))
    assert len(meme.boxes) == 2
    assert [box["text"] for box in meme.boxes] == [meme.top_text, meme.bottom_text]
    assert layouts.meme_boxes(Meme.objects.get(pk=meme.pk))[0].text == meme.top_text


def test_update_with_boxes_then_classic_fields(user, _media_root):
    meme = make_meme(user, top_text="a", bottom_text="b")
    before = (_media_root / meme.image.name).read_bytes()
    boxes = [_box(text="one"), _box(text="two", y=0.5), _box(text="three", y=0.75, color="#00ff00")]
    meme = meme_services.meme_update(meme=meme, user=user, boxes=boxes)
    assert (meme.top_text, meme.bottom_text) == ("one", "two") and len(meme.boxes) == 3
    assert (_media_root / meme.image.name).read_bytes() != before
    meme = meme_services.meme_update(meme=meme, user=user, top_text="uno", font_size=140)
    assert [b["text"] for b in meme.boxes] == ["uno", "two", "three"]
    assert {b["size"] for b in meme.boxes} == {140} and meme.boxes[1]["y"] == 0.5


def test_choosing_a_caption_keeps_the_layout(user):
    meme = make_meme(user)
    meme = meme_services.meme_update(
        meme=meme, user=user, boxes=[_box(text="a", x=0.3), _box(text="b"), _box()]
    )
    caption = make_caption("Top line | bottom line")
    meme = meme_services.meme_choose_caption(meme=meme, user=user, caption_id=caption.pk)
    assert [b["text"] for b in meme.boxes] == ["Top line", "bottom line", "x"] and meme.boxes[0]["x"] == 0.3


def test_a_bad_layout_changes_nothing(user):
    meme = make_meme(user, top_text="keep")
    with pytest.raises(ValidationError):
        meme_services.meme_update(meme=meme, user=user, boxes=[_box(size=5)])
    meme.refresh_from_db()
    assert meme.top_text == "keep" and meme.boxes is None


def test_check_boxes():
    assert checks.check_boxes("[]") == []
    (box,) = checks.check_boxes([{"text": "  hi\n there ", "x": 0.5, "width": 0.5000001}])
    assert box.text == "hi there" and box.width <= 0.5
    for bad in (
        "{",
        {"text": "x"},
        [1],
        [{"x": float("nan")}],
        [{"x": True}],
        [{"text": 5}],
        [{"outline_width": limits.OUTLINE_WIDTH_MAX + 1}],
        [{"size": 99.5}],
        [{"valign": "up"}],
        [{"outline_color": "#12345"}],
        [{"y": 0.9, "height": 0.2}],
    ):
        with pytest.raises(ValidationError) as info:
            checks.check_boxes(bad)
        assert info.value.code == "boxes" and len(info.value.messages[0]) > 10


# --- the web editor ---------------------------------------------------------------------------


def test_owner_page_carries_the_editor(user_client, user):
    meme = make_meme(user, top_text="hello")
    page = user_client.get(f"/m/{meme.public_id}/").content.decode()
    assert 'id="meme-layout"' in page and 'id="editor-config"' in page and "js/editor.js" in page
    config = json.loads(page.split('id="editor-config" type="application/json">')[1].split("</script>")[0])
    assert config["limits"]["max_boxes"] == limits.BOXES_MAX and config["metrics"]["ascent"] > 0
    other = Client()
    other.force_login(make_user())
    assert 'id="editor-config"' not in other.get(f"/m/{meme.public_id}/").content.decode()


def test_web_edit_saves_the_layout(user_client, user):
    meme = make_meme(user)
    boxes = [_box(text="web top"), _box(text="web bottom", y=0.6), _box(text="more", y=0.35)]
    response = user_client.post(f"/m/{meme.public_id}/edit/", {"boxes": json.dumps(boxes)})
    assert response.status_code == 302
    meme.refresh_from_db()
    assert meme.top_text == "web top" and len(meme.boxes) == 3


def test_web_edit_with_a_bad_layout_says_why(user_client, user):
    meme = make_meme(user, top_text="keep")
    response = user_client.post(f"/m/{meme.public_id}/edit/", {"boxes": "[{"}, follow=True)
    assert response.status_code == 200 and "could not be read" in response.content.decode()
    response = user_client.post(
        f"/m/{meme.public_id}/edit/", {"boxes": "[]"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    response = user_client.post(
        f"/m/{meme.public_id}/edit/",
        {"boxes": json.dumps([_box()] * (limits.BOXES_MAX + 1))},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400 and f"at most {limits.BOXES_MAX}" in response.json()["error"]


def test_web_edit_without_javascript_still_uses_top_and_bottom(user_client, user):
    meme = make_meme(user)
    data = {"top_text": "plain", "bottom_text": "form", "font_size": 110, "text_color": "#ffffff"}
    assert user_client.post(f"/m/{meme.public_id}/edit/", data).status_code == 302
    meme.refresh_from_db()
    assert [b["text"] for b in meme.boxes] == ["plain", "form"] and meme.font_size == 110
