"""A meme's life over JSON: upload (202 + Location), poll, edit/re-render, caption, retry,
publish/unpublish, delete."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deepmeme_site.api.docs import api_doc
from deepmeme_site.api.errors import service_errors
from deepmeme_site.api.throttles import SCOPED_THROTTLES
from ml.emotions import EMOTIONS

from .. import selectors, services
from ..models import TEXT_MAX_LENGTH, Meme
from .serializers import MemeOutput

TAGS = ["memes"]


def meme_response(request: Request, meme: Meme, code: int = status.HTTP_200_OK) -> Response:
    """The meme as its owner/viewer sees it now (fresh counts), with Location on a 202."""
    meme = selectors.meme_get(public_id=meme.public_id, user=request.user)
    headers = {"Cache-Control": "no-store"}
    if code == status.HTTP_202_ACCEPTED:
        headers["Location"] = request.build_absolute_uri(reverse("api:meme-detail", args=[meme.public_id]))
    return Response(MemeOutput(meme, context={"request": request}).data, status=code, headers=headers)


class MemeCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "upload"

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField(help_text="JPEG, PNG or WebP; up to 10 MB and 40 megapixels.")
        topic = serializers.CharField(
            max_length=services.TOPIC_MAX_LENGTH,
            required=False,
            allow_blank=True,
            default="",
            help_text="What the meme is about (fills captions written for a topic).",
        )
        emotion_override = serializers.ChoiceField(
            choices=EMOTIONS,
            required=False,
            allow_blank=True,
            default="",
            help_text="Use this emotion instead of the one read from the face.",
        )

    @api_doc(
        summary="Upload a photo: the meme is made in the background",
        description="Answers 202 at once with the queued meme; poll `Location` until `finished`.",
        tags=TAGS,
        request={"multipart/form-data": InputSerializer},
        responses={202: MemeOutput},
        fails=[413, 429],
        location=True,
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors("photo", topic="topic", emotion="emotion_override"):
            meme = services.meme_create(owner=request.user, **data.validated_data)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)


class MemeDetailApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    class EditInputSerializer(serializers.Serializer):
        top_text = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
        bottom_text = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
        font_size = serializers.IntegerField(
            min_value=50, max_value=150, required=False, help_text="Largest text size, % of default."
        )
        text_color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="Like #ffffff.")

    @api_doc(
        summary="A meme: status, faces, probabilities, captions and image addresses",
        description="Poll this after an upload or edit until `finished`. Private memes are a 404 "
        "for everyone but their owner (and moderators).",
        tags=TAGS,
        responses={200: MemeOutput},
        fails=[404],
    )
    def get(self, request: Request, public_id: str) -> Response:
        meme = selectors.meme_get(public_id=public_id, user=request.user)
        meme = services.meme_expire_stale(meme=meme)
        return meme_response(request, meme)

    @api_doc(
        summary="Change the texts or their style; the meme is drawn again",
        description="Owner only. Fields left out stay as they are. Answers 202 with `Location`; "
        "the drawing is done by the time the answer comes, so `status` is already `ready`.",
        tags=TAGS,
        request=EditInputSerializer,
        responses={202: MemeOutput},
        fails=[403, 404],
        location=True,
    )
    def patch(self, request: Request, public_id: str) -> Response:
        meme = selectors.meme_get(public_id=public_id, user=request.user)
        data = self.EditInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(font_size="font_size", color="text_color"):
            services.meme_update(meme=meme, user=request.user, **data.validated_data)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)

    @api_doc(
        summary="Delete a meme and its files",
        description="Its owner, or a moderator.",
        tags=TAGS,
        responses={204: None},
        fails=[403, 404],
    )
    def delete(self, request: Request, public_id: str) -> Response:
        meme = selectors.meme_get(public_id=public_id, user=request.user)
        services.access_meme_delete(user=request.user, meme=meme)
        services.meme_delete(meme=meme)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemeCaptionApi(APIView):
    class InputSerializer(serializers.Serializer):
        caption_id = serializers.IntegerField(
            min_value=1, help_text="One of the meme's `suggested_captions`."
        )

    @api_doc(
        summary="Use another caption; the meme is drawn again",
        tags=TAGS,
        request=InputSerializer,
        responses={202: MemeOutput},
        fails=[403, 404],
        location=True,
    )
    def post(self, request: Request, public_id: str) -> Response:
        meme = selectors.meme_get(public_id=public_id, user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(caption="caption_id"):
            services.meme_choose_caption(meme=meme, user=request.user, **data.validated_data)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)


class MemeRetryApi(APIView):
    @api_doc(
        summary="Try a failed meme again",
        tags=TAGS,
        responses={202: MemeOutput},
        fails=[400, 403, 404],
        location=True,
    )
    def post(self, request: Request, public_id: str) -> Response:
        meme = selectors.meme_get(public_id=public_id, user=request.user)
        services.meme_retry(meme=meme, user=request.user)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)


class _MemeVisibilityApi(APIView):
    permission_classes = [IsAuthenticated]
    is_public = True

    def post(self, request: Request, public_id: str) -> Response:
        meme = selectors.meme_get(public_id=public_id, user=request.user)
        services.meme_set_public(meme=meme, user=request.user, is_public=self.is_public)
        return meme_response(request, meme)


class MemePublishApi(_MemeVisibilityApi):
    is_public = True

    @api_doc(
        summary="Publish to the feed (owner; the meme must be ready)",
        tags=TAGS,
        responses={200: MemeOutput},
        fails=[400, 403, 404],
    )
    def post(self, request: Request, public_id: str) -> Response:
        return super().post(request, public_id)


class MemeUnpublishApi(_MemeVisibilityApi):
    is_public = False

    @api_doc(
        summary="Make private again (owner)",
        tags=TAGS,
        responses={200: MemeOutput},
        fails=[403, 404],
    )
    def post(self, request: Request, public_id: str) -> Response:
        return super().post(request, public_id)
