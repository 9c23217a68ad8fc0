"""HTML views: parse the request, call a service or selector, render. No business logic here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from apikit.throttles import web_rate_limit

from . import access, captioner, feedcache, layouts, selectors
from .forms import CommentForm, EditForm, UploadForm
from .models import Meme
from .services import memes as meme_services
from .services import pipeline, social

FEED_PAGE_SIZE = 24


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    order = "top" if request.GET.get("order") == "top" else "new"
    page_number = request.GET.get("page", "1")
    # Only plain page numbers become cache keys; anything else is page 1, as Paginator.get_page has it.
    page_number = page_number if page_number.isdigit() and len(page_number) <= 6 else "1"
    # Anonymous visitors all see the same page: keep it for a few seconds. Not when this visitor has
    # a message waiting (e.g. "your account is deleted"): it is theirs, not the page's.
    shared = not request.user.is_authenticated and not len(messages.get_messages(request))
    key = f"feed:{order}:{page_number}"
    if shared and settings.FEED_CACHE_SECONDS and (cached := cache.get(key)) is not None:
        return HttpResponse(cached)
    context = {"grid": _feed_grid(order=order, page_number=page_number, user=request.user), "order": order}
    response = render(request, "memes/feed.html", context)
    if shared and settings.FEED_CACHE_SECONDS:
        cache.set(key, response.content, settings.FEED_CACHE_SECONDS)
    return response


def _feed_grid(*, order: str, page_number: str, user: Any) -> SafeString:
    """The feed's cards and pager, the same for everyone (cards show counts, not who liked), so
    signed-in visitors share it for a few seconds too: a cache hit runs no feed query at all."""
    key = f"feed-grid:{order}:{page_number}"
    # Not shared with someone who just liked or commented: their own action shows at once.
    if (cached := feedcache.feed_page_get(key=key, user=user)) is not None:
        return mark_safe(cached)  # our own rendered template, stored as text
    memes = selectors.meme_feed(user=user, order=order)
    page = Paginator(memes, FEED_PAGE_SIZE).get_page(page_number)
    grid = render_to_string("memes/_feed_grid.html", {"page": page, "order": order})
    feedcache.feed_page_set(key=key, page=grid)
    return grid


@login_required
@web_rate_limit("upload")  # the API's upload rates, counted together with the app's uploads
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            meme = meme_services.meme_create(
                owner=request.user,
                photo=form.cleaned_data["photo"],
                topic=form.cleaned_data["topic"],
                emotion_override=form.cleaned_data["emotion"],
            )
        except ValidationError as error:
            form.add_error("photo" if error.code not in ("topic", "emotion") else None, error)
        else:
            return redirect("memes:detail", public_id=meme.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "memes/upload.html", {"form": form}, status=status)


def gallery(request: HttpRequest, username: str) -> HttpResponse:
    owner = selectors.user_get(username=username)
    page = Paginator(selectors.meme_gallery(owner=owner, viewer=request.user), FEED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "memes/gallery.html",
        {
            "owner": owner,
            "page": page,
            "is_me": request.user.is_authenticated and request.user.pk == owner.pk,
        },
    )


def meme_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    meme = access.access_meme_for_view(user=request.user, public_id=public_id)
    meme = pipeline.meme_recover_if_lost(meme=meme)
    is_owner = access.can_edit_meme(request.user, meme)
    comments = list(selectors.meme_comments(meme=meme))
    for comment in comments:
        comment.meme = meme  # all of them are on it: no query per comment for the permission
        comment.can_delete = access.can_delete_comment(request.user, comment)
    context: dict[str, Any] = {
        "meme": meme,
        "is_owner": is_owner,
        "faces": selectors.meme_face_report(meme=meme) if meme.is_ready else [],
        "progress_steps": pipeline.PROGRESS_STEPS,
        "comments": comments,
        "comment_form": CommentForm(),
        "share_url": request.build_absolute_uri(meme_url(meme)),
        "og_image": request.build_absolute_uri(reverse("memes:image", args=[meme.public_id])),
    }
    if is_owner and meme.is_ready:
        context["edit_form"] = EditForm(
            initial={
                "top_text": meme.top_text,
                "bottom_text": meme.bottom_text,
                "font_size": meme.font_size,
                "text_color": meme.text_color,
            }
        )
        context["editor"] = layouts.editor_data(meme=meme)
        context["caption_choices"] = selectors.meme_caption_choices(meme=meme)
        context["captioner_enabled"] = captioner.captioner_enabled()
    return render(request, "memes/detail.html", context)


def meme_url(meme: Meme) -> str:
    return reverse("memes:detail", args=[meme.public_id])


@require_GET
def meme_status(request: HttpRequest, public_id: str) -> JsonResponse:
    meme = access.access_meme_for_view(user=request.user, public_id=public_id)
    meme = pipeline.meme_recover_if_lost(meme=meme)
    return JsonResponse(selectors.meme_status(meme=meme), headers={"Cache-Control": "no-store"})


@require_GET
def meme_image(request: HttpRequest, public_id: str) -> HttpResponse:
    """A stable address for the rendered image (share cards), redirecting to wherever storage
    serves it now: signed S3 links expire, this one does not."""
    meme = access.access_meme_for_view(user=request.user, public_id=public_id)
    if not meme.image:
        return HttpResponse("This meme is not ready yet.", status=404)
    return HttpResponseRedirect(meme.image.url)


@require_GET
def meme_download(request: HttpRequest, public_id: str) -> HttpResponse:
    meme = access.access_meme_for_view(user=request.user, public_id=public_id)
    if not meme.image:
        return HttpResponse("This meme is not ready yet.", status=404)
    # The stored format: JPEG, or animated WebP for an animated meme (the download keeps it moving).
    ext = "webp" if meme.image.name.lower().endswith(".webp") else "jpg"
    response = FileResponse(
        meme.image.open("rb"),
        as_attachment=True,
        filename=f"deepmeme-{meme.public_id}.{ext}",
        content_type="image/webp" if ext == "webp" else "image/jpeg",
    )
    return keep_private(response, meme=meme)


def keep_private(response: HttpResponse, *, meme: Meme) -> HttpResponse:
    """A file of a meme not everyone may see: no shared cache (proxy, CDN) keeps it, nor the
    browser's disk. Used by the download and the media files."""
    if not access.is_visible_to_everyone(meme):
        response["Cache-Control"] = "private, no-store"
    return response


