"""What each role may do, as plain data. accounts/permissions.py is the only reader."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    SHARE = "share"
    DECIDE_LICENSE = "decide_license"
    REQUEST_LICENSE = "request_license"
    MANAGE_MEMBERS = "manage_members"
    CHANGE_ORGANIZATION = "change_organization"


_VIEWER = frozenset({Action.VIEW})
_EDITOR = _VIEWER | {
    Action.ADD,
    Action.CHANGE,
    Action.DELETE,
    Action.SHARE,
    Action.DECIDE_LICENSE,
    Action.REQUEST_LICENSE,
}
_OWNER = _EDITOR | {Action.MANAGE_MEMBERS, Action.CHANGE_ORGANIZATION}

# Organization role -> actions on the organization's own records.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "viewer": _VIEWER,
    "editor": frozenset(_EDITOR),
    "owner": frozenset(_OWNER),
}

# Platform moderators act on any record that is not private (verification is separate). They
# narrow a record's visibility or hide it, but never let more people read it: that is for its
# organization's editors and owners, and administrators (permissions.can_widen_visibility).
MODERATOR_ACTIONS: frozenset[Action] = frozenset({Action.VIEW, Action.CHANGE})


def roles_allowing(action: Action | str) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]
