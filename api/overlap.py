"""`POST /api/v1/overlap/`: the existing tools (and open needs) a draft overlaps.

Anyone may ask, signed in or not; every caller gets only records `restrict()` lets them read
(the engine starts from restricted querysets). Requests are throttled per caller under the
scope "overlap" (rates "overlap.anon" and "overlap.user"). Invalid input is a 400 listing
every problem:

    {"type": "validation_error",
     "errors": [{"field": "functions", "code": "unknown_code", "message": "..."}]}
"""

from __future__ import annotations

import re

from django.db.models import CharField, Value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from registry.models import Function, Language, Region, TargetUser, TraffickingType
from registry.models.facets import normalize_place_or_language
from registry.overlap import KINDS, MAX_LIMIT, Draft, find_overlaps

from .schema import NON_BLANK_TEXT_PATTERN
from .serializers.common import with_schema

DEFAULT_LIMIT = 10
MAX_TITLE = 300
MAX_DESCRIPTION = 10000
MAX_CODES = 50

# What a vocabulary code looks like ("case_management", "US", "zh-hans").
_PLAIN_CODE = re.compile(r"[A-Za-z0-9_-]+")

_FACET_VOCABULARIES = {
    "functions": Function,
    "trafficking_types": TraffickingType,
    "target_users": TargetUser,
    "regions": Region,
}


