"""Writes to the catalogue. Every function validates fully and runs in one transaction."""

from core.errors import PermissionDenied

from .licensing import (
    license_offer_create,
    license_offer_update,
    license_request_approve,
    license_request_create,
    license_request_decline,
    license_request_withdraw,
)
from .records import (
    need_create,
    need_delete,
    need_update,
    record_hide,
    record_share,
    record_unshare,
    tool_create,
    tool_delete,
    tool_mark_reviewed,
    tool_update,
    tool_use_create,
    tool_use_delete,
    tool_use_update,
)

__all__ = [
    "PermissionDenied",
    "license_offer_create",
    "license_offer_update",
    "license_request_approve",
    "license_request_create",
    "license_request_decline",
    "license_request_withdraw",
    "need_create",
    "need_delete",
    "need_update",
    "record_hide",
    "record_share",
    "record_unshare",
    "tool_create",
    "tool_delete",
    "tool_mark_reviewed",
    "tool_update",
    "tool_use_create",
    "tool_use_delete",
    "tool_use_update",
]
