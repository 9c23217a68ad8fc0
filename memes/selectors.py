"""Everything that reads: feeds, galleries, a meme's page data, caption suggestions and counts.
Fetching one meme for a person goes through memes.access, which checks who may see it."""

from __future__ import annotations

import random
from collections.abc import Collection
from datetime import UTC, timedelta
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ml.caption.words import mentions_topic
from ml.emotions import EMOTIONS

from .captions import TOPIC_PLACEHOLDER, caption_texts, like_rate_draw
from .limits import CAPTION_CHOICES
from .models import Caption, Comment, Like, Meme, Report

FeedOrder = Literal["new", "top"]
TOP_WINDOW = timedelta(days=7)


def _count(model: type, **filters: Any) -> Coalesce:
    # A correlated COUNT subquery per row: cheaper than JOIN + GROUP BY over likes and comments.
    sub = (
        model.objects.filter(meme=OuterRef("pk"), **filters)
        .order_by()
        .values("meme")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def with_counts(memes: QuerySet[Meme], *, user: Any) -> QuerySet[Meme]:
    """like_count, comment_count and liked (by this user) on each meme."""
    memes = memes.select_related("owner").annotate(like_count=_count(Like), comment_count=_count(Comment))
    if user is not None and user.is_authenticated:
        return memes.annotate(liked=Exists(Like.objects.filter(meme=OuterRef("pk"), user=user)))
    return memes.annotate(liked=Value(False))


def public_memes() -> QuerySet[Meme]:
    return Meme.objects.filter(is_public=True, is_hidden=False, status=Meme.Status.READY)


def meme_feed(*, user: Any, order: FeedOrder = "new") -> QuerySet[Meme]:
    """The public feed. "top" ranks by likes received in the last seven days."""
    memes = with_counts(public_memes(), user=user)
    if order == "top":
        since = timezone.now() - TOP_WINDOW
        return memes.annotate(recent_likes=_count(Like, created_at__gte=since)).order_by(
            "-recent_likes", "-created_at"
        )
    return memes.order_by("-created_at")


def feed_page_rows(
    *, order: FeedOrder, after: list[Any] | None, limit: int, user: Any
) -> list[dict[str, Any]]:
    """The public feed of meme_feed (same memes, same order, same counts) as plain rows for the API's
    cards, `limit` of them after the sort key `after` ([created_at, id] for "new", [recent_likes,
    created_at, id] for "top"; None: from the start), and whether `user` likes each ("liked").

    One plain SQL query on purpose: this is the API feed when its cache cannot help, and through the
    ORM building the query and the model instances cost several times what running it does (see
    BENCHMARKS.md, REST API feed). tests/api/test_feed_rows.py holds it to meme_feed, row for row.
    Portable: PostgreSQL and SQLite (`make run`)."""
    meme, like, comment = Meme._meta.db_table, Like._meta.db_table, Comment._meta.db_table
    user_table = get_user_model()._meta.db_table
    signed_in = user is not None and user.is_authenticated
    columns = (
        "m.id, m.public_id, u.username, m.status, m.is_public, m.emotion, m.top_text, m.bottom_text, "
        "m.image, m.thumbnail, m.is_animated, m.photo_width, m.photo_height, m.created_at"
    )
    counts = (
        f"(SELECT COUNT(*) FROM {like} l WHERE l.meme_id = m.id) AS like_count, "
        f"(SELECT COUNT(*) FROM {comment} c WHERE c.meme_id = m.id) AS comment_count"
    )
    liked = f", EXISTS (SELECT 1 FROM {like} l WHERE l.meme_id = m.id AND l.user_id = %s) AS liked"
    source = (
        f"FROM {meme} m INNER JOIN {user_table} u ON u.id = m.owner_id "
        "WHERE m.is_public AND NOT m.is_hidden AND m.status = %s"
    )
    ops = connection.ops
    params: list[Any] = [user.pk] if signed_in else []
    if order == "top":
        since = ops.adapt_datetimefield_value(timezone.now() - TOP_WINDOW)
        ranked = (
            f"SELECT {columns}, (SELECT COUNT(*) FROM {like} l WHERE l.meme_id = m.id "
            f"AND l.created_at >= %s) AS recent_likes {source}"
        )
        sql = f"SELECT m.*, {counts}{liked if signed_in else ''} FROM ({ranked}) m"
        params += [since, Meme.Status.READY]
        if after is not None:
            sql += " WHERE (m.recent_likes, m.created_at, m.id) < (%s, %s, %s)"
            params += [after[0], ops.adapt_datetimefield_value(after[1]), after[2]]
        sql += " ORDER BY m.recent_likes DESC, m.created_at DESC, m.id DESC LIMIT %s"
    else:
        sql = f"SELECT {columns}, {counts}{liked if signed_in else ''} {source}"
        params.append(Meme.Status.READY)
        if after is not None:
            created = ops.adapt_datetimefield_value(after[0])
            # The first condition alone lets the created_at index find the page's start.
            sql += " AND m.created_at <= %s AND (m.created_at, m.id) < (%s, %s)"
            params += [created, created, after[1]]
        sql += " ORDER BY m.created_at DESC, m.id DESC LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["created_at"] = _aware(row["created_at"])
        row["is_public"], row["is_animated"] = bool(row["is_public"]), bool(row["is_animated"])
        row["liked"] = bool(row.get("liked"))
    return rows


def _aware(value: Any) -> Any:
    # PostgreSQL gives aware datetimes; SQLite gives naive UTC ones (or text).
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None and settings.USE_TZ:
        value = value.replace(tzinfo=UTC)
    return value


def meme_gallery(*, owner: Any, viewer: Any) -> QuerySet[Meme]:
    """A person's memes: all of them for themselves, the public ones for everyone else."""
    is_owner = viewer.is_authenticated and viewer.pk == owner.pk
    memes = (Meme.objects if is_owner else public_memes()).filter(owner=owner)
    return with_counts(memes, user=viewer).order_by("-created_at")


def meme_status(*, meme: Meme) -> dict[str, Any]:
    """What the progress page polls for (JSON-able)."""
    return {
        "id": meme.public_id,
        "status": meme.status,
        "stage": meme.stage,
        "failure_reason": meme.failure_reason,
        "ready": meme.status == Meme.Status.READY,
        "finished": meme.is_finished,
        "image_url": meme.image.url if meme.image else None,
        "thumbnail_url": meme.thumbnail.url if meme.thumbnail else None,
        "emotion": meme.emotion,
        "no_face": meme.no_face,
    }


def meme_face_report(*, meme: Meme) -> list[dict[str, Any]]:
    """Each face for display: its box in percent of the photo, its seven ensemble probabilities and
    each ensemble member's own probabilities (so a person can see how the models voted)."""
    width, height = meme.photo_width or 1, meme.photo_height or 1
    report = []
    for index, face in enumerate(meme.faces or [], start=1):
        x, y, w, h = (float(v) for v in face.get("box", (0, 0, 0, 0)))
        probabilities = face.get("probabilities", {})
        report.append(
            {
                "index": index,
                "emotion": face.get("emotion", ""),
                "box_percent": {
                    "left": max(0.0, 100 * x / width),
                    "top": max(0.0, 100 * y / height),
                    "width": min(100.0, 100 * w / width),
                    "height": min(100.0, 100 * h / height),
                },
                "bars": [
                    {"emotion": e, "percent": round(100 * float(probabilities.get(e, 0.0)), 1)}
                    for e in EMOTIONS
                ],
                "members": [_member_votes(name, probs) for name, probs in face.get("members", {}).items()],
            }
        )
    return report


def _member_votes(name: str, probabilities: dict[str, float]) -> dict[str, Any]:
    """One ensemble member's view of a face: its top emotion and its seven percentages."""
    top = max(EMOTIONS, key=lambda e: float(probabilities.get(e, 0.0)))
    return {
        "name": name,
        "emotion": top,
        "cells": [
            {"emotion": e, "percent": round(100 * float(probabilities.get(e, 0.0)), 1), "top": e == top}
            for e in EMOTIONS
        ],
    }


def meme_comments(*, meme: Meme) -> QuerySet[Comment]:
    return Comment.objects.filter(meme=meme).select_related("user").order_by("created_at")


def caption_suggestions(
    *,
    emotion: str,
    topic: str = "",
    limit: int = CAPTION_CHOICES,
    rng: random.Random | None = None,
    exclude_ids: Collection[int] = (),
) -> list[Caption]:
    """Approved captions for an emotion, best first, leaving out `exclude_ids`. With a topic,
    captions written for a topic ({topic}) or mentioning it come first; without one, {topic}
    captions are left out. Within a group, captions rank by a Thompson-sampling draw over their
    likes by others per use (memes.captions.like_rate_draw): liked ones usually lead, new ones
    still get their turn. A seeded `rng` gives the same order every time."""
    rng = rng or random.Random()
    # In id order, so that a seeded rng draws the same number for the same caption every time.
    captions = list(
        Caption.objects.filter(emotion=emotion, approved=True)
        .exclude(pk__in=list(exclude_ids))
        .order_by("pk")
    )

    def group(c: Caption) -> int:
        if topic and (c.has_topic or mentions_topic(c.text, topic)):
            return 0
        return 1

    if not topic:
        captions = [c for c in captions if TOPIC_PLACEHOLDER not in c.text]
    keyed = [(group(c), -like_rate_draw(likes=c.likes, uses=c.times_used, rng=rng), c) for c in captions]
    keyed.sort(key=lambda t: (t[0], t[1]))
    return [c for _, _, c in keyed[:limit]]


def meme_previous_of_owner(*, meme: Meme) -> Meme | None:
    """The person's most recent other finished meme: its caption is not used again right away."""
    return (
        Meme.objects.filter(owner_id=meme.owner_id, status=Meme.Status.READY)
        .exclude(pk=meme.pk)
        .only("pk", "caption_id", "top_text", "bottom_text")
        .order_by("-created_at", "-pk")
        .first()
    )


def caption_choice(*, caption: Caption, topic: str) -> dict[str, Any]:
    """A caption as a meme's page and the API offer it: its two lines for this topic, and who
    wrote it ("model": the captioner; "curated": our curated set)."""
    top, bottom = caption_texts(caption.text, topic)
    return {
        "id": caption.pk,
        "top_text": top,
        "bottom_text": bottom,
        "text": " / ".join(t for t in (top, bottom) if t),
        "source": Meme.CaptionSource.MODEL
        if caption.source == Caption.Source.GENERATED
        else Meme.CaptionSource.CURATED,
    }


def meme_caption_choices(*, meme: Meme, limit: int = CAPTION_CHOICES) -> list[dict[str, Any]]:
    """A meme's other captions for its owner: first those the model wrote for it ("write
    another"), newest first, then curated ones. Never the current caption, and the same on every
    page load: the curated draw is seeded by the meme."""
    exclude = [meme.caption_id] if meme.caption_id else []
    written = (
        Caption.objects.filter(generated_for=meme, approved=False)
        .exclude(pk__in=exclude)
        .order_by("-pk")[:limit]
    )
    curated = caption_suggestions(
        emotion=meme.emotion,
        topic=meme.topic,
        limit=limit,
        rng=random.Random(f"caption-choices:{meme.public_id}"),  # str seeds hash stably across processes
        exclude_ids=exclude,
    )
    return [caption_choice(caption=c, topic=meme.topic) for c in [*written, *curated]]


def captions_generated_liked(*, captions: QuerySet[Caption] | None = None) -> QuerySet[Caption]:
    """Captions the model wrote that other people liked: what curators look at to promote."""
    captions = Caption.objects.all() if captions is None else captions
    return captions.filter(source=Caption.Source.GENERATED, likes__gt=0).order_by("-likes", "-pk")


def caption_counts_by_emotion() -> list[dict[str, Any]]:
    """Per emotion: total, approved and pending captions, for the curators' balance summary. The
    model's own captions of single memes are not the dataset until a curator promotes one."""
    dataset = Caption.objects.exclude(source=Caption.Source.GENERATED, approved=False)
    rows = {
        r["emotion"]: r
        for r in dataset.values("emotion").annotate(
            total=Count("pk"), approved=Count("pk", filter=Q(approved=True))
        )
    }
    summary = []
    for emotion in EMOTIONS:
        row = rows.get(emotion, {"total": 0, "approved": 0})
        summary.append(
            {
                "emotion": emotion,
                "total": row["total"],
                "approved": row["approved"],
                "pending": row["total"] - row["approved"],
            }
        )
    most = max((r["approved"] for r in summary), default=0) or 1
    for r in summary:
        r["percent_of_max"] = round(100 * r["approved"] / most)
    return summary


# --- used by the REST API ------------------------------------------------------------------------


def liked_meme_ids(*, user: Any, meme_ids: list[int]) -> set[int]:
    """Which of these memes the user likes: one query, to mark a shared (cached) page per person.
    Plain SQL on purpose: it runs on every signed-in feed request, and building the ORM query
    cost three times as much as running it (see BENCHMARKS.md, REST API feed)."""
    if user is None or not user.is_authenticated or not meme_ids:
        return set()
    placeholders = ", ".join(["%s"] * len(meme_ids))  # portable: SQLite (`make run`) too
    sql = f"SELECT meme_id FROM {Like._meta.db_table} WHERE user_id = %s AND meme_id IN ({placeholders})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, *meme_ids])
        return {row[0] for row in cursor.fetchall()}


def user_get(*, username: str) -> Any:
    """An active person by username, or 404."""
    if "\x00" in username:  # never a username; PostgreSQL refuses NUL in a query
        raise Http404("No such person.")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise Http404("No such person.")
    return user


def user_public_meme_count(*, user: Any) -> int:
    return public_memes().filter(owner=user).count()


def _reports() -> QuerySet[Report]:
    return Report.objects.select_related("meme", "meme__owner", "reporter", "resolved_by")


def reports_for_review(*, resolved: bool = False) -> QuerySet[Report]:
    """Open reports (or resolved ones), newest first, with their meme and people."""
    return _reports().exclude(resolution="") if resolved else _reports().filter(resolution="")


def report_get(*, report_id: int) -> Report:
    report = _reports().filter(pk=report_id).first()
    if report is None:
        raise Http404("No such report.")
    return report
