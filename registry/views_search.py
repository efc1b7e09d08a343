"""The search page: `/search/?q=...` over tools, needs and organizations.

The view only reads parameters and arranges what registry.page_selectors returns; every
result, total and facet count there starts from accounts.permissions.restrict(), so the page
never shows or counts a record its reader may not see.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from registry import page_selectors
from registry.page_selectors import SEARCH_FACETS, SEARCH_TYPES, SearchRequest

MAX_SEARCH_LENGTH = 500
ALL = "all"
TYPE_LABELS = {
    ALL: _("All"),
    "tool": _("Tools"),
    "need": _("Needs"),
    "organization": _("Organizations"),
}


def _see_all(kind: str, count: int) -> str:
    """The link from the preview of one type to all of its results."""
    if kind == "tool":
        text = ngettext("See the %(count)d tool", "See all %(count)d tools", count)
    elif kind == "need":
        text = ngettext("See the %(count)d need", "See all %(count)d needs", count)
    else:
        text = ngettext("See the %(count)d organization", "See all %(count)d organizations", count)
    return text % {"count": count}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search tools, needs and organizations"),
        required=False,
        max_length=MAX_SEARCH_LENGTH,
    )
    type = forms.ChoiceField(
        label=_("Type of result"),
        required=False,
        choices=[(code, label) for code, label in TYPE_LABELS.items()],
        error_messages={
            "invalid_choice": _("Choose all, tools, needs or organizations."),
        },
    )


def _query(search: SearchRequest, kind: str, **extra) -> str:
    """The query string of the page showing `kind` for the same words, with the filters
    that `kind` has (all of them for "all")."""
    params = QueryDict(mutable=True)
    if search.text:
        params["q"] = search.text
    if kind != ALL:
        params["type"] = kind
    names = SEARCH_FACETS[kind] if kind != ALL else list(search.filters)
    for name in names:
        if name in search.filters:
            params.setlist(name, search.filters[name])
    for key, value in extra.items():
        params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _without(search: SearchRequest, name: str | None = None, code: str | None = None) -> str:
    """This page's query string without one filter code (or without every filter)."""
    filters = {
        key: [c for c in codes if name is not None and not (key == name and c == code)]
        for key, codes in search.filters.items()
    }
    narrowed = SearchRequest(text=search.text, kind=search.kind, filters=filters)
    return _query(narrowed, search.kind)


@require_safe
def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "registry/search.html",
            {"form": form, "search": None, "type_labels": TYPE_LABELS},
            status=200,
        )
    kind = form.cleaned_data["type"] or ALL
    search = page_selectors.read_search_request(form.cleaned_data["q"], kind, request.GET)
    user = request.user
    matches, facet_counts, known = None, {}, {}
    if kind != ALL:
        matches, facet_counts = page_selectors.search_matches(user, kind, search)
        known = {kind: matches.count() if isinstance(matches, QuerySet) else len(matches)}
    counts = page_selectors.search_type_counts(user, search, known)
    tabs = [
        {"kind": k, "label": TYPE_LABELS[k], "count": counts[k], "query": _query(search, k)}
        for k in (ALL, *SEARCH_TYPES)
    ]
    active = [
        {"filter": f, "remove": _without(search, f.name, f.code)} for f in search.active_filters
    ]
    context = {
        "form": form,
        "search": search,
        "type_labels": TYPE_LABELS,
        "tabs": tabs,
        "counts": counts,
        "total": counts[kind],
        "active_filters": active,
        "remove_all_filters": _without(search),
        "started": bool(search.text or search.filters or kind != ALL),
    }
    if kind == ALL:
        context["sections"] = [
            {
                "kind": k,
                "label": TYPE_LABELS[k],
                "count": counts[k],
                "more": _query(search, k),
                "more_label": _see_all(k, counts[k]),
                "hits": page_selectors.search_hits(
                    k,
                    page_selectors.search_records(user, k, search)[: page_selectors.SEARCH_PREVIEW],
                    search.text,
                ),
            }
            for k in SEARCH_TYPES
            if counts[k] and context["started"]
        ]
    else:
        paginator = Paginator(matches, page_selectors.SEARCH_PAGE_SIZE)
        paginator.count = counts[kind]  # counted above: spare a second count
        page_obj = paginator.get_page(request.GET.get("page"))
        context["page_obj"] = page_obj
        context["hits"] = page_selectors.search_hits(kind, page_obj.object_list, search.text)
        groups = page_selectors.search_facet_groups(user, kind, search, facet_counts)
        context["facets"] = [group for group in groups if group.options]
    if context["started"] and not counts[kind]:
        context["help"] = {
            "suggestions": [
                # A name is looked for on its own: the filters may be what excluded it.
                {"label": name, "query": _query(SearchRequest(name, k, {}), k)}
                for k, name in page_selectors.search_suggestions(
                    user, SEARCH_TYPES if kind == ALL else [kind], search.text
                )
            ]
            if search.text
            else [],
            "words": [
                {"word": word, "query": _query(search, kind, q=word)}
                for word in page_selectors.search_words(search.text)
            ],
            "elsewhere": [tab for tab in tabs[1:] if tab["kind"] != kind and tab["count"]],
        }
    return render(request, "registry/search.html", context)
