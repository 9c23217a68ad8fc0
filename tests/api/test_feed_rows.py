"""The API feed's fast paths give exactly what the slower, general code gives: the feed's plain SQL
rows (memes.selectors.feed_page_rows) against meme_feed's ORM query, the plain-parameter reader
against FilterSerializer, and the token lookup against DRF's."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.services import api_token_issue
from apikit.authentication import token_with_user
from apikit.pagination import cursor_for, cursor_values, keyset_page
from memes import selectors
from memes.api.feeds import ORDERINGS, ROW_KEYS, FeedApi, _simple_feed_params
from memes.models import Comment, Like, Meme
from tests.api.conftest import assert_error
from tests.factories import make_meme, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed():
    """Memes with likes (some old), comments, ties in created_at, and memes the feed must leave out."""
    owner, fan, other = make_user("owner"), make_user("fan"), make_user("other")
    memes = [make_meme(owner if i % 2 else other, emotion="sad") for i in range(9)]
    make_meme(owner, public=False)
    make_meme(owner, status=Meme.Status.QUEUED)
    make_meme(owner, is_hidden=True)
    Meme.objects.filter(pk__in=[memes[2].pk, memes[3].pk, memes[4].pk]).update(created_at=memes[2].created_at)
    for meme, likers in zip(
        memes, [[fan], [], [fan, other], [other], [fan, other, owner], [], [fan]], strict=False
    ):
        for user in likers:
            Like.objects.create(user=user, meme=meme)
    Like.objects.filter(meme=memes[4], user=owner).update(created_at=timezone.now() - timedelta(days=8))
    Comment.objects.create(user=fan, meme=memes[1], text="nice")
    Comment.objects.create(user=other, meme=memes[1], text="meh")
    return fan


def _orm_pages(order: str, user, size: int) -> list[list[dict]]:
    """meme_feed through keyset_page, page by page, as (id, counts, liked, sort key) rows."""
    pages, cursor = [], None
    while True:
        page = keyset_page(
            selectors.meme_feed(user=user, order=order), ordering=ORDERINGS[order], cursor=cursor, size=size
        )
        pages.append(
            [
                {
                    "id": m.pk,
                    "public_id": m.public_id,
                    "username": m.owner.username,
                    "like_count": m.like_count,
                    "comment_count": m.comment_count,
                    "liked": bool(m.liked),
                    "created_at": m.created_at,
                    **({"recent_likes": m.recent_likes} if order == "top" else {}),
                }
                for m in page.items
            ]
        )
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def _row_pages(order: str, user, size: int) -> list[list[dict]]:
    pages, after = [], None
    while True:
        rows = selectors.feed_page_rows(order=order, after=after, limit=size + 1, user=user)
        page, more = rows[:size], len(rows) > size
        pages.append([{key: row[key] for key in _orm_pages_keys(order)} for row in page])
        if not more:
            return pages
        # Through a real cursor, as the view does.
        cursor = cursor_for([page[-1][key] for key in ROW_KEYS[order]], ordering=ORDERINGS[order])
        after = cursor_values(cursor, ordering=ORDERINGS[order])


def _orm_pages_keys(order: str) -> list[str]:
    keys = ["id", "public_id", "username", "like_count", "comment_count", "liked", "created_at"]
    return [*keys, "recent_likes"] if order == "top" else keys


@pytest.mark.parametrize("order", ["new", "top"])
@pytest.mark.parametrize("signed_in", [True, False])
@pytest.mark.parametrize("size", [1, 2, 4, 24])
def test_feed_rows_are_meme_feed_row_for_row(feed, order, signed_in, size):
    from django.contrib.auth.models import AnonymousUser

    user = feed if signed_in else AnonymousUser()
    expected = _orm_pages(order, user, size)
    assert _row_pages(order, user, size) == expected
    assert sum(len(page) for page in expected) == 9
    if signed_in:
        assert sum(row["liked"] for page in expected for row in page) == 4


def test_feed_rows_carry_every_card_column(feed):
    row = selectors.feed_page_rows(order="new", after=None, limit=1, user=feed)[0]
    meme = Meme.objects.get(pk=row["id"])
    assert row["image"] == meme.image.name and row["thumbnail"] == meme.thumbnail.name
    assert (row["status"], row["is_public"], row["is_animated"]) == ("ready", True, False)
    assert (row["photo_width"], row["photo_height"], row["emotion"]) == (64, 48, "sad")
    assert row["created_at"] == meme.created_at and row["created_at"].tzinfo is not None


@pytest.mark.parametrize(
    "query",
    [
        "",
        "order=top",
        "order=new&page_size=5",
        "page_size=100",
        "page_size=024",
        "page_size=1&order=top&other=x&format=json",
        "cursor=abc:def:ghi",
        "cursor=.eJyrVspLzE1VslJQSqtMTE0vVaoFAEYJBpE:1xW:sig",
    ],
)
def test_plain_parameters_read_as_the_serializer_reads_them(query):
    data = QueryDict(query)
    serializer = FeedApi.FilterSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    assert _simple_feed_params(data) == dict(serializer.validated_data)


@pytest.mark.parametrize(
    "query",
    [
        "order=best",
        "order=",
        "order=new&order=top",
        "order=%20new",
        "page_size=0",
        "page_size=101",
        "page_size=1000",
        "page_size=-1",
        "page_size=2.0",
        "page_size=%2024",
        "page_size=",
        "cursor=",
        "cursor=%20abc",
        "cursor=a%00b",
        "cursor=" + "a" * 501,
    ],
)
def test_anything_else_goes_to_the_serializer(query):
    assert _simple_feed_params(QueryDict(query)) is None


def test_token_lookup_gives_what_drf_gives(owner):
    key = api_token_issue(user=owner)
    token = token_with_user(key)
    expected = Token.objects.select_related("user").get(key=key)
    assert (token.key, token.user_id, token.created) == (expected.key, expected.user_id, expected.created)
    fields = [f.attname for f in type(owner)._meta.concrete_fields]
    assert [getattr(token.user, f) for f in fields] == [getattr(expected.user, f) for f in fields]
    assert token.user.check_password is not None and not token.user._state.adding
    assert token_with_user("no-such-key") is None


def test_token_auth_answers_as_drf_does(api, owner):
    key = api_token_issue(user=owner)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").json()["username"] == "owner"
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    response = api.get("/api/v1/me/")
    assert_error(response, 401, "authentication_failed")
    assert "inactive" in response.json()["error"]["message"]
    owner.is_active = True
    owner.save(update_fields=["is_active"])
    owner.set_password("another-horse-battery-7")
    owner.save()  # revokes the token: the very next request fails, nothing is cached
    assert_error(api.get("/api/v1/me/"), 401, "authentication_failed")


def test_feed_liked_comes_with_the_page_when_it_is_built(settings, owner, other):
    """Cache off: the page's own query says what this person likes (no second query)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.api.conftest import token_client

    settings.FEED_CACHE_SECONDS = 0
    liked, unliked = make_meme(owner), make_meme(owner)
    Like.objects.create(user=other, meme=liked)
    client = token_client(other)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/api/v1/feed/").json()
    assert {m["id"]: m["liked"] for m in page["results"]} == {liked.public_id: True, unliked.public_id: False}
    assert len(queries) == 2  # the token, the page


