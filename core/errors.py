"""Errors every layer may raise and every surface knows how to answer."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied


class PermissionDenied(DjangoPermissionDenied):
    """The actor sees the record but may not perform this write (403, never 404)."""
