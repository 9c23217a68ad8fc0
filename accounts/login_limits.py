"""Login limiting (django-axes, configured in settings): the client address it counts by and the
answer a locked-out login gets. Web pages get a readable 429 page, the API its JSON error shape."""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle


class LoginLimitHandler(AxesDatabaseHandler):
    """django-axes' database handler (it keeps counting while Redis is down) with two limits instead
    of one: LOGIN_FAILURE_LIMIT failures per (account, address) and LOGIN_FAILURE_LIMIT_PER_ADDRESS
    per address, so a shared address (an office, a phone carrier's NAT) is not locked by a few
    people's typos while one account still gets few guesses. axes compares one number with one
    limit, so the address count is scaled onto the pair's limit."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # One queryset per AXES_LOCKOUT_PARAMETERS entry, in order: (account, address), address.
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scaled = address * settings.AXES_FAILURE_LIMIT // settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
        return max(pair, scaled)


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
