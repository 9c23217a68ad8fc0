"""/api/: the schema, Swagger UI and version 1 of the API (namespace "api"). Only URL wiring: the
endpoints live in memes.api and accounts.api, their shared toolkit in apikit."""

from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import views as accounts
from apikit.errors import not_found
from memes.api import captions, feeds, memes, moderation, social


class MemeIdConverter:
    # Exactly what models.new_public_id makes; anything else never reaches the database.
    regex = "[A-Za-z0-9_-]{1,16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class UsernameConverter(MemeIdConverter):
    regex = r"[\w.@+-]{1,150}"  # Django's username characters


register_converter(MemeIdConverter, "meme_id")
register_converter(UsernameConverter, "username")

v1 = [
    path("auth/signup/", accounts.SignUpApi.as_view(), name="signup"),
    path("auth/login/", accounts.LoginApi.as_view(), name="login"),
    path("auth/logout/", accounts.LogoutApi.as_view(), name="logout"),
    path("auth/password/", accounts.PasswordChangeApi.as_view(), name="password-change"),
    path("auth/password-reset/", accounts.PasswordResetApi.as_view(), name="password-reset"),
    path("me/", accounts.MeApi.as_view(), name="me"),
    path("me/delete/", accounts.AccountDeleteApi.as_view(), name="account-delete"),
    path("me/memes/", feeds.MyMemesApi.as_view(), name="my-memes"),
    path("feed/", feeds.FeedApi.as_view(), name="feed"),
    path("users/<username:username>/", feeds.UserDetailApi.as_view(), name="user-detail"),
    path("users/<username:username>/memes/", feeds.UserMemesApi.as_view(), name="user-memes"),
    path("memes/", memes.MemeCreateApi.as_view(), name="meme-create"),
    path("memes/<meme_id:public_id>/", memes.MemeDetailApi.as_view(), name="meme-detail"),
    path("memes/<meme_id:public_id>/caption/", memes.MemeCaptionApi.as_view(), name="meme-caption"),
    path(
        "memes/<meme_id:public_id>/captions/generate/",
        memes.MemeWriteCaptionsApi.as_view(),
        name="meme-captions-generate",
    ),
    path("memes/<meme_id:public_id>/retry/", memes.MemeRetryApi.as_view(), name="meme-retry"),
    path("memes/<meme_id:public_id>/publish/", memes.MemePublishApi.as_view(), name="meme-publish"),
    path("memes/<meme_id:public_id>/unpublish/", memes.MemeUnpublishApi.as_view(), name="meme-unpublish"),
    path("memes/<meme_id:public_id>/like/", social.MemeLikeApi.as_view(), name="meme-like"),
    path("memes/<meme_id:public_id>/comments/", social.MemeCommentsApi.as_view(), name="meme-comments"),
    path("memes/<meme_id:public_id>/report/", social.MemeReportApi.as_view(), name="meme-report"),
    path("memes/<meme_id:public_id>/hide/", moderation.MemeHideApi.as_view(), name="meme-hide"),
    path("memes/<meme_id:public_id>/unhide/", moderation.MemeUnhideApi.as_view(), name="meme-unhide"),
    path("comments/<int:comment_id>/", social.CommentDetailApi.as_view(), name="comment-detail"),
    path("reports/", moderation.ReportListApi.as_view(), name="report-list"),
    path("reports/<int:report_id>/resolve/", moderation.ReportResolveApi.as_view(), name="report-resolve"),
    path("captions/", captions.CaptionSuggestApi.as_view(), name="caption-suggest"),
]

urlpatterns = [
    path("v1/", include((v1, "api"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file: no inline script under our CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/: a JSON 404. [\s\S], not ".": a path with a newline (%0A) must
    # match too, or it falls through to Django's HTML 404.
    re_path(r"^(?P<path>[\s\S]*)$", not_found),
]
