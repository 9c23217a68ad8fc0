"""One JSON error shape for every API failure: ``{"error": {"code", "message", "fields"}}``.

``message`` is a sentence a person can read; ``fields`` maps input names to their messages so a
form can show them next to the right box. Services raise Django's ValidationError and
PermissionDenied; the handler turns those into the same shape as DRF's own exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .throttles import throttled_message

NON_FIELD_KEYS = {"non_field_errors", "__all__"}
# Default codes by status, for exceptions that bring none of their own (Http404, PermissionDenied).
CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


class ErrorBody(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`, `not_found`.")
    message = serializers.CharField(help_text="What went wrong, in a sentence to show a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field (dotted names for nested fields); empty when none.",
    )


class ErrorResponse(serializers.Serializer):
    error = ErrorBody()


def _printable(text: str) -> str:
    # Messages may quote the input back ('"x" is not a valid choice'): a lone surrogate from an
    # escaped JSON string would make the UTF-8 response itself fail to encode.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    fields = {_printable(k): [_printable(m) for m in v] for k, v in (fields or {}).items()}
    return {"error": {"code": code, "message": _printable(message), "fields": fields}}


def _flatten(detail: Any, prefix: str = "") -> Iterator[tuple[str, ErrorDetail]]:
    """(field name, error) pairs from DRF's nested detail; "" names errors that belong to no field."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in NON_FIELD_KEYS else f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, name if key not in NON_FIELD_KEYS else prefix)
    elif isinstance(detail, list):
        for value in detail:
            if isinstance(value, dict | list):
                yield from _flatten(value, prefix)
            else:
                yield prefix, value
    else:
        yield prefix, detail


def _label(name: str) -> str:
    return name.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def _validation_body(detail: Any) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    general: list[ErrorDetail] = []
    codes: list[str] = []
    for name, error in _flatten(detail):
        codes.append(getattr(error, "code", None) or "invalid")
        if name:
            fields.setdefault(name, []).append(str(error))
        else:
            general.append(error)
    parts = [str(e) for e in general] + [f"{_label(n)}: {msgs[0]}" for n, msgs in fields.items()]
    message = " ".join(parts) or "The request is not valid."
    # One error: its own code (e.g. "too_large"), so a client can react to it; several: "invalid".
    code = codes[0] if len(codes) == 1 else "invalid"
    return error_body(code, message, fields)


def _from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        detail: Any = {
            name: [ErrorDetail(m, e.code or "invalid") for e in errors for m in e.messages]
            for name, errors in error.error_dict.items()
        }
    else:
        detail = [ErrorDetail(m, e.code or "invalid") for e in error.error_list for m in e.messages]
    return exceptions.ValidationError(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:  # a bug, not bad input: let Django log it and answer 500
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
        return response
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    code = getattr(detail, "code", None) or CODES.get(response.status_code, "error")
    message = str(detail) or "The request could not be handled."
    if isinstance(exc, exceptions.Throttled):
        message = throttled_message(int(exc.wait or 1))  # the web forms' 429 page says the same
    response.data = error_body(code, message)
    return response


@contextmanager
def service_errors(default: str | None = None, **field_by_code: str) -> Iterator[None]:
    """Re-raise a service's ValidationError against the input field it concerns (chosen by the
    error's code, else `default`), so the client can show it next to that field."""
    try:
        yield
    except DjangoValidationError as error:
        code = getattr(error, "code", None)
        name = field_by_code.get(code or "", default)
        if name is None or hasattr(error, "error_dict"):
            raise
        raise exceptions.ValidationError(
            {name: [ErrorDetail(m, code or "invalid") for m in error.messages]}
        ) from error


@csrf_exempt  # it changes nothing; a POST to a wrong address must get this 404, not a CSRF page
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown /api/ addresses answer in the API's shape, not with the HTML 404 page."""
    return JsonResponse(error_body("not_found", "There is no API endpoint at this address."), status=404)
