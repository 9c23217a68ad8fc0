"""Keyset ("cursor") pagination over any ordering, ties included.

DRF's CursorPagination keys pages on the first ordering field only and falls back to offsets for
ties: the "top" feed, where most memes share a like count, would degrade into OFFSET scans. Here
the cursor holds the whole sort key of the last item (e.g. likes, created_at, pk), signed so a
client cannot hand us a malformed position; a stale or tampered cursor is a 400, not a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
CURSOR_MAX_LENGTH = 500
_SALT = "deepmeme.api.cursor"


class PageInput(serializers.Serializer):
    """Query parameters of every list endpoint."""

    cursor = serializers.CharField(
        required=False,
        max_length=CURSOR_MAX_LENGTH,
        help_text="The `next` cursor of the previous page; omit for the first.",
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )


def paginated(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The documented shape of a page of `item`s."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(
                allow_null=True, help_text="The next page's address, or null on the last page."
            ),
            "results": item(many=True),
            "__module__": __name__,
        },
    )


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None

    def next_link(self, request: Request) -> str | None:
        if self.next_cursor is None:
            return None
        return replace_query_param(request.build_absolute_uri(), "cursor", self.next_cursor)


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _decode(field: str, value: Any) -> Any:
    return parse_datetime(value) if field.endswith("_at") and isinstance(value, str) else value


def keyset_page(
    queryset: QuerySet[Model], *, ordering: tuple[str, ...], cursor: str | None, size: int
) -> Page:
    """One page of `queryset` in `ordering` (field names, "-" for descending; the last one must be
    unique, e.g. "-pk"), starting after `cursor`."""
    queryset = queryset.order_by(*ordering)
    fields = [key.lstrip("-") for key in ordering]
    values = cursor_values(cursor, ordering=ordering)
    if values is not None:
        queryset = queryset.filter(_after(ordering, values))
    rows = list(queryset[: size + 1])
    items, more = rows[:size], len(rows) > size
    next_cursor = cursor_for([getattr(items[-1], f) for f in fields], ordering=ordering) if more else None
    return Page(items, next_cursor)


def cursor_values(cursor: str | None, *, ordering: tuple[str, ...]) -> list[Any] | None:
    """The sort key (one value per `ordering` field) a cursor carries; None for no cursor (the
    first page). A cursor that is tampered with, stale or from another ordering is a 400."""
    if not cursor:
        return None
    try:
        payload = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature as exc:
        raise _bad_cursor() from exc
    if not isinstance(payload, dict) or payload.get("o") != list(ordering):
        raise _bad_cursor()
    fields = [key.lstrip("-") for key in ordering]
    values = [_decode(f, v) for f, v in zip(fields, payload.get("v") or [], strict=False)]
    if len(values) != len(fields) or any(v is None for v in values):
        raise _bad_cursor()
    return values


def cursor_for(values: list[Any], *, ordering: tuple[str, ...]) -> str:
    """The cursor of the page that starts after the item whose sort key is `values`."""
    return signing.dumps({"o": list(ordering), "v": [_encode(v) for v in values]}, salt=_SALT)


def _after(ordering: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in lexicographic `ordering`."""
    condition = Q()
    fields = [key.lstrip("-") for key in ordering]
    for i, key in enumerate(ordering):
        lookup = {fields[j]: values[j] for j in range(i)}  # equal on every earlier key...
        lookup[f"{fields[i]}__{'lt' if key.startswith('-') else 'gt'}"] = values[i]  # ...past on this
        condition |= Q(**lookup)
    return condition


def _bad_cursor() -> exceptions.ValidationError:
    return exceptions.ValidationError(
        {"cursor": ["This cursor is not valid (it may be from another list). Start from the first page."]},
        code="bad_cursor",
    )
