"""The fast feed cards (memes.api.cards) are exactly what MemeCardOutput documents."""

import json

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from memes import selectors
from memes.api.cards import CardBuilder, card_rows
from memes.api.serializers import MemeCardOutput
from memes.models import Comment, Like, Meme
from tests.factories import make_meme, make_user

pytestmark = pytest.mark.django_db


def _as_json(data) -> object:
    return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("host", ["testserver", "memes.example.com:8443"])
def test_cards_match_the_serializer_field_for_field(host, settings):
    settings.ALLOWED_HOSTS = ["*"]
    owner, fan = make_user("ünïcode.user+1@x"), make_user()
    liked = make_meme(owner, emotion="sad", top_text='He said "hi" \\ </script>', bottom_text="ok")
    make_meme(owner, public=False, status=Meme.Status.QUEUED)  # no image yet: null URLs
    Like.objects.create(user=fan, meme=liked)
    Comment.objects.create(user=fan, meme=liked, text="nice")
    request = Request(APIRequestFactory().get("/api/v1/feed/", HTTP_HOST=host))
    memes = list(selectors.meme_gallery(owner=owner, viewer=owner).order_by("-created_at", "-pk"))
    expected = MemeCardOutput(memes, many=True, context={"request": request}).data
    fast = CardBuilder(request).cards(card_rows(selectors.meme_gallery(owner=owner, viewer=owner)))
    assert _as_json(fast) == _as_json(expected)
    assert [c["like_count"] for c in fast] == [0, 1] or [c["like_count"] for c in fast] == [1, 0]


def test_feed_endpoint_serves_the_documented_cards(client, settings):
    settings.FEED_CACHE_SECONDS = 0
    for _ in range(3):
        make_meme()
    body = client.get("/api/v1/feed/").json()
    request = Request(APIRequestFactory().get("/api/v1/feed/"))
    memes = list(selectors.meme_feed(user=None).order_by("-created_at", "-pk"))
    assert body["results"] == _as_json(MemeCardOutput(memes, many=True, context={"request": request}).data)
