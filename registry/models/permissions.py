"""django-guardian object permissions with direct foreign keys.

A share of a private or restricted record with an organization is a `view_<model>` grant to
that organization's group. Direct foreign keys (instead of guardian's generic content-type
rows) give indexed integer joins and rows that disappear with their record.
Only accounts/permissions.py reads or writes these tables.
"""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class ToolUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("registry.Tool", on_delete=models.CASCADE)


class ToolGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("registry.Tool", on_delete=models.CASCADE)


class NeedUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("registry.Need", on_delete=models.CASCADE)


class NeedGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("registry.Need", on_delete=models.CASCADE)


class ToolUseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("registry.ToolUse", on_delete=models.CASCADE)


class ToolUseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("registry.ToolUse", on_delete=models.CASCADE)
