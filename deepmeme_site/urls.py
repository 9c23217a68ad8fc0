import contextlib

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from memes import access

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("deepmeme_site.api_urls")),  # REST API, schema and docs
    path("", include("memes.urls")),
]


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Local media, served only to those who may see the meme the file belongs to (its owner and
    staff for a private meme; anyone for a public one). Mobile clients send their API token."""
    user = request.user
    if not user.is_authenticated:
        # A bad token is an anonymous visitor here: public files still load.
        with contextlib.suppress(AuthenticationFailed):
            user = (TokenAuthentication().authenticate(request) or (user, None))[0]
    if not access.can_view_media(user, path):
        raise Http404("No such file.")
    # MEDIA_ROOT is read per request (tests point it at a temporary folder).
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    # Local media (the default storage). File names are random, so they can't be listed or guessed,
    # and serve_media checks that the visitor may see the file's meme.
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_media)]
