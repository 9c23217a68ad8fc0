"""Admin: caption curation and meme moderation. Every action calls a memes.services module."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from ml.emotions import EMOTIONS

from . import selectors
from .models import Caption, Comment, Meme, Report
from .services import captions, moderation
from .services import memes as meme_services


def _relabel_action(emotion: str) -> Any:
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Caption]) -> None:
        moved = captions.captions_relabel(captions=queryset, emotion=emotion)
        skipped = queryset.count() - moved if moved < queryset.count() else 0
        note = (
            f" ({skipped} left alone: already labelled so, or the same text exists there)" if skipped else ""
        )
        modeladmin.message_user(
            request, f"Relabelled {moved} caption(s) as {emotion}{note}.", messages.SUCCESS
        )

    action.__name__ = f"relabel_{emotion}"
    return admin.action(description=f"Relabel selected as {emotion}")(action)


@admin.register(Caption)
class CaptionAdmin(admin.ModelAdmin):
    list_display = ("text", "emotion", "source", "approved", "times_used", "likes", "created_at")
    list_filter = ("emotion", "source", "approved")
    search_fields = ("text",)
    list_editable = ("approved",)
    list_per_page = 100
    readonly_fields = ("times_used", "likes", "created_at")
    actions = ["approve", "reject", "export_csv", *[_relabel_action(e) for e in EMOTIONS]]
    change_list_template = "admin/memes/caption/change_list.html"

    @admin.action(description="Approve selected captions")
    def approve(self, request: HttpRequest, queryset: QuerySet[Caption]) -> None:
        n = captions.captions_set_approved(captions=queryset, approved=True)
        self.message_user(request, f"Approved {n} caption(s).", messages.SUCCESS)

    @admin.action(description="Reject (unapprove) selected captions")
    def reject(self, request: HttpRequest, queryset: QuerySet[Caption]) -> None:
        n = captions.captions_set_approved(captions=queryset, approved=False)
        self.message_user(request, f"Rejected {n} caption(s).", messages.SUCCESS)

    @admin.action(description="Export selected captions as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Caption]) -> HttpResponse:
        out = io.StringIO()
        captions.captions_export_csv(captions=queryset, out=out)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return HttpResponse(
            out.getvalue(),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="captions-{stamp}.csv"'},
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "emotion_summary": selectors.caption_counts_by_emotion()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(Meme)
class MemeAdmin(admin.ModelAdmin):
    list_display = (
        "preview",
        "public_id",
        "owner",
        "status",
        "emotion",
        "is_public",
        "is_hidden",
        "created_at",
    )
    list_filter = ("status", "is_public", "is_hidden", "emotion")
    search_fields = ("public_id", "owner__username", "top_text", "bottom_text", "topic")
    list_select_related = ("owner",)
    readonly_fields = (
        "public_id",
        "owner",
        "photo",
        "image",
        "thumbnail",
        "faces",
        "created_at",
        "updated_at",
    )
    actions = ["hide", "unhide", "delete_with_files"]
    date_hierarchy = "created_at"

    @admin.display(description="Meme")
    def preview(self, meme: Meme) -> str:
        if not meme.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" style="height:60px;border-radius:6px">', meme.thumbnail.url)

    @admin.action(description="Hide selected memes from public lists")
    def hide(self, request: HttpRequest, queryset: QuerySet[Meme]) -> None:
        n = moderation.memes_set_hidden(memes=queryset, hidden=True)
        self.message_user(request, f"Hid {n} meme(s).", messages.SUCCESS)

    @admin.action(description="Unhide selected memes")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Meme]) -> None:
        n = moderation.memes_set_hidden(memes=queryset, hidden=False)
        self.message_user(request, f"Unhid {n} meme(s).", messages.SUCCESS)

    @admin.action(description="Delete selected memes and their files", permissions=["delete"])
    def delete_with_files(self, request: HttpRequest, queryset: QuerySet[Meme]) -> None:
        n = meme_services.memes_delete(memes=queryset)
        self.message_user(request, f"Deleted {n} meme(s) and their files.", messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would leave the files behind
        return actions

    def delete_model(self, request: HttpRequest, obj: Meme) -> None:
        meme_services.meme_delete(meme=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Meme]) -> None:
        meme_services.memes_delete(memes=queryset)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("text", "user", "meme", "created_at")
    search_fields = ("text", "user__username")
    list_select_related = ("user", "meme")
    raw_id_fields = ("user", "meme")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports sent through the API. Deciding one decides every open report of its meme."""

    list_display = ("meme", "reason", "note", "reporter", "created_at", "resolution", "resolved_by")
    list_filter = ("resolution", "reason")
    search_fields = ("meme__public_id", "reporter__username", "note")
    list_select_related = ("meme", "reporter", "resolved_by")
    raw_id_fields = ("meme", "reporter", "resolved_by")
    readonly_fields = ("created_at", "resolved_at")
    actions = ["hide_memes", "dismiss"]

    def _resolve(self, request: HttpRequest, queryset: QuerySet[Report], action: str) -> int:
        reports = list(queryset.select_related("meme"))
        for report in reports:
            moderation.report_resolve(report=report, user=request.user, action=action)
        return len(reports)

    @admin.action(description="Hide the reported memes (resolves their reports)")
    def hide_memes(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        n = self._resolve(request, queryset, "hide")
        self.message_user(request, f"Hid the memes of {n} report(s).", messages.SUCCESS)

    @admin.action(description="Dismiss: the memes are fine")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        n = self._resolve(request, queryset, "dismiss")
        self.message_user(request, f"Dismissed {n} report(s).", messages.SUCCESS)
