"""Login limiting (django-axes, configured in settings): the client address it counts by and the
answer a locked-out login gets. Web pages get a readable 429 page, the API its JSON error shape."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str:
    """The address the API throttles use too: X-Forwarded-For is trusted only from the number of
    proxies named in API_NUM_PROXIES, so a client cannot pick its own address."""
    return BaseThrottle().get_ident(request)


def cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = max(1, round(cooloff_seconds() / 60))
    return (
        "Too many failed logins from your address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or reset your password."
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.path.startswith("/api/"):
        from apikit.errors import error_body

        response: HttpResponse = JsonResponse(error_body("throttled", lockout_message()), status=429)
    else:
        response = render(request, "errors/429.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(cooloff_seconds())
    return response
