# API tokens record whether the session that made them had passed two-factor authentication
# (issue 17, finding 3). Nobody knows that of a token made before this migration, so every
# existing token is marked not verified (the field's default fills the existing rows): it keeps
# working, but reads no restricted record for a person whose role requires two-factor until
# they make a new token after passing it. Fail closed.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_api_tokens'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='two_factor_verified',
            field=models.BooleanField(default=False, verbose_name='made after two-factor'),
        ),
    ]
