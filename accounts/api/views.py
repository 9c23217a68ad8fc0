"""Accounts over JSON. Auth is DRF's token: `Authorization: Token <key>` (see README, REST API)."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikit.docs import api_doc
from apikit.throttles import SCOPED_THROTTLES
from memes import access

from .. import services

TAGS = ["accounts"]


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    date_joined = serializers.DateTimeField()
    is_staff = serializers.BooleanField(
        help_text="May open the admin site (what it may do there depends on permissions)."
    )
    is_moderator = serializers.SerializerMethodField(
        help_text="Holds the moderation permission: may see private memes, hide, delete and review reports."
    )
    profile_url = serializers.SerializerMethodField(help_text="Your public profile.")
    memes_url = serializers.SerializerMethodField(help_text="All your memes, private ones included.")

    def get_is_moderator(self, user: object) -> bool:
        return access.can_moderate(user)

    def get_profile_url(self, user: object) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse("api:user-detail", args=[user.username]))  # type: ignore[attr-defined]

    def get_memes_url(self, user: object) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:my-memes"))


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    user = MeOutput()


def _token_response(request: Request, user: object, code: int = status.HTTP_200_OK) -> Response:
    token = services.api_token_issue(user=user)
    return Response(
        TokenOutput({"token": token, "user": user}, context={"request": request}).data, status=code
    )


def _password_field(**kwargs: object) -> serializers.CharField:
    return serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}, **kwargs
    )


class SignUpApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "signup"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150, help_text="Letters, digits and @/./+/-/_ only.")
        email = serializers.EmailField(help_text="For password resets only.")
        password = _password_field()

    @api_doc(
        summary="Create an account and get its token",
        tags=TAGS,
        request=InputSerializer,
        responses={201: TokenOutput},
        fails=[429],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_signup(**data.validated_data)
        return _token_response(request, user, status.HTTP_201_CREATED)


class LoginApi(APIView):
    # Limited by django-axes (settings, "login limiting"), the same limiter as the login page and
    # the admin: per address and per (account, address), failures only. No DRF throttle here: a
    # per-account one would let anyone lock a person out by guessing from elsewhere.
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = _password_field()

    @api_doc(
        summary="Log in: exchange username and password for the token",
        tags=TAGS,
        request=InputSerializer,
        responses={200: TokenOutput},
        fails=[429],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Django's own request: axes marks a locked-out attempt on it, and its middleware then
        # answers 429 in the API's error shape (accounts.login_limits.lockout_response).
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise ValidationError("Wrong username or password.", code="invalid_credentials")
        return _token_response(request, user)


class LogoutApi(APIView):
    @api_doc(
        summary="Log out: revoke the token (and end the browser session)",
        description="The token stops working at once, on every device that shares it.",
        tags=TAGS,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        services.api_token_revoke(user=request.user)
        if request.session.get("_auth_user_id"):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @api_doc(summary="The signed-in user", tags=TAGS, responses={200: MeOutput})
    def get(self, request: Request) -> Response:
        return Response(MeOutput(request.user, context={"request": request}).data)


class AccountDeleteApi(APIView):
    # A POST, not DELETE /me/: OpenAPI 3.0 tells clients to ignore a DELETE's body (the password).
    class InputSerializer(serializers.Serializer):
        password = _password_field(help_text="Your password, to confirm.")

    @api_doc(
        summary="Delete your account, with all your memes",
        tags=TAGS,
        request=InputSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_delete_checked(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    class InputSerializer(serializers.Serializer):
        old_password = _password_field()
        new_password = _password_field()

    @api_doc(
        summary="Change your password (returns a new token; the old one stops working)",
        tags=TAGS,
        request=InputSerializer,
        responses={200: TokenOutput},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, **data.validated_data)
        return _token_response(request, user)


class PasswordResetApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "password_reset"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()

    @api_doc(
        summary="Email a password-reset link",
        description="Always 202, whether or not the address has an account. The link opens the web page.",
        tags=TAGS,
        request=InputSerializer,
        responses={202: None},
        fails=[429],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_password_reset_request(
            email=data.validated_data["email"], domain=request.get_host(), use_https=request.is_secure()
        )
        return Response(status=status.HTTP_202_ACCEPTED)
