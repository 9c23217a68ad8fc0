"""Likes (idempotent), comments and reports."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikit.docs import api_doc
from apikit.errors import service_errors
from apikit.pagination import PageInput, keyset_page, paginated
from apikit.throttles import SCOPED_THROTTLES

from .. import access, limits, selectors
from ..models import Report
from ..services import moderation, social
from .serializers import CommentOutput

TAGS = ["social"]


class LikeOutput(serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()


class MemeLikeApi(APIView):
    def _set(self, request: Request, public_id: str, liked: bool) -> Response:
        meme = access.access_meme_for_view(user=request.user, public_id=public_id)
        liked = social.meme_like_set(meme=meme, user=request.user, liked=liked)
        return Response(LikeOutput({"liked": liked, "like_count": meme.likes.count()}).data)

    @api_doc(summary="Like a meme (idempotent)", tags=TAGS, responses={200: LikeOutput}, fails=[403, 404])
    def put(self, request: Request, public_id: str) -> Response:
        return self._set(request, public_id, True)

    @api_doc(summary="Unlike a meme (idempotent)", tags=TAGS, responses={200: LikeOutput}, fails=[403, 404])
    def delete(self, request: Request, public_id: str) -> Response:
        return self._set(request, public_id, False)


CommentPage = paginated(CommentOutput, "CommentPage")


class MemeCommentsApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "comment"

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=limits.COMMENT_MAX_LENGTH)

    @api_doc(
        summary="A meme's comments, oldest first",
        tags=TAGS,
        parameters=[PageInput],
        responses={200: CommentPage},
        fails=[400, 404],
    )
    def get(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_view(user=request.user, public_id=public_id)
        params = PageInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = keyset_page(
            selectors.meme_comments(meme=meme),
            ordering=("created_at", "pk"),
            cursor=params.validated_data.get("cursor"),
            size=params.validated_data["page_size"],
        )
        for comment in page.items:
            comment.meme = meme  # they all belong to it: no query per comment for its owner
        results = CommentOutput(page.items, many=True, context={"request": request}).data
        return Response({"next": page.next_link(request), "results": results})

    @api_doc(
        summary="Comment on a meme",
        tags=TAGS,
        request=InputSerializer,
        responses={201: CommentOutput},
        fails=[403, 404, 429],
    )
    def post(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_view(user=request.user, public_id=public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors("text"):
            comment = social.comment_create(meme=meme, user=request.user, **data.validated_data)
        output = CommentOutput(comment, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class CommentDetailApi(APIView):
    @api_doc(
        summary="Delete a comment (yours, one on your meme, or any as a moderator)",
        tags=TAGS,
        responses={204: None},
        fails=[403, 404],
    )
    def delete(self, request: Request, comment_id: int) -> Response:
        comment = access.access_comment_for_delete(user=request.user, comment_id=comment_id)
        social.comment_delete(comment=comment, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved = serializers.SerializerMethodField()

    def get_resolved(self, report: Report) -> bool:
        return bool(report.resolution)


class MemeReportApi(APIView):
    throttle_classes = SCOPED_THROTTLES
    throttle_scope = "report"

    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=Report.Reason.choices)
        note = serializers.CharField(
            max_length=limits.REPORT_NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

    @api_doc(
        summary="Report a meme to the moderators",
        description="201 the first time; 200 with the same report if you already reported it.",
        tags=TAGS,
        request=InputSerializer,
        responses={201: MyReportOutput, 200: MyReportOutput},
        fails=[403, 404, 429],
    )
    def post(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_view(user=request.user, public_id=public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(reason="reason", note="note"):
            report, created = moderation.report_create(meme=meme, user=request.user, **data.validated_data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(MyReportOutput(report).data, status=code)
