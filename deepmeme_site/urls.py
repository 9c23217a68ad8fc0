import contextlib

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, re_path
from django.views import defaults
from django.views.static import serve
from rest_framework.exceptions import AuthenticationFailed

from apikit.authentication import TokenAuthentication
from apikit.errors import error_body, not_found
from memes import access
from memes.views import keep_private

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("deepmeme_site.api_urls")),  # REST API, schema and docs
    path("", include("memes.urls")),
]


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Local media, served only to those who may see the meme the file belongs to (its owner and
    moderators for a private meme; anyone for a public one). Mobile clients send their API token."""
    user = request.user
    if not user.is_authenticated:
        # A bad token is an anonymous visitor here: public files still load.
        with contextlib.suppress(AuthenticationFailed):
            user = (TokenAuthentication().authenticate(request) or (user, None))[0]
    meme = access.access_media(user=user, name=path)
    # MEDIA_ROOT is read per request (tests point it at a temporary folder).
    return keep_private(serve(request, path, document_root=settings.MEDIA_ROOT), meme=meme)


if settings.SERVE_MEDIA:
    # Local media (the default storage). File names are random, so they can't be listed or guessed,
    # and serve_media checks that the visitor may see the file's meme.
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_media)]


# Every answer under /api/ is JSON, also when Django itself answers (a path no route matches, a
# bad Host header, a crash): clients parse one error shape, never an HTML page.
def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return not_found(request) if _is_api(request) else defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("invalid", "The request is not valid."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("permission_denied", "You may not do that."), status=403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        message = "Something went wrong on our side. It is logged; please try again later."
        return JsonResponse(error_body("server_error", message), status=500)
    return defaults.server_error(request)


handler400 = bad_request
handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error
