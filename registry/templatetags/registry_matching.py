"""Template tags of need-tool matches and duplicate reviews."""

from __future__ import annotations

from django import template

from registry.matching_selectors import recorded_duplicates_of

register = template.Library()


@register.simple_tag(takes_context=True)
def recorded_duplicates(context, tool):
    """The `duplicate` verdicts linking `tool` to another tool, for a reader who may see
    both (each with `.other`, the other tool): `{% recorded_duplicates tool as reviews %}`."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if tool is None or getattr(tool, "pk", None) is None:
        return []
    return recorded_duplicates_of(user, tool)