def _owner_action(request: HttpRequest, public_id: str, action: Any, success: str | None) -> HttpResponse:
    meme = access.access_meme_for_edit(user=request.user, public_id=public_id)
    try:
        action(meme)
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"error": _error_text(error)}, status=400)
        messages.error(request, _error_text(error))
    else:
        if _wants_json(request):
            return JsonResponse(selectors.meme_status(meme=meme))
        if success:
            messages.success(request, success)
    return redirect("memes:detail", public_id=meme.public_id)


@login_required
@require_POST
def meme_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    data = request.POST
    if data.get("boxes"):  # the editor (static/js/editor.js) posts the whole layout as JSON
        fields: dict[str, Any] = {"boxes": data["boxes"]}
    else:  # the plain form, without JavaScript
        fields = {key: data.get(key) for key in ("top_text", "bottom_text", "font_size", "text_color")}
    return _owner_action(
        request,
        public_id,
        lambda meme: meme_services.meme_update(meme=meme, user=request.user, **fields),
        "Meme updated.",
    )


@login_required
@require_POST
def meme_caption(request: HttpRequest, public_id: str) -> HttpResponse:
    caption_id = request.POST.get("caption_id", "")
    return _owner_action(
        request,
        public_id,
        lambda meme: meme_services.meme_choose_caption(meme=meme, user=request.user, caption_id=caption_id),
        "Caption changed.",
    )


@login_required
@require_POST
@web_rate_limit("write_captions")
def meme_write_captions(request: HttpRequest, public_id: str) -> HttpResponse:
    """The "Write another" button: the model writes fresh captions, listed first under "Other
    captions" (back on the meme's page, without JavaScript too)."""
    meme = access.access_meme_for_edit(user=request.user, public_id=public_id)
    try:
        written = meme_services.meme_write_captions(meme=meme, user=request.user)
    except captioner.CaptionerOff as exc:
        messages.error(request, str(exc))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        plural = "s" if len(written) != 1 else ""
        messages.success(request, f"{len(written)} new caption{plural}: pick one below.")
    return redirect(f"{meme_url(meme)}#captions")


@login_required
@require_POST
def meme_publish(request: HttpRequest, public_id: str) -> HttpResponse:
    public = request.POST.get("public") == "1"
    return _owner_action(
        request,
        public_id,
        lambda meme: meme_services.meme_set_public(meme=meme, user=request.user, is_public=public),
        "Published to the feed." if public else "Made private.",
    )


@login_required
@require_POST
def meme_retry(request: HttpRequest, public_id: str) -> HttpResponse:
    return _owner_action(
        request,
        public_id,
        lambda meme: meme_services.meme_retry(meme=meme, user=request.user),
        # No flash message: it would outlive the job and sit on the finished meme. The progress
        # panel itself says "Trying again…" while the new attempt runs.
        None,
    )


@login_required
@require_POST
def meme_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    meme = access.access_meme_for_delete(user=request.user, public_id=public_id)
    meme_services.meme_delete(meme=meme, user=request.user)
    messages.success(request, "Meme deleted.")
    return redirect("memes:gallery", username=request.user.get_username())


@login_required
@require_POST
def meme_like(request: HttpRequest, public_id: str) -> HttpResponse:
    meme = access.access_meme_for_view(user=request.user, public_id=public_id)
    liked = social.meme_like_toggle(meme=meme, user=request.user)
    if _wants_json(request):
        return JsonResponse({"liked": liked, "like_count": meme.likes.count()})
    return redirect("memes:detail", public_id=meme.public_id)


@login_required
@require_POST
@web_rate_limit("comment")
def comment_create(request: HttpRequest, public_id: str) -> HttpResponse:
    meme = access.access_meme_for_view(user=request.user, public_id=public_id)
    try:
        social.comment_create(meme=meme, user=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(f"{meme_url(meme)}#comments")


@login_required
@require_POST
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    # Visibility first, as the API does: a comment on a meme this person can't see is a 404.
    comment = access.access_comment_for_delete(user=request.user, comment_id=comment_id)
    social.comment_delete(comment=comment, user=request.user)
    return redirect(f"{meme_url(comment.meme)}#comments")
