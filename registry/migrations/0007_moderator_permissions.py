"""Give the platform moderators the model permissions the admin asks for.

What a moderator may actually see and change is still decided record by record by
accounts/permissions.py (the admin goes through it); these grants only open the admin pages.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [
    ("accounts", "organization"),
    ("accounts", "membership"),
    ("accounts", "accesslogentry"),
    ("accounts", "invitation"),
    ("accounts", "joinrequest"),
    ("registry", "tool"),
    ("registry", "need"),
    ("registry", "tooluse"),
    ("registry", "licenseoffer"),
    ("registry", "licenserequest"),
    ("registry", "changerecord"),
]
CHANGE = [
    ("accounts", "organization"),
    ("registry", "tool"),
    ("registry", "need"),
    ("registry", "tooluse"),
    ("registry", "licenseoffer"),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderator, _created = Group.objects.get_or_create(name="moderator")
    wanted = [("view", a, m) for a, m in VIEW] + [("change", a, m) for a, m in CHANGE]
    for action, app_label, model in wanted:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=f"{action}_{model}"
        ).first()
        if permission is not None:
            moderator.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_change_log"),
        ("accounts", "0004_api_tokens"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
