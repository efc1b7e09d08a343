"""Facet codes for a page of records in one query, without building vocabulary objects.

The representation of a tool lists ten facets as codes. Prefetching ten many-to-many
relations costs ten joined queries and thousands of model instances per page; the codes are
the link tables' own columns, so one UNION ALL over the link tables, restricted to the page's
ids, gives every code of every facet of the page. Codes come out in the vocabulary's order.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.db.models import Value
from django.db.models.fields import CharField

CACHE_ATTR = "_facet_codes"


@cache
def _positions(vocabulary) -> dict[str, int]:
    return {code: i for i, (code, _label) in enumerate(vocabulary.definitions())}


def attach_facet_codes(records: Iterable) -> list:
    """Load the codes of every facet (model.FACETS) of `records` and keep them on each record
    (read by api.serializers.common.FacetCodesField). Returns the records as a list."""
    records = list(records)
    if not records:
        return records
    model = type(records[0])
    facets = list(getattr(model, "FACETS", {}))
    if not facets:
        return records
    ids = [r.pk for r in records]
    own_fk = f"{model._meta.model_name}_id"
    parts, vocabularies = [], {}
    for name in facets:
        field = model._meta.get_field(name)
        vocabularies[name] = field.related_model
        target_fk = f"{field.related_model._meta.model_name}_id"
        parts.append(
            field.remote_field.through.objects.filter(**{f"{own_fk}__in": ids})
            .annotate(facet=Value(name, output_field=CharField()))
            .values_list("facet", own_fk, target_fk)
            .order_by()
        )
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    codes: dict[int, dict[str, list[str]]] = {pk: {name: [] for name in facets} for pk in ids}
    for facet, pk, code in rows:
        codes[pk][facet].append(code)
    for record in records:
        own = codes[record.pk]
        for name, values in own.items():
            order = _positions(vocabularies[name])
            values.sort(key=lambda c, order=order: (order.get(c, len(order)), c))
        setattr(record, CACHE_ATTR, own)
    return records
