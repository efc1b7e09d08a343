"""Multi-valued facets shared by tools and needs, with their validation.

Many-to-many links cannot be checked by Model.clean() before the row exists, so records with
facets validate them through `validate_facets` (called by full_clean_with_facets) and write
them through `set_facets`, which refuses unknown codes with a message naming each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from core import taxonomy


def _as_codes(values: Iterable[str] | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        raise ValidationError(_("Expected a list of codes, not a single string."), code="invalid")
    if not isinstance(values, list | tuple | set | frozenset):
        raise ValidationError(_("Expected a list of codes."), code="invalid")
    codes = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationError(_("Each code must be a string."), code="invalid")
        if value.strip():
            codes.append(value.strip())
    return list(dict.fromkeys(codes))


def normalize_place_or_language(field: str, code: str) -> str:
    """Countries are upper case (`US`), `global` and language tags lower case (`zh-hans`)."""
    if field == "regions":
        return taxonomy.GLOBAL_REGION if code.lower() == taxonomy.GLOBAL_REGION else code.upper()
    return code.lower()


class FacetedRecord(models.Model):
    """A record described by multi-valued facets and a visibility level."""

    # field name -> whether at least one code is required
    FACETS: dict[str, bool] = {}

    class Meta:
        abstract = True

    @classmethod
    def facet_model(cls, field: str):
        return cls._meta.get_field(field).related_model

    @classmethod
    def _check_facets(cls, values: Mapping[str, Iterable[str] | None]):
        """(cleaned codes of the valid facets, errors of the others)."""
        errors: dict[str, list[ValidationError]] = {}
        cleaned: dict[str, list[str]] = {}
        for field, codes in values.items():
            if field not in cls.FACETS:
                errors.setdefault(field, []).append(
                    ValidationError(_("Unknown facet."), code="unknown_field")
                )
                continue
            try:
                codes = _as_codes(codes)
            except ValidationError as exc:
                errors.setdefault(field, []).append(exc)
                continue
            if field in ("regions", "languages", "eligible_countries"):
                place = "regions" if field != "languages" else "languages"
                codes = list(dict.fromkeys(normalize_place_or_language(place, c) for c in codes))
            model = cls.facet_model(field)
            known = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
            field_errors = [
                ValidationError(
                    _("Unknown code “%(code)s”."), code="unknown_code", params={"code": code}
                )
                for code in codes
                if code not in known
            ]
            if cls.FACETS[field] and not codes:
                field_errors.append(ValidationError(_("Choose at least one."), code="required"))
            if field_errors:
                errors[field] = field_errors
            else:
                cleaned[field] = codes
        return cleaned, errors

    @classmethod
    def validate_facets(cls, values: Mapping[str, Iterable[str] | None]) -> dict[str, list[str]]:
        """Return the cleaned codes per facet, or raise ValidationError naming each problem."""
        cleaned, errors = cls._check_facets(values)
        if errors:
            raise ValidationError(errors)
        return cleaned

    def full_clean_with_facets(
        self, facets: Mapping[str, Iterable[str] | None], *, exclude=None
    ) -> dict[str, list[str]]:
        """Validate the row and its facets together, reporting every error at once."""
        errors: dict = {}
        try:
            self.full_clean(exclude=exclude)
        except ValidationError as exc:
            errors.update(exc.update_error_dict({}))
        cleaned, facet_errors = self._check_facets(facets)
        for field, messages in facet_errors.items():
            errors.setdefault(field, []).extend(messages)
        if (
            "restricted_to_sectors" in self.FACETS
            and "visibility" not in errors
            and "restricted_to_sectors" not in facet_errors
        ):
            if "restricted_to_sectors" in cleaned:
                sectors = cleaned["restricted_to_sectors"]
            elif self.pk:
                sectors = list(self.restricted_to_sectors.values_list("code", flat=True))
            else:
                sectors = []
            try:
                self.clean_visibility_sectors(sectors)
            except ValidationError as exc:
                for field, messages in exc.error_dict.items():
                    errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        return cleaned

    def set_facets(self, cleaned: Mapping[str, list[str]]) -> None:
        """Write facets already returned by validate_facets / full_clean_with_facets."""
        for field, codes in cleaned.items():
            getattr(self, field).set(codes)

    def facet_codes(self, field: str) -> list[str]:
        """Codes of one facet, sorted; uses prefetched rows when present."""
        return sorted(term.pk for term in getattr(self, field).all())
