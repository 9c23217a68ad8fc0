"""Per-person and per-address limits on the endpoints people (or bots) could hammer.

A view names its `throttle_scope` ("login", "upload", ...); the rates are
settings.API_THROTTLE_RATES["<scope>_user"] and ["<scope>_ip"], read on every request so they can
be changed per environment (and per test). Only writes are limited: reading a feed never is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
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
    """The signed-in person; on login, the account being tried (guessing one account's password
    from many addresses is limited too). Anonymous requests elsewhere are left to PerIPThrottle."""

    kind = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return self.cache_key(str(request.user.pk))
        field = getattr(view, "throttle_user_field", None)
        value = request.data.get(field) if field and hasattr(request.data, "get") else None
        if isinstance(value, str) and value.strip():
            return self.cache_key(f"name:{value.strip().lower()[:150]}")
        return None


class PerIPThrottle(_ScopedThrottle):
    kind = "ip"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_key(self.get_ident(request))


SCOPED_THROTTLES = [PerUserThrottle, PerIPThrottle]
