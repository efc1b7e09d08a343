"""OpenAPI generation: every operation documents its errors, headers and strict bodies.

The registry's AutoSchema adds to each operation what every endpoint may answer besides
its success (400, 401, 403, 404, 429; and 409/412/413/415 where they apply) in the one error
shape, the `ETag` header on single-record answers, the `If-Match` request header on
PUT/PATCH/DELETE, `Retry-After` on 429, and `additionalProperties: false` on request bodies
(unknown fields are refused).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .serializers.common import StrictSerializer
from .serializers.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: validation_error or parse_error (malformed JSON).",
    "401": "not_authenticated: no credentials for a write, or an invalid, expired or revoked "
    "token.",
    "403": "permission_denied: the record is visible to you but you may not do this (or a "
    "read-only token tried to write, or the CSRF check failed).",
    "404": "not_found: no such record, or one you may not see (the answer is the same).",
    "409": "conflict: the write clashes with the current state of the data.",
    "412": "precondition_failed: If-Match does not match the record's current ETag.",
    "413": "parse_error: the body is larger than the API accepts.",
    "415": "parse_error: the body is not JSON (send Content-Type: application/json).",
    "429": "throttled: too many requests; retry after Retry-After seconds.",
}
BODY_METHODS = {"POST", "PUT", "PATCH"}
CONDITIONAL_METHODS = {"PUT", "PATCH", "DELETE"}


class RegistryAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404", "429"]
        if self.method in BODY_METHODS or self.method == "DELETE":
            codes.append("409")
        if self.method in CONDITIONAL_METHODS and self._returns_one_record():
            codes.append("412")
        if self.method in BODY_METHODS:
            codes += ["413", "415"]
        return sorted(codes)

    def _returns_one_record(self) -> bool:
        action = getattr(self.view, "action", None)
        return action in getattr(self.view, "etag_actions", ())

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method in CONDITIONAL_METHODS and self._returns_one_record():
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "The ETag you last read. If the record changed since, the write is "
                        "refused with 412. Without it the write is accepted unconditionally."
                    ),
                )
            )
        if self._returns_one_record() and self.method != "DELETE":
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=[200, 201],
                    description="Version of the record, for If-Match.",
                )
            )
        parameters.append(
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=[429],
                description="Seconds to wait before the next request.",
            )
        )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code]),
                    code,
                    direction=direction,
                )
        return dict(sorted(responses.items()))

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(force_instance(serializer), StrictSerializer)
            and schema.get("type") == "object"
        ):
            schema["additionalProperties"] = False
        return schema
