"""A meme's life over the API, and who may do what to it."""

import pytest

from memes.models import Caption, Meme
from tests.api.conftest import assert_error
from tests.conftest import media_files
from tests.factories import make_caption, make_meme, photo_bytes, upload

pytestmark = pytest.mark.django_db


def detail(public_id: str) -> str:
    return f"/api/v1/memes/{public_id}/"


def post_photo(client, data: bytes | None = None, **fields):
    payload = {"photo": upload(data if data is not None else photo_bytes()), **fields}
    return client.post("/api/v1/memes/", payload, format="multipart")


# --- upload and poll ----------------------------------------------------------------------------


def test_upload_is_accepted_then_polled_to_ready(
    owner_api, fake_analysis, django_capture_on_commit_callbacks, _media_root
):
    Caption.objects.all().delete()  # only ours, so the choice is known
    make_caption("When the {topic} | works", emotion="sad")
    fake_analysis("sad")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_photo(owner_api, topic="exams")
    assert response.status_code == 202, response.content
    body = response.json()
    meme = Meme.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/memes/{meme.public_id}/"
    assert body["id"] == meme.public_id and body["status"] == "queued" and body["finished"] is False
    assert body["image_url"] is None and body["faces"] == [] and body["topic"] == "exams"
    for callback in callbacks:  # the commit happens: the (eager) job runs
        callback()
    body = owner_api.get(response["Location"]).json()
    assert body["status"] == "ready" and body["ready"] and body["finished"]
    assert body["emotion"] == "sad" and body["is_owner"] is True and body["is_public"] is False
    assert (body["top_text"], body["bottom_text"]) == ("When the exams", "works")
    assert body["image_url"].startswith("http://testserver/media/memes/")
    assert body["thumbnail_url"].startswith("http://testserver/media/thumbs/")
    [face] = body["faces"]
    assert face["index"] == 1 and face["emotion"] == "sad"
    assert set(face["probabilities"]) == {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}
    assert face["probabilities"]["sad"] == pytest.approx(0.7)
    assert face["box"]["x"] == pytest.approx(640 * 0.3) and face["box_percent"]["left"] == pytest.approx(30)
    meme.refresh_from_db()
    assert meme.caption.text == "When the {topic} | works" and body["caption_source"] == "curated"
    # The only other caption for sad is the current one, which is never offered again.
    assert body["suggested_captions"] == []
    make_caption("Other {topic} | line", emotion="sad")
    body = owner_api.get(response["Location"]).json()
    assert body["suggested_captions"] == [
        {
            "id": Caption.objects.get(text__startswith="Other").pk,
            "top_text": "Other exams",
            "bottom_text": "line",
            "source": "curated",
        }
    ]
    # The image address really serves the meme.
    assert owner_api.get(body["image_url"]).status_code == 200
    assert len(media_files(_media_root)) == 3


def test_upload_with_emotion_override(owner_api, fake_analysis, django_capture_on_commit_callbacks):
    fake_analysis("happy")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(owner_api, emotion_override="angry")
    body = owner_api.get(response["Location"]).json()
    assert body["emotion"] == "angry" and body["emotion_override"] == "angry"


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"", "empty", "empty"),
        (b"this is not a picture at all", "not_image", "not an image"),
        (photo_bytes(fmt="BMP"), "format", "BMP"),  # GIF is accepted (tests/test_animated.py)
        (photo_bytes((800, 600), quality=95)[:20000], "damaged", "damaged"),
    ],
)
def test_bad_photos_are_readable_400s(owner_api, data, code, says):
    error = assert_error(post_photo(owner_api, data), 400, field="photo")
    assert says in error["fields"]["photo"][0] and says in error["message"]
    if data:  # DRF refuses an empty file itself, with its own code
        assert error["code"] == code
    assert not Meme.objects.exists()


def test_too_large_photo(owner_api, settings):
    settings.MEME_MAX_UPLOAD_BYTES = 1000
    error = assert_error(post_photo(owner_api), 400, "too_large", "photo")
    assert "at most" in error["message"]


