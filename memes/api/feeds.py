"""Lists of memes: the public feed (new, top), my memes, a person's public profile and memes.

The feed is the hot path (see BENCHMARKS.md): a page is built and rendered once without
per-person data, kept in the cache for FEED_CACHE_SECONDS and shared by everyone; only `liked` is
filled in per person, with one query on the page's meme keys.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikit.docs import api_doc
from apikit.pagination import PageInput, keyset_page, paginated

from .. import feedcache, selectors
from ..models import Meme
from . import cards
from .serializers import MemeCardOutput

MemePage = paginated(MemeCardOutput, "MemePage")
ORDERINGS = {"new": ("-created_at", "-pk"), "top": ("-recent_likes", "-created_at", "-pk")}
NEWEST_FIRST = ("-created_at", "-pk")
UNLIKED, LIKED = b'"liked":false', b'"liked":true'


def meme_page(request: Request, memes: QuerySet[Meme], *, ordering: tuple[str, ...], params: Any) -> dict:
    memes = cards.card_rows(memes)
    page = keyset_page(memes, ordering=ordering, cursor=params.get("cursor"), size=params["page_size"])
    results = cards.CardBuilder(request).cards(page.items)  # MemeCardOutput's shape, built fast
    return {"next": page.next_link(request), "results": results}


class FeedApi(APIView):
    permission_classes = [AllowAny]

    class FilterSerializer(PageInput):
        order = serializers.ChoiceField(
            choices=list(ORDERINGS),
            default="new",
            required=False,
            help_text="new: newest first; top: most liked in the last seven days.",
        )

    @api_doc(
        summary="The public feed",
        tags=["feed"],
        parameters=[FilterSerializer],
        responses={200: MemePage},
        fails=[400],
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        order = params.validated_data["order"]
        # The links in a page carry this host, so the host is part of the key.
        raw_key = f"{request.scheme}://{request.get_host()}|{order}|{sorted(params.validated_data.items())}"
        key = "api:feed:" + hashlib.sha256(raw_key.encode()).hexdigest()
        # Not shared with someone who just liked or commented: their own action shows at once.
        entry = feedcache.feed_page_get(key=key, user=request.user)
        if entry is None:
            entry = self.build_page(request, order=order, params=params.validated_data)
            feedcache.feed_page_set(key=key, page=entry)
        liked = selectors.liked_meme_ids(user=request.user, meme_ids=entry["pks"])
        if request.accepted_renderer.format != "json":  # the browsable API renders it as HTML
            data = json.loads(_page_bytes(entry, liked))
            return Response(data)
        # The shared page is already rendered: mark this person's likes in its bytes and send them.
        return HttpResponse(_page_bytes(entry, liked), content_type="application/json")

    @staticmethod
    def build_page(request: Request, *, order: str, params: dict[str, Any]) -> dict[str, Any]:
        """The page as everyone sees it (liked: false), rendered card by card, with the cards' keys."""
        memes = _feed_base(order)
        page = keyset_page(
            memes, ordering=ORDERINGS[order], cursor=params.get("cursor"), size=params["page_size"]
        )
        renderer = JSONRenderer()
        built = cards.CardBuilder(request).cards(page.items)  # MemeCardOutput's shape, built fast
        return {
            "next": json.dumps(page.next_link(request)).encode(),
            "cards": [renderer.render(card) for card in built],
            "pks": [meme.pk for meme in page.items],
        }


_FEED_BASES: dict[str, tuple[int, QuerySet[Meme]]] = {}


def _feed_base(order: str) -> QuerySet[Meme]:
    """The feed's query before paging, built at most once a minute per order and per process:
    building its annotated expressions cost more than running the query (a third of a page built
    with the cache off). keyset_page only clones it, so it is never evaluated itself. The "top"
    window (likes of the last seven days) moves in one-minute steps."""
    minute = int(time.time() // 60)
    built = _FEED_BASES.get(order)
    if built is None or built[0] != minute:
        built = _FEED_BASES[order] = (minute, cards.card_rows(selectors.meme_feed(user=None, order=order)))
    return built[1]


def _page_bytes(entry: dict[str, Any], liked: set[int]) -> bytes:
    # In a rendered card, `"liked":false` can only be its own key: quotes inside strings are escaped.
    cards = [
        card.replace(UNLIKED, LIKED, 1) if pk in liked else card
        for card, pk in zip(entry["cards"], entry["pks"], strict=True)
    ]
    return b'{"next":' + entry["next"] + b',"results":[' + b",".join(cards) + b"]}"


class MyMemesApi(APIView):
    @api_doc(
        summary="My memes, newest first: private, queued and failed ones included",
        tags=["feed"],
        parameters=[PageInput],
        responses={200: MemePage},
        fails=[400],
    )
    def get(self, request: Request) -> Response:
        params = PageInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        memes = selectors.meme_gallery(owner=request.user, viewer=request.user)
        return Response(meme_page(request, memes, ordering=NEWEST_FIRST, params=params.validated_data))


class ProfileOutput(serializers.Serializer):
    username = serializers.CharField()
    date_joined = serializers.DateTimeField()
    public_meme_count = serializers.IntegerField()
    memes_url = serializers.URLField(help_text="Their public memes (all of them, for yourself).")
    web_url = serializers.URLField(help_text="Their gallery page on the web.")


class UserDetailApi(APIView):
    permission_classes = [AllowAny]

    @api_doc(summary="A person's public profile", tags=["users"], responses={200: ProfileOutput}, fails=[404])
    def get(self, request: Request, username: str) -> Response:
        user = selectors.user_get(username=username)
        profile = {
            "username": user.username,
            "date_joined": user.date_joined,
            "public_meme_count": selectors.user_public_meme_count(user=user),
            "memes_url": request.build_absolute_uri(reverse("api:user-memes", args=[user.username])),
            "web_url": request.build_absolute_uri(reverse("memes:gallery", args=[user.username])),
        }
        return Response(ProfileOutput(profile).data)


class UserMemesApi(APIView):
    permission_classes = [AllowAny]

    @api_doc(
        summary="A person's public memes, newest first",
        tags=["users"],
        parameters=[PageInput],
        responses={200: MemePage},
        fails=[400, 404],
    )
    def get(self, request: Request, username: str) -> Response:
        user = selectors.user_get(username=username)
        params = PageInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        memes = selectors.meme_gallery(owner=user, viewer=request.user)
        return Response(meme_page(request, memes, ordering=NEWEST_FIRST, params=params.validated_data))
