"""Feed cards, fast: the exact JSON MemeCardOutput gives, without DRF's per-field machinery.

The feed is the API's hot path, and when its cache cannot help (FEED_CACHE_SECONDS=0, a cold cache)
every request builds 24 cards. Through the serializer, most of that time went to DRF's generic field
handling and to three `reverse()` and two `build_absolute_uri()` calls per card (see BENCHMARKS.md,
REST API feed). Here the addresses come from templates made once per page and the page's rows are
loaded with only the columns a card shows (not the faces and layout JSON). MemeCardOutput stays the
documented shape; tests/api/test_feed_cards.py holds this builder to its output, field for field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models import QuerySet
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from django.utils.http import RFC3986_SUBDELIMS
from rest_framework.request import Request

from ..models import Meme

# What a card shows; everything else on a meme (faces, layout, failure reason...) stays unloaded.
CARD_COLUMNS = (
    "public_id",
    "owner__username",
    "status",
    "is_public",
    "emotion",
    "top_text",
    "bottom_text",
    "image",
    "thumbnail",
    "is_animated",
    "photo_width",
    "photo_height",
    "created_at",
)
_MARK = "0MARK0"  # stands in for an id while a URL template is reversed (matches every converter)
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in a path argument
# Names and usernames that quoting leaves exactly as they are.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.~/-]*")
_PLAIN_USERNAME = re.compile(r"[A-Za-z0-9_.~@+-]*")


def card_rows(memes: QuerySet[Meme]) -> QuerySet[Meme]:
    """The queryset loading only what a card needs (owner joined)."""
    return memes.select_related("owner").only(*CARD_COLUMNS)


class CardBuilder:
    """Builds the cards of one request's page. Addresses are absolute, with the request's host."""

    def __init__(self, request: Request) -> None:
        self.origin = request.build_absolute_uri("/")[:-1]  # scheme://host
        self.request = request
        self.meme_api = self._template("api:meme-detail")
        self.meme_web = self._template("memes:detail")
        self.user_api = self._template("api:user-detail")
        # Local media: the storage's URL is its base URL plus the quoted name; computed here once
        # rather than through FieldFile and urljoin for every file. S3 signs each URL itself.
        local = isinstance(default_storage, FileSystemStorage) and default_storage.base_url
        self.media_prefix = self._absolute(default_storage.base_url) if local else None
        self.timezone = timezone.get_current_timezone()  # looked up once, not per card

    def _template(self, name: str) -> tuple[str, str]:
        before, after = _path_template(name, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
        return self.origin + before, after

    def _absolute(self, url: str) -> str:
        if url.startswith("/") and not url.startswith("//"):
            return self.origin + url
        return self.request.build_absolute_uri(url)

    def _file_url(self, file: Any) -> str | None:
        if not file:
            return None
        if self.media_prefix is not None and file.storage is default_storage:
            return self.media_prefix + filepath_to_uri(file.name).lstrip("/")
        return self._absolute(file.storage.url(file.name))

    def _name_url(self, name: str) -> str | None:
        """A default-storage file's URL from its name alone (the feed's plain rows)."""
        if not name:
            return None
        if self.media_prefix is not None:
            # filepath_to_uri changes nothing in a name of plain characters (ours are): skip it then.
            path = name if _PLAIN_NAME.fullmatch(name) else filepath_to_uri(name)
            return self.media_prefix + path.lstrip("/")
        return self._absolute(default_storage.url(name))

    def _owner_url(self, username: str) -> str:
        quoted = username if _PLAIN_USERNAME.fullmatch(username) else quote(username, safe=_PATH_SAFE)
        return f"{self.user_api[0]}{quoted}{self.user_api[1]}"

    def row_card(self, row: dict[str, Any]) -> dict[str, Any]:
        """The card of a plain row (memes.selectors.feed_page_rows); the same JSON as card()."""
        public_id, username = row["public_id"], row["username"]
        return {
            "id": public_id,
            "url": f"{self.meme_api[0]}{public_id}{self.meme_api[1]}",
            "web_url": f"{self.meme_web[0]}{public_id}{self.meme_web[1]}",
            "owner": {"username": username, "url": self._owner_url(username)},
            "status": row["status"],
            "is_public": row["is_public"],
            "emotion": row["emotion"],
            "top_text": row["top_text"],
            "bottom_text": row["bottom_text"],
            "image_url": self._name_url(row["image"]),
            "thumbnail_url": self._name_url(row["thumbnail"]),
            "is_animated": row["is_animated"],
            "width": row["photo_width"],
            "height": row["photo_height"],
            "like_count": row["like_count"],
            "comment_count": row["comment_count"],
            "liked": row.get("liked", False),
            "created_at": _iso(row["created_at"], self.timezone),
        }

    def card(self, meme: Meme) -> dict[str, Any]:
        public_id, username = meme.public_id, meme.owner.username
        return {
            "id": public_id,
            "url": f"{self.meme_api[0]}{public_id}{self.meme_api[1]}",
            "web_url": f"{self.meme_web[0]}{public_id}{self.meme_web[1]}",
            "owner": {
                "username": username,
                "url": f"{self.user_api[0]}{quote(username, safe=_PATH_SAFE)}{self.user_api[1]}",
            },
            "status": meme.status,
            "is_public": meme.is_public,
            "emotion": meme.emotion,
            "top_text": meme.top_text,
            "bottom_text": meme.bottom_text,
            "image_url": self._file_url(meme.image),
            "thumbnail_url": self._file_url(meme.thumbnail),
            "is_animated": meme.is_animated,
            "width": meme.photo_width,
            "height": meme.photo_height,
            "like_count": getattr(meme, "like_count", 0),
            "comment_count": getattr(meme, "comment_count", 0),
            "liked": bool(getattr(meme, "liked", False)),
            "created_at": _iso(meme.created_at),
        }

    def cards(self, memes: Iterable[Meme]) -> list[dict[str, Any]]:
        return [self.card(meme) for meme in memes]


@lru_cache(maxsize=64)
def _path_template(name: str, *key: Any) -> tuple[str, str]:
    """A route's path before and after its one argument: reverse() once per process, not per page
    (the key holds what reverse() depends on)."""
    before, after = reverse(name, args=[_MARK]).split(_MARK)
    return before, after


def _iso(value: datetime, zone: Any = None) -> str:
    # As DRF's DateTimeField: in the current time zone, ISO 8601, "Z" for UTC.
    text = timezone.localtime(value, zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def render(data: Any) -> bytes:
    """Cards as DRF's JSONRenderer writes them (compact, UTF-8, no NaN, U+2028/U+2029 escaped),
    without its per-call setup."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