def test_upload_field_errors(owner_api):
    error = assert_error(post_photo(owner_api, topic="x" * 61, emotion_override="bored"), 400, "invalid")
    assert set(error["fields"]) == {"topic", "emotion_override"}
    assert_error(owner_api.post("/api/v1/memes/", {}, format="multipart"), 400, field="photo")
    assert_error(
        owner_api.post("/api/v1/memes/", {"photo": "x"}, format="json"), 415, "unsupported_media_type"
    )


def test_upload_needs_a_token(api):
    assert_error(post_photo(api), 401, "not_authenticated")


# --- who can see a meme -------------------------------------------------------------------------


def test_private_meme_is_404_for_everyone_but_owner_and_staff(api, owner, owner_api, other_api, staff_api):
    meme = make_meme(owner, public=False)
    assert owner_api.get(detail(meme.public_id)).status_code == 200
    assert staff_api.get(detail(meme.public_id)).status_code == 200  # moderators see everything
    assert_error(other_api.get(detail(meme.public_id)), 404, "not_found")
    assert_error(api.get(detail(meme.public_id)), 404, "not_found")
    assert_error(api.get(detail("nosuchmeme1")), 404, "not_found")


def test_public_meme_for_a_stranger(api, owner):
    meme = make_meme(owner, caption=make_caption(), top_text="a", bottom_text="b")
    body = api.get(detail(meme.public_id)).json()
    assert body["is_owner"] is False and body["suggested_captions"] == [] and body["liked"] is False
    assert body["owner"] == {"username": "owner", "url": "http://testserver/api/v1/users/owner/"}
    assert body["web_url"] == f"http://testserver/m/{meme.public_id}/"


def test_hidden_meme_is_404_for_strangers(api, owner):
    meme = make_meme(owner, is_hidden=True)
    assert_error(api.get(detail(meme.public_id)), 404)


# --- edit, caption, retry -----------------------------------------------------------------------


def test_owner_edits_and_the_meme_is_drawn_again(owner_api, owner, _media_root):
    meme = make_meme(owner, top_text="old", bottom_text="text")
    before = (_media_root / meme.image.name).read_bytes()
    response = owner_api.patch(
        detail(meme.public_id), {"top_text": "new top", "font_size": 120, "text_color": "#FF0000"}
    )
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(detail(meme.public_id))
    body = response.json()
    assert (body["top_text"], body["bottom_text"]) == ("new top", "text")
    assert body["font_size"] == 120 and body["text_color"] == "#ff0000" and body["status"] == "ready"
    meme.refresh_from_db()
    assert (_media_root / meme.image.name).read_bytes() != before


def test_edit_errors(owner_api, owner):
    meme = make_meme(owner)
    error = assert_error(
        owner_api.patch(detail(meme.public_id), {"text_color": "red", "font_size": 10}), 400, "invalid"
    )
    assert set(error["fields"]) == {"text_color", "font_size"}
    assert_error(owner_api.patch(detail(meme.public_id), {"top_text": "x" * 201}), 400, field="top_text")
    assert_error(owner_api.patch(detail(meme.public_id), "[1", content_type="application/json"), 400)
    queued = make_meme(owner, status=Meme.Status.QUEUED)
    error = assert_error(owner_api.patch(detail(queued.public_id), {"top_text": "x"}), 400, "not_ready")
    assert "still being made" in error["message"]


def test_only_the_owner_edits(api, owner, other_api, staff_api):
    public, private = make_meme(owner), make_meme(owner, public=False)
    assert_error(api.patch(detail(public.public_id), {"top_text": "x"}), 401)
    assert_error(other_api.patch(detail(public.public_id), {"top_text": "x"}), 403, "permission_denied")
    assert_error(other_api.patch(detail(private.public_id), {"top_text": "x"}), 404)
    assert_error(staff_api.patch(detail(private.public_id), {"top_text": "x"}), 403)
    for path in ("caption", "publish", "unpublish", "retry"):
        assert_error(other_api.post(f"{detail(public.public_id)}{path}/", {"caption_id": 1}), 403)
        assert_error(other_api.post(f"{detail(private.public_id)}{path}/", {"caption_id": 1}), 404)
    public.refresh_from_db()
    assert public.top_text == "" and public.is_public


