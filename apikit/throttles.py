"""Per-person and per-address limits on the writes people (or bots) could hammer: the one limiter
for the API and the web forms.

An API view names its `throttle_scope` ("upload", "comment", ...); a web view calls
`check_rate(scope=..., request=...)` (or wears `@web_rate_limit(scope)`). Both count in the same
cache keys at the rates settings.API_THROTTLE_RATES["<scope>_user"] and ["<scope>_ip"], read on
every request, so 30 uploads an hour means 30 through the page and the app together. Only writes
are limited: reading a feed never is. Logins are limited by django-axes (see settings).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class _ScopedThrottle(SimpleRateThrottle):
    kind = ""

    def __init__(self) -> None:  # the rate is looked up per request, not at import
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope or request.method in SAFE_METHODS:
            return True
        self.scope = f"{scope}_{self.kind}"
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def cache_key(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PerUserThrottle(_ScopedThrottle):
    """The signed-in person. Anonymous requests are left to PerIPThrottle."""

    kind = "user"

    def get_cache_key(self, request: Request | HttpRequest, view: Any) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self.cache_key(str(user.pk))
        return None


class PerIPThrottle(_ScopedThrottle):
    kind = "ip"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_key(self.get_ident(request))


SCOPED_THROTTLES = [PerUserThrottle, PerIPThrottle]


@dataclass(frozen=True)
class _Scope:
    throttle_scope: str  # what a DRF view carries; the throttles read only this


def check_rate(*, scope: str, request: HttpRequest) -> int | None:
    """Count one write of `scope` (a web form's POST) against the same limits as the API's.
    Returns None when allowed, else the seconds to wait (a refused request is not counted by the
    limit that refused it, as in DRF)."""
    for throttle_class in SCOPED_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, _Scope(scope)):  # type: ignore[arg-type]
            return max(1, math.ceil(throttle.wait() or 1))
    return None


def throttled_message(wait: int) -> str:
    """The sentence for a 429, on the web and in the API: seconds for a short wait, else minutes."""
    if wait < 120:
        return f"Too many requests. Try again in {wait} second{'s' if wait != 1 else ''}."
    return f"Too many requests. Try again in {math.ceil(wait / 60)} minutes."


def web_rate_limit(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For a web view: a POST over the scope's rate gets a readable 429 page with Retry-After."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and (wait := check_rate(scope=scope, request=request)):
                response = render(
                    request, "errors/429.html", {"message": throttled_message(wait)}, status=429
                )
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