class StrictCharField(serializers.CharField):
    """A string and only a string: numbers and booleans are refused, not converted."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON number that is a whole number: strings and booleans are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _any_case(code: str) -> str:
    return "".join(
        f"[{c.upper()}{c.lower()}]" if c.upper() != c.lower() else re.escape(c) for c in code
    )


def code_schema(vocabulary, *, any_case: bool = False):
    """The codes of `vocabulary` a draft may name: exactly as listed (documented as the
    vocabulary's choices, the same enum as elsewhere in the schema), or in any letter case
    where the API normalizes them (countries, `global`, language tags)."""
    if not any_case:
        return serializers.ChoiceField(choices=vocabulary.definitions())
    codes = [code for code, _label in vocabulary.definitions()]
    return {"type": "string", "pattern": "^(?:" + "|".join(map(_any_case, codes)) + ")$"}


def _code_field(vocabulary, *, any_case: bool = False, **kwargs):
    field_class = with_schema(StrictCharField, code_schema(vocabulary, any_case=any_case))
    return field_class(trim_whitespace=False, **kwargs)


def _codes_field(vocabulary, help_text, *, any_case: bool = False):
    return serializers.ListField(
        child=_code_field(vocabulary, any_case=any_case, max_length=40),
        required=False,
        default=list,
        max_length=MAX_CODES,
        help_text=help_text,
    )


class OverlapDraftSerializer(serializers.Serializer):
    """A draft tool or need."""

    kind = serializers.ChoiceField(
        choices=KINDS, help_text=_("“tool” for a tool you plan to build, “need” for a need.")
    )
    # Not trimmed: the lengths the schema declares are the lengths the API counts.
    title = StrictCharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_TITLE,
        default="",
        help_text=_("A title or a description (or both) must hold more than whitespace."),
    )
    description = StrictCharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_DESCRIPTION,
        default="",
    )
    functions = _codes_field(Function, _("Function codes (registry vocabulary)."))
    trafficking_types = _codes_field(TraffickingType, _("Trafficking type codes."))
    target_users = _codes_field(TargetUser, _("Target user codes."))
    regions = _codes_field(
        Region, _("ISO 3166-1 alpha-2 country codes, or “global”."), any_case=True
    )
    language = _code_field(
        Language,
        any_case=True,
        required=False,
        default="en",
        max_length=20,
        help_text=_("BCP 47 language of the draft: en, es, zh-hans, ..."),
    )
    limit = StrictIntegerField(
        required=False, default=DEFAULT_LIMIT, min_value=1, max_value=MAX_LIMIT
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail(_("Unknown field."), code="unknown_field")]
                        for name in unknown
                    }
                )
            self._look_up_codes(data)
        return super().to_internal_value(data)

    def _look_up_codes(self, data: dict) -> None:
        """Which of the codes the draft names exist, for every vocabulary (and the
        language) in one statement; the field validators then ask the database only for
        codes not looked up here."""
        asked: dict[str, set[str]] = {}
        for facet in _FACET_VOCABULARIES:
            values = data.get(facet)
            if not isinstance(values, list) or len(values) > MAX_CODES:
                continue
            codes = {v for v in values if isinstance(v, str) and v}
            if facet == "regions":
                codes = {normalize_place_or_language("regions", c) for c in codes}
            # Only plain codes: anything else is left to the field's own checks first.
            asked[facet] = {c for c in codes if len(c) <= 40 and _PLAIN_CODE.fullmatch(c)}
        language = data.get("language", "en")
        if isinstance(language, str) and len(language) <= 20:
            code = normalize_place_or_language("languages", language or "en")
            if _PLAIN_CODE.fullmatch(code):
                asked["language"] = {code}
        vocabularies = {**_FACET_VOCABULARIES, "language": Language}
        parts = [
            vocabularies[name]
            .objects.filter(code__in=sorted(codes))
            .order_by()
            .annotate(vocabulary=Value(name, output_field=CharField()))
            .values_list("vocabulary", "code")
            for name, codes in asked.items()
            if codes
        ]
        known: dict[str, set[str]] = {name: set() for name in asked}
        if parts:
            for name, code in parts[0].union(*parts[1:], all=True):
                known[name].add(code)
        self._asked, self._found = asked, known

    def _existing(self, name: str, model, codes: list[str]) -> set[str]:
        asked = getattr(self, "_asked", {}).get(name)
        if asked is not None and set(codes) <= asked:
            return self._found[name] & set(codes)
        return set(model.objects.filter(code__in=codes).values_list("code", flat=True))

    def _known_codes(self, facet: str, codes: list[str]) -> list[str]:
        if facet == "regions":
            codes = [normalize_place_or_language("regions", c) for c in codes]
        codes = list(dict.fromkeys(codes))
        model = _FACET_VOCABULARIES[facet]
        known = self._existing(facet, model, codes)
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise serializers.ValidationError(
                [
                    serializers.ErrorDetail(
                        _("Unknown code “%(code)s”.") % {"code": c}, code="unknown_code"
                    )
                    for c in unknown
                ]
            )
        return codes

    def validate_functions(self, value):
        return self._known_codes("functions", value)

    def validate_trafficking_types(self, value):
        return self._known_codes("trafficking_types", value)

    def validate_target_users(self, value):
        return self._known_codes("target_users", value)

    def validate_regions(self, value):
        return self._known_codes("regions", value)

    def validate_language(self, value):
        code = normalize_place_or_language("languages", value)
        if code not in self._existing("language", Language, [code]):
            raise serializers.ValidationError(
                _("Unknown language “%(code)s”.") % {"code": value}, code="unknown_code"
            )
        return code

    def validate(self, attrs):
        if not attrs.get("title", "").strip() and not attrs.get("description", "").strip():
            raise serializers.ValidationError(
                {
                    "title": [
                        serializers.ErrorDetail(
                            _("Give a title or a description (or both)."), code="required"
                        )
                    ]
                }
            )
        return attrs


class OverlapDraftSchema(OpenApiSerializerExtension):
    """Says in the schema what `OverlapDraftSerializer.validate` requires: a title or a
    description that holds more than whitespace."""

    target_class = "api.overlap.OverlapDraftSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False  # to_internal_value refuses unknown fields
            schema["anyOf"] = [
                {
                    "required": [name],
                    "properties": {name: {"type": "string", "pattern": NON_BLANK_TEXT_PATTERN}},
                }
                for name in ("title", "description")
            ]
        return schema


class OverlapResultSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("“tool” or “need”."))
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.URLField()
    score = serializers.FloatField(min_value=0, max_value=1)
    likely_duplicate = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class OverlapResponseSerializer(serializers.Serializer):
    results = OverlapResultSerializer(many=True)


def _flatten(detail, field: str | None = None) -> list[dict]:
    """DRF's nested error detail as a flat list of {field, code, message}, in the API's
    shape (api.exceptions): field None for the request as a whole, "functions.0" inside."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            key = str(key)
            if key in (api_settings.NON_FIELD_ERRORS_KEY, "__all__") and field is None:
                name = None
            else:
                name = f"{field}.{key}" if field else key
            items.extend(_flatten(value, name))
        return items
    if isinstance(detail, list | tuple):
        items = []
        for value in detail:
            items.extend(_flatten(value, field))
        return items
    return [
        {
            "field": field,
            "code": str(getattr(detail, "code", None) or "invalid"),
            "message": str(detail),
        }
    ]


class OverlapView(APIView):
    """Existing tools that already do what a draft describes, ranked, with reasons."""

    # Asking is a read, whatever the method: anyone may, signed in or not, with any token.
    permission_classes = [permissions.AllowAny]
    # The project's scoped throttle reads the "overlap.anon" / "overlap.user" rates.
    throttle_scope = "overlap"

    @extend_schema(
        operation_id="overlap_create",
        summary="Find existing tools (and open needs) that overlap a draft",
        description=(
            "Send a tool you plan to build or a need you have; the answer lists the existing "
            "tools that already do it, best first, with a score in [0, 1], whether the record "
            "is likely a duplicate, and the reasons. For kind=need, similar open needs are "
            "listed too (potential partners). Only records the caller may read are considered."
        ),
        request=OverlapDraftSerializer,
        # Error responses (400 validation_error, 429, ...) are added by api.schema.
        responses={200: OverlapResponseSerializer},
        examples=[
            OpenApiExample(
                "A need",
                request_only=True,
                value={
                    "kind": "need",
                    "title": "Survivor case tracking for our shelter",
                    "description": "Caseworkers record shelter stays and counselling on paper.",
                    "functions": ["case_management"],
                    "language": "en",
                    "limit": 5,
                },
            )
        ],
        tags=["overlap"],
    )
    def post(self, request, *args, **kwargs):
        serializer = OverlapDraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        draft = Draft(
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            functions=tuple(data["functions"]),
            trafficking_types=tuple(data["trafficking_types"]),
            target_users=tuple(data["target_users"]),
            regions=tuple(data["regions"]),
            language=data["language"],
        )
        matches = find_overlaps(draft, user=request.user, limit=data["limit"])
        results = [
            {
                "type": m.type,
                "slug": m.slug,
                "name": m.name,
                "url": request.build_absolute_uri(m.record.get_absolute_url()),
                "score": m.score,
                "likely_duplicate": m.likely_duplicate,
                "reasons": [str(r) for r in m.reasons],
            }
            for m in matches
        ]
        return Response({"results": results})

    def handle_exception(self, exc):
        # Other failures (malformed JSON, throttling) keep the project-wide handler's shape.
        if isinstance(exc, exceptions.ValidationError):
            return Response(
                {"type": "validation_error", "errors": _flatten(exc.detail)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return super().handle_exception(exc)