def test_choose_a_suggested_caption(owner_api, owner):
    meme = make_meme(owner, topic="pizza")
    caption = make_caption("I love {topic} | more than you", emotion="happy")
    response = owner_api.post(f"{detail(meme.public_id)}caption/", {"caption_id": caption.pk})
    assert response.status_code == 202 and "Location" in response
    assert (response.json()["top_text"], response.json()["bottom_text"]) == ("I love pizza", "more than you")
    unapproved = make_caption("Nope", approved=False)
    error = assert_error(
        owner_api.post(f"{detail(meme.public_id)}caption/", {"caption_id": unapproved.pk}), 400, "caption"
    )
    assert error["fields"] == {"caption_id": ["That caption is not available."]}
    assert_error(owner_api.post(f"{detail(meme.public_id)}caption/", {"caption_id": "x"}), 400)


def test_retry_a_failed_meme(owner_api, owner, django_capture_on_commit_callbacks):
    failed = make_meme(owner, status=Meme.Status.FAILED, failure_reason="boom")
    with django_capture_on_commit_callbacks(execute=False):
        response = owner_api.post(f"{detail(failed.public_id)}retry/")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    ready = make_meme(owner)
    assert_error(owner_api.post(f"{detail(ready.public_id)}retry/"), 400, "not_failed")


# --- publish, delete, hide ----------------------------------------------------------------------


def test_publish_and_unpublish(api, owner_api, owner):
    meme = make_meme(owner, public=False)
    response = owner_api.post(f"{detail(meme.public_id)}publish/")
    assert response.status_code == 200 and response.json()["is_public"] is True
    assert api.get(detail(meme.public_id)).status_code == 200
    assert owner_api.post(f"{detail(meme.public_id)}publish/").status_code == 200  # idempotent
    assert owner_api.post(f"{detail(meme.public_id)}unpublish/").json()["is_public"] is False
    assert_error(api.get(detail(meme.public_id)), 404)
    queued = make_meme(owner, public=False, status=Meme.Status.QUEUED)
    assert_error(owner_api.post(f"{detail(queued.public_id)}publish/"), 400, "not_ready")


def test_owner_deletes_with_files(owner_api, owner, _media_root, django_capture_on_commit_callbacks):
    meme = make_meme(owner)
    with django_capture_on_commit_callbacks(execute=True):  # files go once the delete is committed
        assert owner_api.delete(detail(meme.public_id)).status_code == 204
    assert not Meme.objects.exists() and media_files(_media_root) == []
    assert_error(owner_api.delete(detail(meme.public_id)), 404)


def test_delete_permissions(api, owner, other_api, staff_api):
    public, private = make_meme(owner), make_meme(owner, public=False)
    assert_error(api.delete(detail(public.public_id)), 401)
    assert_error(other_api.delete(detail(public.public_id)), 403)
    assert_error(other_api.delete(detail(private.public_id)), 404)
    assert Meme.objects.count() == 2
    assert staff_api.delete(detail(private.public_id)).status_code == 204  # moderation
    assert list(Meme.objects.all()) == [public]


def test_staff_hide_and_unhide(api, owner, owner_api, other_api, staff_api):
    meme = make_meme(owner)
    assert_error(other_api.post(f"{detail(meme.public_id)}hide/"), 403)
    assert_error(owner_api.post(f"{detail(meme.public_id)}hide/"), 403)
    assert staff_api.post(f"{detail(meme.public_id)}hide/").json()["is_hidden"] is True
    assert api.get("/api/v1/feed/").json()["results"] == []
    assert owner_api.get(detail(meme.public_id)).json()["is_hidden"] is True  # the owner still sees it
    assert staff_api.post(f"{detail(meme.public_id)}unhide/").json()["is_hidden"] is False
    assert [m["id"] for m in api.get("/api/v1/feed/").json()["results"]] == [meme.public_id]
