"""Staff only: hide/unhide memes, review and resolve reports. Everyone else gets 403."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikit.docs import api_doc
from apikit.pagination import PageInput, keyset_page, paginated

from .. import access, checks, selectors
from ..models import Report
from ..services import moderation
from .memes import meme_response
from .serializers import MemeCardOutput, MemeOutput, UserRefOutput

TAGS = ["moderation"]


class CanModerate(BasePermission):
    """memes.access.can_moderate as a DRF permission: refused (403) before anything is looked up."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return access.can_moderate(request.user)


class _MemeHiddenApi(APIView):
    permission_classes = [CanModerate]
    hidden = True

    def post(self, request: Request, public_id: str) -> Response:
        meme = access.access_meme_for_moderation(user=request.user, public_id=public_id)
        moderation.meme_set_hidden(meme=meme, user=request.user, hidden=self.hidden)
        return meme_response(request, meme)


class MemeHideApi(_MemeHiddenApi):
    hidden = True

    @api_doc(
        summary="Hide a meme from every public list (its owner still sees it)",
        tags=TAGS,
        responses={200: MemeOutput},
        fails=[403, 404],
    )
    def post(self, request: Request, public_id: str) -> Response:
        return super().post(request, public_id)


class MemeUnhideApi(_MemeHiddenApi):
    hidden = False

    @api_doc(summary="Undo hiding a meme", tags=TAGS, responses={200: MemeOutput}, fails=[403, 404])
    def post(self, request: Request, public_id: str) -> Response:
        return super().post(request, public_id)


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    meme = MemeCardOutput()
    meme_is_hidden = serializers.BooleanField(source="meme.is_hidden")
    reporter = UserRefOutput()
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolution = serializers.ChoiceField(
        choices=[("", "Open"), *Report.Resolution.choices], help_text="Empty while the report is open."
    )
    resolved_by = UserRefOutput(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)


ReportPage = paginated(ReportOutput, "ReportPage")


class ReportListApi(APIView):
    permission_classes = [CanModerate]

    class FilterSerializer(PageInput):
        state = serializers.ChoiceField(choices=["open", "resolved"], default="open", required=False)

    @api_doc(
        summary="Reports to review, newest first",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: ReportPage},
        fails=[400, 403],
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = keyset_page(
            selectors.reports_for_review(resolved=params.validated_data["state"] == "resolved"),
            ordering=("-created_at", "-pk"),
            cursor=params.validated_data.get("cursor"),
            size=params.validated_data["page_size"],
        )
        results = ReportOutput(page.items, many=True, context={"request": request}).data
        return Response({"next": page.next_link(request), "results": results})


class ReportResolveApi(APIView):
    permission_classes = [CanModerate]

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(
            choices=checks.REPORT_ACTIONS,
            help_text="dismiss: the meme is fine; hide: keep it out of public lists; delete: remove it. "
            "Applies to every open report of the meme.",
        )

    @api_doc(
        summary="Decide on a report",
        description="200 with the resolved report; 204 when the meme was deleted (its reports with it).",
        tags=TAGS,
        request=InputSerializer,
        responses={200: ReportOutput, 204: None},
        fails=[403, 404],
    )
    def post(self, request: Request, report_id: int) -> Response:
        report = selectors.report_get(report_id=report_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = moderation.report_resolve(report=report, user=request.user, **data.validated_data)
        if report is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ReportOutput(report, context={"request": request}).data)
