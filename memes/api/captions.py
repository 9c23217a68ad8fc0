"""Suggest a caption: it waits, unapproved, for a curator in the admin."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikit.docs import api_doc
from apikit.errors import service_errors
from apikit.throttles import SCOPED_THROTTLES
from ml.emotions import EMOTIONS

from ..limits import TEXT_MAX_LENGTH
from ..services import captions


class CaptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    emotion = serializers.ChoiceField(choices=EMOTIONS)
    approved = serializers.BooleanField(help_text="False until a curator approves it.")


class CaptionSuggestApi(APIView):
    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "suggest"

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(
            max_length=TEXT_MAX_LENGTH,
            help_text='"TOP | BOTTOM" to choose where the text splits; {topic} becomes the meme\'s topic.',
        )
        emotion = serializers.ChoiceField(choices=EMOTIONS, help_text="The face this caption is for.")

    @api_doc(
        summary="Suggest a caption for an emotion",
        tags=["captions"],
        request=InputSerializer,
        responses={201: CaptionOutput},
        fails=[429],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors("text", emotion="emotion"):
            caption = captions.caption_suggest(user=request.user, **data.validated_data)
        return Response(CaptionOutput(caption).data, status=status.HTTP_201_CREATED)
