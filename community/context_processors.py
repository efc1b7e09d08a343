"""The header's community links: "Messages" with an unread count, and "Moderation"."""

from __future__ import annotations

from functools import cached_property

from accounts import permissions

from . import selectors


class HeaderLinks:
    """Computed only when the header is rendered, and then at most once per request: the
    unread count is one query; the moderator flag reads the request's cached access context
    (which the page's own reads have usually computed already)."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def is_signed_in(self) -> bool:
        return bool(getattr(self._user, "is_authenticated", False))

    @cached_property
    def unread(self) -> int:
        return selectors.unread_thread_count(self._user) if self.is_signed_in else 0

    @cached_property
    def is_moderator(self) -> bool:
        return self.is_signed_in and permissions.is_moderator(self._user)


def header_links(request) -> dict:
    user = getattr(request, "user", None)
    return {"community_header": HeaderLinks(user)}
