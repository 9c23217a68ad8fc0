"""Project-wide request guards (listed in settings.MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
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
