"""The feed (new, top) with cursor pages, my memes, and people's profiles."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from memes.models import Like, Meme
from tests.api.conftest import assert_error
from tests.factories import make_meme, make_user

pytestmark = pytest.mark.django_db


def ids(page: dict) -> list[str]:
    return [m["id"] for m in page["results"]]


def walk(client, url: str, **params) -> list[str]:
    """Every id across all pages, following `next`."""
    seen, page = [], client.get(url, params).json()
    while True:
        seen += ids(page)
        if not page["next"]:
            return seen
        page = client.get(page["next"]).json()


def test_new_feed_pages_through_everything_once(api, owner):
    memes = [make_meme(owner) for _ in range(7)]
    make_meme(owner, public=False)
    make_meme(owner, status=Meme.Status.QUEUED)
    make_meme(owner, is_hidden=True)
    first = api.get("/api/v1/feed/", {"page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"].startswith("http://testserver/api/v1/feed/?")
    assert walk(api, "/api/v1/feed/", page_size=3) == [m.public_id for m in reversed(memes)]
    card = first["results"][0]
    assert card["image_url"].startswith("http://testserver/media/") and card["owner"]["username"] == "owner"
    assert card["like_count"] == 0 and card["liked"] is False and card["status"] == "ready"


def test_same_created_at_still_pages_exactly(api, owner):
    memes = [make_meme(owner) for _ in range(5)]
    Meme.objects.update(created_at=timezone.now())  # ties on the first key: pk breaks them
    assert sorted(walk(api, "/api/v1/feed/", page_size=2)) == sorted(m.public_id for m in memes)
    assert len(walk(api, "/api/v1/feed/", page_size=2)) == 5


def test_top_feed_orders_by_recent_likes_and_pages_through_ties(api, owner):
    likers = [make_user() for _ in range(3)]
    memes = [make_meme(owner) for _ in range(6)]
    for meme, count in zip(memes, [0, 2, 0, 3, 1, 0], strict=True):
        for user in likers[:count]:
            Like.objects.create(user=user, meme=meme)
    old = Like.objects.filter(meme=memes[3])  # three likes, but two of them are old
    Like.objects.filter(pk__in=list(old.values_list("pk", flat=True))[:2]).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    order = walk(api, "/api/v1/feed/", order="top", page_size=2)
    # 2 recent likes, then the 1s (newest first), then the 0s (newest first).
    expected = [memes[1], memes[4], memes[3], memes[5], memes[2], memes[0]]
    assert order == [m.public_id for m in expected]


def test_liked_is_per_person_even_when_the_page_is_cached(owner, other, other_api, api, settings):
    settings.FEED_CACHE_SECONDS = 60
    meme = make_meme(owner)
    Like.objects.create(user=other, meme=meme)
    assert api.get("/api/v1/feed/").json()["results"][0]["liked"] is False  # fills the cache
    assert other_api.get("/api/v1/feed/").json()["results"][0]["liked"] is True
    make_meme(owner)
    assert ids(api.get("/api/v1/feed/").json()) == [meme.public_id]  # served from the cache
    settings.FEED_CACHE_SECONDS = 0
    assert len(ids(api.get("/api/v1/feed/").json())) == 2


def test_bad_feed_parameters_are_400s(api, owner):
    make_meme(owner)
    assert_error(api.get("/api/v1/feed/", {"order": "best"}), 400, "invalid_choice", "order")
    assert_error(api.get("/api/v1/feed/", {"page_size": 0}), 400, "min_value", "page_size")
    assert_error(api.get("/api/v1/feed/", {"page_size": "lots"}), 400, field="page_size")
    assert_error(api.get("/api/v1/feed/", {"cursor": "garbage"}), 400, "bad_cursor", "cursor")
    forged = signing.dumps({"o": ["-created_at", "-pk"], "v": ["not a date", "x"]}, salt="other")
    assert_error(api.get("/api/v1/feed/", {"cursor": forged}), 400, "bad_cursor")


def test_a_cursor_from_another_ordering_is_refused(api, owner):
    for _ in range(3):
        make_meme(owner)
    cursor = api.get("/api/v1/feed/", {"page_size": 1}).json()["next"].split("cursor=")[1].split("&")[0]
    from urllib.parse import unquote

    response = api.get("/api/v1/feed/", {"order": "top", "page_size": 1, "cursor": unquote(cursor)})
    assert_error(response, 400, "bad_cursor")


def test_my_memes_include_private_queued_and_failed(owner_api, owner, other, api):
    mine = [
        make_meme(owner),
        make_meme(owner, public=False),
        make_meme(owner, status=Meme.Status.QUEUED),
        make_meme(owner, status=Meme.Status.FAILED),
    ]
    make_meme(other)
    assert set(walk(owner_api, "/api/v1/me/memes/", page_size=3)) == {m.public_id for m in mine}
    statuses = {m["status"] for m in owner_api.get("/api/v1/me/memes/").json()["results"]}
    assert statuses == {"ready", "queued", "failed"}
    assert_error(api.get("/api/v1/me/memes/"), 401)


def test_profile_and_public_memes(api, owner, owner_api):
    public = make_meme(owner)
    make_meme(owner, public=False)
    profile = api.get("/api/v1/users/owner/").json()
    assert profile["username"] == "owner" and profile["public_meme_count"] == 1
    assert profile["memes_url"] == "http://testserver/api/v1/users/owner/memes/"
    assert profile["web_url"] == "http://testserver/u/owner/"
    assert ids(api.get(profile["memes_url"]).json()) == [public.public_id]
    assert len(ids(owner_api.get(profile["memes_url"]).json())) == 2  # all of them, for yourself
    assert_error(api.get("/api/v1/users/nobody/"), 404, "not_found")
    assert_error(api.get("/api/v1/users/nobody/memes/"), 404)
    owner.is_active = False
    owner.save()
    assert_error(api.get("/api/v1/users/owner/"), 404)
