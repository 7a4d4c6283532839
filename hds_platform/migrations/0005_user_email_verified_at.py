from django.db import migrations, models
from django.db.models import F


def existing_accounts_are_verified(apps, schema_editor):
    """People who existed before sign-up came by an operator or an invitation e-mailed to them:
    their address counts as verified since they joined."""
    User = apps.get_model("hds_platform", "User")
    User.objects.using(schema_editor.connection.alias).update(email_verified_at=F("date_joined"))


class Migration(migrations.Migration):

    dependencies = [
        ("hds_platform", "0004_organisation_deleted_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="adresse vérifiée le"),
        ),
        migrations.RunPython(existing_accounts_are_verified, migrations.RunPython.noop, elidable=True),
    ]
