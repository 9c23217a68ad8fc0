"""Project-wide request guards (listed in settings.MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, ClassVar

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string

from memes import limits

# Room for the multipart framing and the small form fields that travel with the photo.
MULTIPART_MARGIN_BYTES = 1024 * 1024


def request_max_bytes() -> int:
    """The largest body we read: one photo at the upload limit, plus the form around it."""
    return limits.upload_max_bytes() + MULTIPART_MARGIN_BYTES


class RequestBodyLimitMiddleware:
    """Refuse a body bigger than any request we accept *before* reading it. Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE does not cover file uploads, so without this a 60 MB upload is read
    whole (to disk) before check_photo refuses it. The declared Content-Length is enough: Django
    never reads past it, and a body without one is read as empty."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > request_max_bytes():
            return self._too_large(request, length)
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, length: int) -> HttpResponse:
        message = (
            f"The request is {limits.megabytes_text(length)}; photos can be at most "
            f"{limits.upload_limit_text()}. Choose a smaller photo."
        )
        # The client may still be sending: tell it the connection ends here.
        headers = {"Connection": "close"}
        if request.path.startswith("/api/"):
            from apikit.errors import error_body

            return JsonResponse(error_body("too_large", message), status=413, headers=headers)
        html = render_to_string("errors/413.html", {"message": message}, request=request)
        return HttpResponse(html, status=413, headers=headers)


class SiteNotFoundPageMiddleware:
    """A page that raises Http404 (an unknown or private meme, a missing comment or file) answers
    with the site's own 404 page, with DEBUG on as well as off. Django shows its technical 404 page
    whenever DEBUG is on, which `make run` turns on: a person trying the product would see a
    developer's page. URLs that match no route still get the technical page in DEBUG (that one
    helps whoever writes the routes). The REST API answers its own JSON 404 before this."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Http404):
            return None
        html = render_to_string("404.html", {"request_path": request.path}, request=request)
        return HttpResponseNotFound(html)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header of an ordinary response built once per process.

    The policy comes from settings alone unless a response carries its own (django-csp's
    decorators) or the page used the nonce, so django-csp's build_policy (~0.1 ms, run twice per
    response: policy and report-only) gave the same string every time. Such responses now get that
    string from a cache kept per process and emptied when the CSP settings change (tests). Responses
    with a nonce or their own policy go through django-csp unchanged. The header is the same bytes
    build_policy gives (tests/test_production_settings.py compares them)."""

    _built: ClassVar[dict[bool, str]] = {}

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        own_policy = any(getattr(response, name, None) is not None for name in _RESPONSE_POLICY_ATTRS)
        if own_policy or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in _DEBUG_PAGE_CODES:
            return response  # django-csp leaves Django's debug pages alone
        for report_only, header in ((False, HEADER), (True, HEADER_REPORT_ONLY)):
            policy = self._built.get(report_only)
            if policy is None:
                policy = self._built[report_only] = build_policy(report_only=report_only)
            if not policy or header in response:
                continue
            config = getattr(settings, SETTING[report_only], None) or {}
            excluded = request.path_info.startswith(tuple(config.get("EXCLUDE_URL_PREFIXES") or ()))
            exempt = getattr(response, "_csp_exempt_ro" if report_only else "_csp_exempt", False)
            if exempt is False and not excluded:
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


_DEBUG_PAGE_CODES = (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.NOT_FOUND)
SETTING = {False: "CONTENT_SECURITY_POLICY", True: "CONTENT_SECURITY_POLICY_REPORT_ONLY"}
_RESPONSE_POLICY_ATTRS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


@receiver(setting_changed)
def _forget_built_policy(*, setting: str, **kwargs: Any) -> None:
    if setting in SETTING.values():
        ContentSecurityPolicyMiddleware._built.clear()
