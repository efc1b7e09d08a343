"""OpenAPI generation: every operation documents its errors, headers and strict bodies.

The registry's AutoSchema adds to each operation what every endpoint may answer besides
its success (400, 401, 403, 404, 429; and 409/412/413/415 where they apply) in the one error
shape, the `ETag` header on single-record answers, the `If-Match` request header on
PUT/PATCH/DELETE, `Retry-After` on 429, and `additionalProperties: false` on request bodies
(unknown fields are refused).

The schema says exactly what the API accepts, so that a request it allows is never refused
for its shape and one it forbids is a 400 (schemathesis checks both ways in CI,
tests/api/test_schemathesis.py):

- a blank query parameter (`?functions=`, `?updated_since=`) is the same as an absent one,
  on every operation: each query parameter's schema admits "" (`allow_blank()`);
- request strings hold no NUL, and a field that may not be blank needs a character that is
  not whitespace (the serializers trim it), `text_pattern()`;
- a list that may not be empty says `minItems: 1`;
- `If-Match` is `*` or a list of entity tags (a malformed one is a 400, a stale one a 412).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

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

BLANK = {"type": "string", "enum": [""]}
# What str.strip() removes (Python's whitespace), spelled out so that every regular
# expression engine (Python's, ECMAScript's, Rust's) reads the same characters.
_WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# Non-empty: drf-spectacular adds "" as an alternative of its own (`oneOf`) where a field may
# be blank, and the two alternatives must not both match.
TEXT_PATTERN = "^[^\\x00]+$"
NON_BLANK_TEXT_PATTERN = f"^[^\\x00]*[^\\x00{_WHITESPACE}][^\\x00]*$"
# RFC 9110 If-Match: "*" or a comma-separated list of (weak or strong) entity tags.
_ENTITY_TAG = '(?:W/)?"[\\x21\\x23-\\x7e\\x80-\\xff]*"'
IF_MATCH_PATTERN = f"^[ \\t]*(?:\\*|{_ENTITY_TAG}(?:[ \\t]*,[ \\t]*{_ENTITY_TAG})*)[ \\t]*$"


def allow_blank(schema: dict) -> dict:
    """`schema`, also admitting "" (for a parameter where blank means absent)."""
    if schema.get("type") == "array":
        return {**schema, "items": allow_blank(schema.get("items", {}))}
    if "enum" in schema:
        widened = {key: value for key, value in schema.items() if key != "minLength"}
        return {**widened, "enum": list(dict.fromkeys([*schema["enum"], ""]))}
    if schema.get("type") == "string" and not ({"format", "pattern", "minLength"} & set(schema)):
        return schema
    return {"anyOf": [schema, BLANK]}


def text_pattern(field: serializers.CharField) -> str:
    """The pattern of a CharField's non-empty values: no NUL, and something besides
    whitespace when the field trims it and may not be blank."""
    if field.trim_whitespace and not field.allow_blank:
        return NON_BLANK_TEXT_PATTERN
    return TEXT_PATTERN


class RegistryAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] == "query" or parameter["name"] == "If-Match":
                parameter["schema"] = allow_blank(parameter["schema"])
                note = "Blank is the same as absent."
                description = parameter.get("description", "")
                parameter["description"] = f"{description} {note}".strip()
        return operation

    def _is_list_view(self, serializer=None) -> bool:
        # A `list` action that answers one object (a need's matches) says so.
        if getattr(self.view, "list_answers_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request":
            return schema
        if (
            isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum"} & set(schema)
        ):
            schema["pattern"] = text_pattern(field)
        if (
            isinstance(field, (serializers.ListField, serializers.ManyRelatedField))
            and not field.allow_empty
            and schema.get("type") == "array"
        ):
            schema.setdefault("minItems", 1)
        return schema

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
                    {"type": "string", "pattern": IF_MATCH_PATTERN},
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "The ETag you last read (or `*`). If the record changed since, the "
                        "write is refused with 412. Without it the write is accepted "
                        "unconditionally."
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
        instance = force_instance(serializer)
        if (
            direction == "request"
            and isinstance(instance, StrictSerializer)
            and schema.get("type") == "object"
        ):
            schema["additionalProperties"] = False
            if instance.exactly_one_of:
                schema["oneOf"] = [{"required": [name]} for name in instance.exactly_one_of]
            if instance.schema_rules:
                schema["allOf"] = [*schema.get("allOf", []), *instance.schema_rules]
        return schema