@pytest.mark.parametrize("host", ["testserver", "memes.example.com:8443"])
def test_feed_cards_from_rows_are_the_documented_cards(client, settings, host):
    """Odd usernames and texts (quotes, a `"liked":false` of their own, U+2028) come out exactly
    as MemeCardOutput writes them, and the liked marks land on the right cards."""
    import json

    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from memes.api.serializers import MemeCardOutput
    from tests.api.conftest import token_client

    settings.FEED_CACHE_SECONDS = 0
    settings.ALLOWED_HOSTS = ["*"]
    owner, fan = make_user("ünïcode.user+1@x"), make_user()
    odd = make_meme(owner, top_text='He said "hi" \\ </script> "liked":false \u2028', bottom_text="ok")
    plain = make_meme(fan, emotion="angry")
    Like.objects.create(user=fan, meme=odd)
    Comment.objects.create(user=fan, meme=odd, text="nice")
    body = client.get("/api/v1/feed/", HTTP_HOST=host).content
    request = Request(APIRequestFactory().get("/api/v1/feed/", HTTP_HOST=host))
    memes = list(selectors.meme_feed(user=None).order_by("-created_at", "-pk"))
    expected = JSONRenderer().render(MemeCardOutput(memes, many=True, context={"request": request}).data)
    assert body == b'{"next":null,"results":' + expected + b"}"  # byte for byte
    fans = token_client(fan).get("/api/v1/feed/", HTTP_HOST=host).json()["results"]
    assert [(c["id"], c["liked"]) for c in fans] == [(plain.public_id, False), (odd.public_id, True)]
    assert json.loads(body)["results"][1]["top_text"] == odd.top_text
