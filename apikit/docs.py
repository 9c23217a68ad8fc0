"""OpenAPI helpers: every operation lists its success responses and the error shape for each
failure it can give, so clients (and schemathesis) can rely on the schema."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from .errors import ErrorResponse

ERROR_TEXT = {
    400: "Bad input; `error.fields` says which field and why.",
    401: "Not signed in, or the token is not valid (`Authorization: Token <key>`).",
    403: "Signed in, but not allowed to do this.",
    404: "No such object, or a private one this user may not see.",
    413: "The request body is too large.",
    415: "Unsupported Content-Type for the body.",
    429: "Too many requests; `Retry-After` says how many seconds to wait.",
    503: "A part of the service this needs is off or failing right now; try again later.",
}

LOCATION_HEADER = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[202],
    description="The meme's address: poll it until `status` is `ready` or `failed`.",
)
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429], description="Seconds to wait."
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorResponse, description=ERROR_TEXT[code]) for code in sorted(codes)}


def api_doc(
    *,
    summary: str,
    tags: list[str],
    responses: dict[int, Any],
    fails: Iterable[int] = (),
    request: Any = None,
    parameters: list[Any] | None = None,
    description: str | None = None,
    operation_id: str | None = None,
    location: bool = False,
) -> Callable[[Any], Any]:
    """extend_schema with the error responses filled in. Every operation can answer 401 (a bad
    token is refused even where no sign-in is needed); a body can be malformed (400) or of a type
    we don't read (415); a throttled one answers 429 with Retry-After. `location`: the 202 carries
    a Location header to poll."""
    codes = {401, *fails}
    if request is not None:
        codes |= {400, 415}
    params = list(parameters or [])
    if 429 in codes:
        params.append(RETRY_AFTER_HEADER)
    if location:
        params.append(LOCATION_HEADER)
    return extend_schema(
        summary=summary,
        description=description,
        tags=tags,
        request=request,
        responses={**responses, **errors(*codes)},
        parameters=params or None,
        operation_id=operation_id,
    )


class AutoSchema(BaseAutoSchema):
    """Names the Input serializers nested in each APIView after their view ("SignUpApi.Input
    Serializer" -> "SignUpInput"), so the many classes called InputSerializer stay distinct."""

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        parts = type(serializer).__qualname__.split(".")
        if len(parts) >= 2:
            return parts[-2].removesuffix("Api") + parts[-1].removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)
