"""Facts the conformity engine reads as the law does: a supplier's Data Privacy Framework
certification, hosting on behalf of the patients themselves, and certificate referentials
written once as "v1" or "v2".

Existing certificate rows are normalised with the same function every write now uses (the ANS
list's notation rules: "2018", "V1 (2018)", "1.0" are v1). Certificates are tenant rows under
forced row-level security on PostgreSQL, so each organisation's rows are read with its id set,
as a request would.
"""

from django.db import migrations, models

from registry.parsing import normalise_referential_version


def normalise_referential_versions(apps, schema_editor):
    Organisation = apps.get_model("hds_platform", "Organisation")
    Certificate = apps.get_model("compliance", "Certificate")
    connection = schema_editor.connection
    organisations = Organisation.objects.using(connection.alias)
    certificates = Certificate.objects.using(connection.alias)
    for organisation_id in organisations.order_by("id").values_list("id", flat=True):
        _set_organisation(connection, str(organisation_id))
        rows = certificates.filter(organisation_id=organisation_id).exclude(referential_version__in=["v1", "v2"])
        for certificate in rows.only("id", "referential_version"):
            normalised = normalise_referential_version(certificate.referential_version)
            if normalised != certificate.referential_version:
                certificates.filter(pk=certificate.pk).update(referential_version=normalised)
    _set_organisation(connection, "")


def _set_organisation(connection, value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.organisation_id', %s, true)", [value])


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0001_squashed'),
    ]

    operations = [
        migrations.AddField(
            model_name='processing',
            name='hosts_for_patients',
            field=models.BooleanField(default=False, help_text="The data are hosted on behalf of the patients themselves (CSP L.1111-8 I), e.g. a patient-facing service: the organisation's own links are then in HDS scope.", verbose_name='hébergement pour le compte des patients'),
        ),
        migrations.AddField(
            model_name='supplier',
            name='dpf_certified',
            field=models.BooleanField(default=False, help_text='Certified under the EU-US Data Privacy Framework: the condition of the US adequacy decision (EU) 2023/1795 for access from the United States.', verbose_name='certifié Data Privacy Framework'),
        ),
        migrations.AlterField(
            model_name='certificate',
            name='referential_version',
            field=models.CharField(blank=True, help_text='"v1", "v2", or the text as written when no referential is recognised.', max_length=50, verbose_name='référentiel'),
        ),
        migrations.RunPython(normalise_referential_versions, migrations.RunPython.noop),
    ]
