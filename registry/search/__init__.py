"""Full-text search over tools, needs and organizations: one interface, a backend per database.

    from registry.search import get_backend

    backend = get_backend()                       # by the database's vendor
    tools = backend.search(restricted_tools, "trafficked children -pilot")
    tools.first().search_rank                     # float, higher is better
    backend.highlight(tool, "children", "description", max_words=30)   # safe HTML
    backend.similar_names(restricted_tools, "Spotlite")                  # [(pk, 0.46)]
    backend.rebuild()                             # {"tool": n, "need": n, "organization": n}
    backend.ranked_ids(restricted_tools, "shelter")     # ([pk, ...], [rank, ...]) best first
    backend.highlight_many(tools, "children", "summary", max_words=30)   # one query

A whole search (results, total, facet counts, highlights) for the API and the /search/ page:
registry.search.results.search_results(); facet counts over large id sets and facet-sharing
candidates: registry.search.facets (in memory where the database keeps change stamps).

The input queryset must already be restricted by accounts.permissions.restrict(); the
backend only filters and ranks inside it. Query syntax and its limits: registry.search.text.
SQLite (FTS5) and PostgreSQL (tsvector, pg_trgm) implementations: .sqlite and .postgres.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

from .base import SearchBackend

__all__ = ["SearchBackend", "ensure_installed", "get_backend"]

_BACKENDS = {
    "sqlite": "registry.search.sqlite.SQLiteSearchBackend",
    "postgresql": "registry.search.postgres.PostgresSearchBackend",
}


def get_backend(using: str | None = None) -> SearchBackend:
    """The search backend for the database `using` (the default database if omitted)."""
    from django.utils.module_loading import import_string

    using = using or DEFAULT_DB_ALIAS
    vendor = connections[using].vendor
    try:
        backend_class = import_string(_BACKENDS[vendor])
    except KeyError:
        raise ImproperlyConfigured(f"Search has no backend for {vendor} databases.") from None
    return backend_class(using)


def ensure_installed(using: str | None = None, **kwargs) -> bool:
    """Put back missing index structures or triggers and refill the index; True if it had to.

    Meant for a post_migrate receiver: on SQLite, a migration that rebuilds an indexed table
    drops its triggers. Does nothing before migration registry.0003_search_index has been
    applied (or after it has been reversed)."""
    from django.db.migrations.recorder import MigrationRecorder

    using = using or DEFAULT_DB_ALIAS
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return False
    if ("registry", "0003_search_index") not in recorder.applied_migrations():
        return False
    backend = get_backend(using)
    if backend.is_installed():
        return False
    backend.repair()
    return True
