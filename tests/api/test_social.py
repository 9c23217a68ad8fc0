"""Likes (idempotent), comments, reports and caption suggestions."""

import pytest

from memes.models import Caption, Comment, Like, Meme, Report
from tests.api.conftest import assert_error, token_client
from tests.factories import make_caption, make_meme, make_user

pytestmark = pytest.mark.django_db


def url(meme: Meme, action: str) -> str:
    return f"/api/v1/memes/{meme.public_id}/{action}/"


# --- likes --------------------------------------------------------------------------------------


def test_like_and_unlike_are_idempotent(other_api, other, owner):
    caption = make_caption()
    meme = make_meme(owner, caption=caption)
    for _ in range(2):
        assert other_api.put(url(meme, "like")).json() == {"liked": True, "like_count": 1}
    caption.refresh_from_db()
    assert caption.likes == 1  # counted once for the curators
    assert other_api.get(f"/api/v1/memes/{meme.public_id}/").json()["liked"] is True
    for _ in range(2):
        assert other_api.delete(url(meme, "like")).json() == {"liked": False, "like_count": 0}
    caption.refresh_from_db()
    assert caption.likes == 0 and not Like.objects.exists()


def test_like_permissions(api, owner, other_api):
    public, private = make_meme(owner), make_meme(owner, public=False)
    assert_error(api.put(url(public, "like")), 401)
    assert_error(other_api.put(url(private, "like")), 404)
    assert not Like.objects.exists()


# --- comments -----------------------------------------------------------------------------------


def test_comment_list_create_and_page(api, owner, other_api, other):
    meme = make_meme(owner)
    for i in range(3):
        response = other_api.post(url(meme, "comments"), {"text": f"  nice {i}  "})
        assert response.status_code == 201
    body = response.json()
    assert body["text"] == "nice 2" and body["user"]["username"] == "other" and body["can_delete"] is True
    first = api.get(url(meme, "comments"), {"page_size": 2}).json()
    assert [c["text"] for c in first["results"]] == ["nice 0", "nice 1"]
    assert first["results"][0]["can_delete"] is False  # anonymous
    second = api.get(first["next"]).json()
    assert [c["text"] for c in second["results"]] == ["nice 2"] and second["next"] is None
    assert api.get(f"/api/v1/memes/{meme.public_id}/").json()["comment_count"] == 3


def test_comment_errors_and_permissions(api, owner, other_api):
    public, private = make_meme(owner), make_meme(owner, public=False)
    assert_error(other_api.post(url(public, "comments"), {"text": "   "}), 400, field="text")
    assert_error(other_api.post(url(public, "comments"), {"text": "x" * 501}), 400, "max_length", "text")
    assert_error(other_api.post(url(public, "comments"), {}), 400, "required", "text")
    assert_error(api.post(url(public, "comments"), {"text": "hi"}), 401)
    assert_error(other_api.post(url(private, "comments"), {"text": "hi"}), 404)
    assert_error(other_api.get(url(private, "comments")), 404)
    assert not Comment.objects.exists()


def test_comment_delete_own_on_own_meme_or_as_staff(owner, owner_api, other, other_api, staff_api):
    meme = make_meme(owner)
    third = token_client(make_user("third"))
    ids = [Comment.objects.create(meme=meme, user=other, text=f"c{i}").pk for i in range(3)]
    assert_error(third.delete(f"/api/v1/comments/{ids[0]}/"), 403)
    assert other_api.delete(f"/api/v1/comments/{ids[0]}/").status_code == 204  # the author
    assert owner_api.delete(f"/api/v1/comments/{ids[1]}/").status_code == 204  # the meme's owner
    assert staff_api.delete(f"/api/v1/comments/{ids[2]}/").status_code == 204  # a moderator
    assert not Comment.objects.exists()
    assert_error(other_api.delete(f"/api/v1/comments/{ids[0]}/"), 404)


def test_comment_on_a_meme_gone_private_is_404_to_strangers(owner, other, other_api):
    meme = make_meme(owner, public=False)
    comment = Comment.objects.create(meme=meme, user=owner, text="mine")
    assert_error(other_api.delete(f"/api/v1/comments/{comment.pk}/"), 404)
    assert Comment.objects.exists()


# --- reports ------------------------------------------------------------------------------------


