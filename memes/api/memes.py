"""A meme's life over JSON: upload (202 + Location), poll, edit/re-render, caption, retry,
publish/unpublish, delete."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikit.docs import api_doc
from apikit.errors import service_errors
from apikit.throttles import SCOPED_THROTTLES
from ml.emotions import EMOTIONS

from .. import access, captioner, limits, selectors
from ..models import Meme
from ..services import memes as meme_services
from ..services import pipeline
from .serializers import MemeOutput, SuggestedCaptionOutput, TextBoxesField

TAGS = ["memes"]


def meme_response(request: Request, meme: Meme, code: int = status.HTTP_200_OK) -> Response:
    """The meme as its owner/viewer sees it now (fresh counts), with Location on a 202."""
    meme = access.access_meme_for_view(user=request.user, public_id=meme.public_id)
    headers = {"Cache-Control": "no-store"}
    if code == status.HTTP_202_ACCEPTED:
        headers["Location"] = request.build_absolute_uri(reverse("api:meme-detail", args=[meme.public_id]))
    return Response(MemeOutput(meme, context={"request": request}).data, status=code, headers=headers)


class MemeCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "upload"

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField(help_text=limits.photo_help_text_lazy())
        topic = serializers.CharField(
            max_length=limits.TOPIC_MAX_LENGTH,
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
            meme = meme_services.meme_create(owner=request.user, **data.validated_data)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)


class MemeDetailApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    class EditInputSerializer(serializers.Serializer):
        # Limits from memes.limits (so the schema states them); the service checks the values.
        top_text = serializers.CharField(max_length=limits.TEXT_MAX_LENGTH, required=False, allow_blank=True)
        bottom_text = serializers.CharField(
            max_length=limits.TEXT_MAX_LENGTH, required=False, allow_blank=True
        )
        font_size = serializers.IntegerField(
            min_value=limits.FONT_SIZE_MIN,
            max_value=limits.FONT_SIZE_MAX,
            required=False,
            help_text="Largest text size, % of default.",
        )
        text_color = serializers.RegexField(
            limits.COLOR_PATTERN,
            required=False,
            help_text=limits.COLOR_MESSAGE,
            error_messages={"invalid": limits.COLOR_MESSAGE},
        )
        boxes = TextBoxesField(
            required=False,
            help_text=f"The whole text layout (at most {limits.BOXES_MAX} boxes), replacing the current one. "
            "`top_text`/`bottom_text` sent with it then set its first two boxes' texts, `font_size`/"
            "`text_color` every box's size/colour.",
        )

    @api_doc(
        summary="A meme: status, faces, probabilities, captions and image addresses",
        description="Poll this after an upload or edit until `finished`. Private memes are a 404 "
        "for everyone but their owner (and moderators).",
        tags=TAGS,
        responses={200: MemeOutput},
        fails=[404],
    )
    def get(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_view(user=request.user, public_id=public_id)
        meme = pipeline.meme_recover_if_lost(meme=meme)
        return meme_response(request, meme)

    @api_doc(
        summary="Change the texts, their layout or their style; the meme is drawn again",
        description="Owner only. Fields left out stay as they are. Answers 202 with `Location`; "
        "the drawing is done by the time the answer comes, so `status` is already `ready`.",
        tags=TAGS,
        request=EditInputSerializer,
        responses={202: MemeOutput},
        fails=[403, 404],
        location=True,
    )
    def patch(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_edit(user=request.user, public_id=public_id)
        data = self.EditInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(font_size="font_size", color="text_color", boxes="boxes"):
            meme_services.meme_update(meme=meme, user=request.user, **data.validated_data)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)

    @api_doc(
        summary="Delete a meme and its files",
        description="Its owner, or a moderator.",
        tags=TAGS,
        responses={204: None},
        fails=[403, 404],
    )
    def delete(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_delete(user=request.user, public_id=public_id)
        meme_services.meme_delete(meme=meme, user=request.user)
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
        meme = access.access_meme_for_edit(user=request.user, public_id=public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(caption="caption_id"):
            meme_services.meme_choose_caption(meme=meme, user=request.user, **data.validated_data)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)


class CaptionerUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The caption writer is not available right now."
    default_code = "captioner_unavailable"


class MemeWriteCaptionsApi(APIView):
    """Write another: running the model costs about a second of CPU, so it is throttled per person
    and per address like uploads."""

    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "write_captions"

    @api_doc(
        summary="Write another: fresh model captions for this meme",
        description="Owner only, once ready. The captioner writes up to "
        f"{limits.WRITE_ANOTHER_COUNT} new captions for the meme's emotion and topic; they also "
        "lead the meme's `suggested_captions`. Pass one's `id` to `caption/` to use it. 503 when "
        "the captioner is switched off or failing; 400 when nothing it wrote passed the filters.",
        tags=TAGS,
        responses={201: SuggestedCaptionOutput(many=True)},
        fails=[400, 403, 404, 429, 503],
    )
    def post(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_edit(user=request.user, public_id=public_id)
        try:
            written = meme_services.meme_write_captions(meme=meme, user=request.user)
        except captioner.CaptionerOff as exc:
            raise CaptionerUnavailable(str(exc)) from exc
        choices = [selectors.caption_choice(caption=c, topic=meme.topic) for c in written]
        return Response(SuggestedCaptionOutput(choices, many=True).data, status=status.HTTP_201_CREATED)


class MemeRetryApi(APIView):
    @api_doc(
        summary="Try a failed meme again",
        tags=TAGS,
        responses={202: MemeOutput},
        fails=[400, 403, 404],
        location=True,
    )
    def post(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_edit(user=request.user, public_id=public_id)
        meme_services.meme_retry(meme=meme, user=request.user)
        return meme_response(request, meme, status.HTTP_202_ACCEPTED)


class _MemeVisibilityApi(APIView):
    permission_classes = [IsAuthenticated]
    is_public = True

    def post(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_edit(user=request.user, public_id=public_id)
        meme_services.meme_set_public(meme=meme, user=request.user, is_public=self.is_public)
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
