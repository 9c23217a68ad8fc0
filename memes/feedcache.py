"""Shared feed pages (web and API), kept FEED_CACHE_SECONDS, with one exception: a person who has
just liked, unliked, commented or deleted a comment gets fresh pages for that long, so their own
action shows at once instead of up to FEED_CACHE_SECONDS later. Everyone else keeps the shared page.

The social services note the action (`feed_note_own_action`); the feed views read and write pages
through `feed_page_get` / `feed_page_set`. A fresh page is stored again, so the others see it soon too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache


def _acted_key(user: Any) -> str:
    return f"feed:acted:{user.pk}"


def feed_note_own_action(*, user: Any) -> None:
    """`user` just changed a like or a comment: serve them fresh feed pages for FEED_CACHE_SECONDS."""
    seconds = settings.FEED_CACHE_SECONDS
    if seconds and getattr(user, "is_authenticated", False):
        cache.set(_acted_key(user), 1, seconds)


def feed_page_get(*, key: str, user: Any) -> Any | None:
    """The shared page stored under `key`, or None: caching is off, nothing is stored, or `user`
    acted within FEED_CACHE_SECONDS. One cache round trip either way."""
    if not settings.FEED_CACHE_SECONDS:
        return None
    if not getattr(user, "is_authenticated", False):
        return cache.get(key)
    acted = _acted_key(user)
    found = cache.get_many([key, acted])
    return None if acted in found else found.get(key)


def feed_page_set(*, key: str, page: Any) -> None:
    if settings.FEED_CACHE_SECONDS:
        cache.set(key, page, settings.FEED_CACHE_SECONDS)
