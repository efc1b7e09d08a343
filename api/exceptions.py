"""One error shape for the whole API, whatever went wrong and wherever.

    {"type": "validation_error", "errors": [{"field": "name", "code": "required",
                                             "message": "This field is required."}]}

`type` says what kind of failure it is; each entry of `errors` names the field it is about
(null when it is about the request as a whole). Services raise Django's ValidationError,
registry.services.PermissionDenied and Model.DoesNotExist; they become 400, 403 and 404 here,
so viewsets never translate errors themselves. A 404 never says whether the record exists.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings

from config.middleware import BUSY_RETRY_AFTER_SECONDS, is_database_busy

logger = logging.getLogger("api")

ERROR_TYPES = (
    "validation_error",
    "not_found",
    "permission_denied",
    "not_authenticated",
    "throttled",
    "parse_error",
    "precondition_failed",
    "conflict",
    "method_not_allowed",
    "server_error",
)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record has changed since you read it (If-Match does not match).")
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the record.")
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


class DatabaseBusy(exceptions.APIException):
    """Another write held the lock this request needed (SQLite's single writer, a PostgreSQL
    lock timeout): 503 with Retry-After, never a 500 (config.middleware.is_database_busy)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The registry is busy saving another change; try again in a few seconds.")
    default_code = "database_busy"
    # DRF turns `wait` into the Retry-After header.
    wait = BUSY_RETRY_AFTER_SECONDS


class NotFoundAnywhere(exceptions.NotFound):
    """The one 404 message: the same for a record that is hidden and one that never was."""

    default_detail = _("Not found.")


def _error_type(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    if isinstance(
        exc,
        (
            exceptions.ParseError,
            exceptions.UnsupportedMediaType,
            exceptions.NotAcceptable,
            RequestTooLarge,
        ),
    ):
        return "parse_error"
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return "not_authenticated"
    if isinstance(exc, exceptions.PermissionDenied):
        return "permission_denied"
    if isinstance(exc, exceptions.NotFound):
        return "not_found"
    if isinstance(exc, exceptions.MethodNotAllowed):
        return "method_not_allowed"
    if isinstance(exc, exceptions.Throttled):
        return "throttled"
    if isinstance(exc, PreconditionFailed):
        return "precondition_failed"
    if isinstance(exc, Conflict):
        return "conflict"
    if exc.status_code >= 500:
        return "server_error"
    return "validation_error"


def _flatten(detail, field: str | None = None) -> list[dict]:
    """[{field, code, message}] from DRF's nested error detail (dicts, lists, ErrorDetail)."""
    items: list[dict] = []
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            key = str(key)
            if key in (api_settings.NON_FIELD_ERRORS_KEY, "__all__", "detail") and field is None:
                name = None
            else:
                name = f"{field}.{key}" if field else key
            items += _flatten(value, name)
    elif isinstance(detail, (list, tuple)):
        for entry in detail:
            items += _flatten(entry, field)
    else:
        code = getattr(detail, "code", None) or "invalid"
        items.append({"field": field, "code": str(code), "message": str(detail)})
    return items


def error_body(error_type: str, errors: list[dict]) -> dict:
    return {"type": error_type, "errors": errors}


def _to_api_exception(exc):
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return exceptions.ParseError(_("Too many parameters."))
    if isinstance(exc, SuspiciousOperation):
        # Django answers these with a bare 400 page; the API in its own shape.
        return exceptions.ParseError(_("The request is malformed."))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, Http404):
        return NotFoundAnywhere()
    if isinstance(exc, ObjectDoesNotExist):
        return NotFoundAnywhere()
    if isinstance(exc, DjangoPermissionDenied):
        message = str(exc) or exceptions.PermissionDenied.default_detail
        return exceptions.PermissionDenied(detail=message)
    if isinstance(exc, IntegrityError):
        return Conflict()
    if is_database_busy(exc):
        return DatabaseBusy()
    if isinstance(exc, exceptions.NotFound):
        return NotFoundAnywhere()
    return exc


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every failure as {"type", "errors"}; unknown ones as a 500."""
    # Imported here: rest_framework.views loads the parser classes, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    exc = _to_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API exception: a bug. Log it with its traceback, answer in the API's shape.
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view else "API")
        set_rollback()
        return Response(
            error_body(
                "server_error",
                [
                    {
                        "field": None,
                        "code": "server_error",
                        "message": str(_("Something went wrong on our side.")),
                    }
                ],
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    else:
        detail = exc.detail
        if isinstance(detail, (list, dict)):
            errors = _flatten(detail)
        else:
            errors = [
                {
                    "field": None,
                    "code": str(getattr(detail, "code", exc.default_code)),
                    "message": str(detail),
                }
            ]
    if not errors:
        errors = [{"field": None, "code": exc.default_code, "message": str(exc.default_detail)}]
    response.data = error_body(_error_type(exc), errors)
    return response


def error_response(exc: exceptions.APIException) -> Response:
    """An error response built outside a view's exception handling (the 404 catch-all)."""
    return api_exception_handler(exc, {})
