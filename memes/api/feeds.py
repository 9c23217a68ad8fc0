"""Lists of memes: the public feed (new, top), my memes, a person's public profile and memes.

The feed is the hot path (see BENCHMARKS.md): a page is built and rendered once without
per-person data, kept in the cache for FEED_CACHE_SECONDS and shared by everyone; only `liked` is
filled in per person, with one query on the page's meme keys.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikit.docs import api_doc
from apikit.pagination import (
    CURSOR_MAX_LENGTH,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    PageInput,
    cursor_for,
    cursor_values,
    keyset_page,
    paginated,
)

from .. import feedcache, selectors
from ..models import Meme
from . import cards
from .serializers import MemeCardOutput

MemePage = paginated(MemeCardOutput, "MemePage")
ORDERINGS = {"new": ("-created_at", "-pk"), "top": ("-recent_likes", "-created_at", "-pk")}
NEWEST_FIRST = ("-created_at", "-pk")
# Where each ordering's sort key is in a feed row (memes.selectors.feed_page_rows).
ROW_KEYS = {"new": ("created_at", "id"), "top": ("recent_likes", "created_at", "id")}
UNLIKED, LIKED = b'"liked":false', b'"liked":true'
_CURSOR_CHARS = re.compile(r"[A-Za-z0-9_.:-]+")  # what django.core.signing writes


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
        params = _simple_feed_params(request.query_params)
        if params is None:
            serializer = self.FilterSerializer(data=request.query_params)
            serializer.is_valid(raise_exception=True)
            params = serializer.validated_data
        order = params["order"]
        # The links in a page carry this host, so the host is part of the key.
        raw_key = f"{request.scheme}://{request.get_host()}|{order}|{sorted(params.items())}"
        key = "api:feed:v2:" + hashlib.sha256(raw_key.encode()).hexdigest()
        # Not shared with someone who just liked or commented: their own action shows at once.
        entry = feedcache.feed_page_get(key=key, user=request.user)
        if entry is None:
            entry, liked = self.build_page(request, order=order, params=params)
            feedcache.feed_page_set(key=key, page=entry)
        else:
            liked = selectors.liked_meme_ids(user=request.user, meme_ids=entry["pks"])
        if request.accepted_renderer.format != "json":  # the browsable API renders it as HTML
            data = json.loads(_page_bytes(entry, liked))
            return Response(data)
        # The shared page is already rendered: mark this person's likes in its bytes and send them.
        return HttpResponse(_page_bytes(entry, liked), content_type="application/json")

    @staticmethod
    def build_page(
        request: Request, *, order: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], set[int]]:
        """The page as everyone sees it, rendered, in pieces around each card's `liked` (false for
        everyone), with the cards' keys; and which of its memes this person likes (the page's own
        query tells)."""
        ordering, size = ORDERINGS[order], params["page_size"]
        after = cursor_values(params.get("cursor"), ordering=ordering)
        rows = selectors.feed_page_rows(order=order, after=after, limit=size + 1, user=request.user)
        rows, more = rows[:size], len(rows) > size
        liked = {row["id"] for row in rows if row.pop("liked")}
        next_cursor = None
        if more:
            next_cursor = cursor_for([rows[-1][key] for key in ROW_KEYS[order]], ordering=ordering)
        builder = cards.CardBuilder(request)
        # One rendering for the whole list, cut at each card's `"liked":false` (in rendered JSON
        # that can only be the key itself: quotes inside strings are escaped).
        results = cards.render([builder.row_card(row) for row in rows]).split(UNLIKED)
        assert len(results) == len(rows) + 1, "one liked key per card"
        entry = {
            "next": json.dumps(Page(rows, next_cursor).next_link(request)).encode(),
            "results": results,
            "pks": [row["id"] for row in rows],
        }
        return entry, liked


def _simple_feed_params(query: Any) -> dict[str, Any] | None:
    """The feed's parameters when they are plain (none, or each given once with an ordinary valid
    value), read without building FilterSerializer (a quarter of a cached page's time); None for
    anything else, which FilterSerializer then reads, with its error answers. Where this answers,
    it answers what FilterSerializer would (tests/api/test_feeds.py compares them)."""
    params: dict[str, Any] = {"order": "new", "page_size": DEFAULT_PAGE_SIZE}
    for name, values in query.lists():
        if name not in ("order", "page_size", "cursor"):
            continue  # the serializer ignores other parameters too
        value = values[0] if len(values) == 1 else ""
        if not value or value.strip() != value:
            return None
        if name == "order" and value in ORDERINGS:
            params["order"] = value
        elif name == "page_size" and value.isascii() and value.isdigit() and len(value) <= 3:
            if not 1 <= int(value) <= MAX_PAGE_SIZE:
                return None
            params["page_size"] = int(value)
        elif name == "cursor" and len(value) <= CURSOR_MAX_LENGTH and _CURSOR_CHARS.fullmatch(value):
            params["cursor"] = value
        else:
            return None
    return params


def _page_bytes(entry: dict[str, Any], liked: set[int]) -> bytes:
    """The shared page with this person's `liked` put back between its pieces."""
    results = entry["results"]
    out = [b'{"next":', entry["next"], b',"results":', results[0]]
    for pk, piece in zip(entry["pks"], results[1:], strict=True):
        out += (LIKED if pk in liked else UNLIKED, piece)
    out.append(b"}")
    return b"".join(out)


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