def test_report_once(owner, other_api, owner_api, api):
    meme = make_meme(owner)
    response = other_api.post(url(meme, "report"), {"reason": "spam", "note": "buy pills"})
    assert response.status_code == 201
    assert response.json()["reason"] == "spam" and response.json()["resolved"] is False
    again = other_api.post(url(meme, "report"), {"reason": "other"})
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    assert Report.objects.get().reason == "spam"
    assert_error(owner_api.post(url(meme, "report"), {"reason": "spam"}), 400, "own")
    assert_error(other_api.post(url(meme, "report"), {"reason": "boring"}), 400, "invalid_choice", "reason")
    assert_error(api.post(url(meme, "report"), {"reason": "spam"}), 401)
    private = make_meme(owner, public=False)
    assert_error(other_api.post(url(private, "report"), {"reason": "spam"}), 404)


def test_staff_review_and_resolve_reports(owner, other, other_api, staff_api, api):
    hide_me, keep_me, delete_me = make_meme(owner), make_meme(owner), make_meme(owner)
    for meme in (hide_me, keep_me, delete_me):
        other_api.post(url(meme, "report"), {"reason": "offensive"})
    token_client(make_user("second")).post(url(hide_me, "report"), {"reason": "spam"})
    assert_error(other_api.get("/api/v1/reports/"), 403)
    listing = staff_api.get("/api/v1/reports/").json()
    assert len(listing["results"]) == 4
    assert listing["results"][0]["meme"]["id"] == hide_me.public_id  # newest first
    assert listing["results"][0]["reporter"]["username"] == "second"

    report = Report.objects.filter(meme=hide_me).first()
    assert_error(other_api.post(f"/api/v1/reports/{report.pk}/resolve/", {"action": "hide"}), 403)
    body = staff_api.post(f"/api/v1/reports/{report.pk}/resolve/", {"action": "hide"}).json()
    assert body["resolution"] == "hidden" and body["resolved_by"]["username"] == "moderator"
    assert body["meme_is_hidden"] is True
    assert set(Report.objects.filter(meme=hide_me).values_list("resolution", flat=True)) == {"hidden"}
    keep = Report.objects.get(meme=keep_me)
    assert staff_api.post(f"/api/v1/reports/{keep.pk}/resolve/", {"action": "dismiss"}).status_code == 200
    gone = Report.objects.get(meme=delete_me)
    assert staff_api.post(f"/api/v1/reports/{gone.pk}/resolve/", {"action": "delete"}).status_code == 204
    assert not Meme.objects.filter(pk=delete_me.pk).exists()

    assert staff_api.get("/api/v1/reports/").json()["results"] == []
    assert len(staff_api.get("/api/v1/reports/", {"state": "resolved"}).json()["results"]) == 3
    assert [m["id"] for m in api.get("/api/v1/feed/").json()["results"]] == [keep_me.public_id]
    assert_error(staff_api.post(f"/api/v1/reports/{keep.pk}/resolve/", {"action": "ban"}), 400)
    assert_error(staff_api.post("/api/v1/reports/999999/resolve/", {"action": "hide"}), 404)


# --- caption suggestions ------------------------------------------------------------------------


def test_suggest_a_caption(other_api, other, api):
    response = other_api.post("/api/v1/captions/", {"text": "  Me | on {topic}  ", "emotion": "fear"})
    assert response.status_code == 201
    body = response.json()
    assert body["text"] == "Me | on {topic}" and body["emotion"] == "fear" and body["approved"] is False
    caption = Caption.objects.get(pk=body["id"])
    assert caption.source == "suggested" and caption.suggested_by == other and not caption.approved
    error = assert_error(
        other_api.post("/api/v1/captions/", {"text": "Me | on {topic}", "emotion": "fear"}), 400, "duplicate"
    )
    assert "already" in error["fields"]["text"][0]
    assert_error(other_api.post("/api/v1/captions/", {"text": " ", "emotion": "fear"}), 400, field="text")
    assert_error(other_api.post("/api/v1/captions/", {"text": "x", "emotion": "meh"}), 400, field="emotion")
    assert_error(api.post("/api/v1/captions/", {"text": "x", "emotion": "fear"}), 401)


def test_reports_in_the_admin(client, owner, other_api, staff):
    staff.is_superuser = True
    staff.save()
    meme = make_meme(owner)
    other_api.post(url(meme, "report"), {"reason": "spam", "note": "ads everywhere"})
    client.force_login(staff)
    page = client.get("/admin/memes/report/")
    assert page.status_code == 200 and "ads everywhere" in page.content.decode()
    report = Report.objects.get()
    response = client.post(
        "/admin/memes/report/", {"action": "hide_memes", "_selected_action": [report.pk]}, follow=True
    )
    assert "Hid the memes of 1 report(s)." in response.content.decode()
    report.refresh_from_db()
    meme.refresh_from_db()
    assert report.resolution == "hidden" and report.resolved_by == staff and meme.is_hidden
