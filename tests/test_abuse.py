"""Abuse and access (issue 9 §2), each with the repro that failed before: oversized bodies read
whole, extreme aspect ratios accepted, HTML 404s under /api/, private media cacheable, formula
injection in the caption export, comment ids probeable on the web, staff without permissions
moderating, and a view-only admin running the hide actions."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.http import multipartparser

from memes.models import Caption, Comment, Meme
from tests.factories import make_caption, make_meme, make_user, photo_bytes, upload

pytestmark = pytest.mark.django_db


# --- request bodies ----------------------------------------------------------------------------------


@pytest.fixture
def parser_spy(monkeypatch) -> list[int]:
    """Counts multipart parses: a refused body must never be parsed (read) at all."""
    calls: list[int] = []
    original = multipartparser.MultiPartParser.parse

    def parse(self: Any) -> Any:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", parse)
    return calls


def _big_multipart(size: int) -> tuple[bytes, str]:
    boundary = "XbOuNdArY"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return (
        head + b"\xff" * size + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def test_web_upload_over_the_limit_is_refused_before_the_body_is_read(user_client, parser_spy, settings):
    settings.MEME_MAX_UPLOAD_BYTES = 1024 * 1024
    body, content_type = _big_multipart(3 * 1024 * 1024)
    response = user_client.generic("POST", "/upload/", body, content_type=content_type)
    assert response.status_code == 413
    assert b"photos can be at most 1 MB" in response.content
    assert parser_spy == []
    assert not Meme.objects.exists()


def test_api_upload_over_the_limit_is_a_json_413_before_reading(user, parser_spy, settings):
    from tests.api.conftest import assert_error, token_client

    settings.MEME_MAX_UPLOAD_BYTES = 1024 * 1024
    body, content_type = _big_multipart(3 * 1024 * 1024)
    response = token_client(user).generic("POST", "/api/v1/memes/", body, content_type=content_type)
    error = assert_error(response, 413, "too_large")
    assert "1 MB" in error["message"] and parser_spy == []


def test_a_declared_60_mb_body_is_refused_from_its_header(user_client, parser_spy):
    """The repro: 60 MB against the 10 MB limit. The Content-Length alone decides; nothing is read."""
    response = user_client.generic(
        "POST",
        "/upload/",
        b"x",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(60 * 2**20),
    )
    assert response.status_code == 413 and parser_spy == []


def test_an_upload_at_the_limit_still_passes_the_cap(user_client, settings, parser_spy):
    settings.MEME_MAX_UPLOAD_BYTES = 1024 * 1024
    body, content_type = _big_multipart(1024 * 1024 - 1000)
    response = user_client.generic("POST", "/upload/", body, content_type=content_type)
    assert response.status_code == 400  # read and checked: not an image
    assert parser_spy == [1]


@pytest.mark.parametrize("size", [(20000, 100), (100, 20000), (3000, 100)])
def test_extreme_aspect_ratios_are_refused_with_the_sizes(user_client, size, fake_analysis):
    response = user_client.post(
        "/upload/", {"photo": upload(photo_bytes(size, "PNG"), "wide.png", "image/png")}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert f"{size[0]}x{size[1]}" in text and "too long and thin" in text
    assert not Meme.objects.exists()


def test_a_panorama_within_the_ratio_is_accepted(
    user_client, fake_analysis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post("/upload/", {"photo": upload(photo_bytes((1600, 400)))})
    assert response.status_code == 302


# --- /api/ answers are JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/memes/a%0Ab/publish/",
        "/api/v1/memes/a%0A/",
        "/api/v1/users/x%0Ay/",
        "/api/nothing%0A",
        "/api/v1/",
    ],
)
def test_every_api_404_is_json(client, path):
    from tests.api.conftest import assert_error

    assert_error(client.post(path) if "publish" in path else client.get(path), 404, "not_found")


# --- private media -----------------------------------------------------------------------------------


def test_private_media_is_not_cached_by_shared_caches(client):
    owner = make_user()
    private = make_meme(owner, public=False)
    public = make_meme(owner, public=True)
    client.force_login(owner)
    response = client.get(private.image.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    hidden = make_meme(owner, public=True, is_hidden=True)
    assert client.get(hidden.thumbnail.url)["Cache-Control"] == "private, no-store"
    assert "no-store" not in client.get(public.image.url).get("Cache-Control", "")
    assert client.get(f"/m/{private.public_id}/download/")["Cache-Control"] == "private, no-store"
    assert "no-store" not in client.get(f"/m/{public.public_id}/download/").get("Cache-Control", "")


# --- caption CSV export ----------------------------------------------------------------------------


def _exported_texts(caption: Caption) -> list[str]:
    from memes.services.captions import captions_export_csv

    out = io.StringIO()
    captions_export_csv(captions=Caption.objects.filter(pk=caption.pk), out=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    return [row["Caption_Text"] for row in rows]


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil","x") | b', "+1+1 | b", "-2+3 | b", "@SUM(A1) | b", "\t=1 | b", "\r=1 | b"],
)
def test_caption_export_neutralises_formulas(text):
    caption = Caption.objects.create(text=text, emotion="happy", approved=True)  # stored as sent
    assert _exported_texts(caption) == ["'" + text]


def test_caption_export_keeps_ordinary_text():
    caption = make_caption("When the build passes | first try")
    assert _exported_texts(caption) == ["When the build passes | first try"]


def test_admin_caption_export_is_neutralised(admin_client):
    caption = Caption.objects.create(text="=1+1 | b", emotion="happy", approved=True)
    response = admin_client.post(
        "/admin/memes/caption/", {"action": "export_csv", "_selected_action": [caption.pk]}
    )
    assert response.status_code == 200
    assert "'=1+1 | b" in response.content.decode()


# --- web comment delete: visibility first -----------------------------------------------------------


def test_web_comment_delete_on_a_private_meme_is_a_404_like_a_missing_one(client):
    owner, stranger = make_user(), make_user()
    meme = make_meme(owner, public=False)
    comment = Comment.objects.create(meme=meme, user=owner, text="mine")
    client.force_login(stranger)
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 404
    assert client.post(f"/comments/{comment.pk + 1000}/delete/").status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


# --- moderation needs its permission ------------------------------------------------------------------


def moderator(username: str = "mod") -> Any:
    user = make_user(username, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="moderate_meme", content_type__app_label="memes")
    )
    return user


def test_staff_without_permission_cannot_see_private_memes_or_moderate_over_the_api():
    from tests.api.conftest import assert_error, token_client

    staff = token_client(make_user("staff", is_staff=True))
    private = make_meme(public=False)
    public = make_meme(public=True)
    assert_error(staff.get(f"/api/v1/memes/{private.public_id}/"), 404)
    assert_error(staff.delete(f"/api/v1/memes/{public.public_id}/"), 403)
    assert_error(staff.post(f"/api/v1/memes/{public.public_id}/hide/"), 403)
    assert_error(staff.get("/api/v1/reports/"), 403)
    public.refresh_from_db()
    assert not public.is_hidden


def test_a_moderator_is_someone_with_the_permission():
    from tests.api.conftest import token_client

    client = token_client(moderator())
    private = make_meme(public=False)
    assert client.get(f"/api/v1/memes/{private.public_id}/").status_code == 200
    assert client.post(f"/api/v1/memes/{private.public_id}/hide/").status_code == 200
    assert client.get("/api/v1/reports/").status_code == 200
    assert client.delete(f"/api/v1/memes/{private.public_id}/").status_code == 204


def _admin_action(client, action: str, meme: Meme):
    return client.post("/admin/memes/meme/", {"action": action, "_selected_action": [meme.pk]})


@pytest.mark.parametrize("action", ["hide", "unhide"])
def test_view_only_admin_cannot_run_hide_actions(client, action):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_meme"))
    meme = make_meme(public=True, is_hidden=action == "unhide")
    client.force_login(viewer)
    page = client.get("/admin/memes/meme/")
    assert page.status_code == 200 and f'value="{action}"'.encode() not in page.content
    _admin_action(client, action, meme)
    meme.refresh_from_db()
    assert meme.is_hidden is (action == "unhide")  # unchanged


def test_admin_hide_actions_need_the_moderate_permission(client):
    mod = moderator()
    mod.user_permissions.add(Permission.objects.get(codename="view_meme"))
    meme = make_meme(public=True)
    client.force_login(mod)
    assert b'value="hide"' in client.get("/admin/memes/meme/").content
    _admin_action(client, "hide", meme)
    meme.refresh_from_db()
    assert meme.is_hidden
