"""Two answers and their validity on each stored conformity result.

The rows stored before this migration get empty hosting and register statuses and a
``valid_until`` in the past (1 January 2000): a result whose ``valid_until`` has been reached is
due again, so the next read (API or page) or the daily re-evaluation runs the engine on it, which
fills the two statuses and the real ``valid_until``. Plain column defaults, no data step: row-level
security would hide the rows from a data migration run outside any organisation.
"""

import datetime

from django.db import migrations, models

STATUS_CHOICES = [
    ("not_applicable", "Non concerné"), ("compliant", "Conforme"), ("non_compliant", "Non conforme"),
    ("incomplete", "Incomplet"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0003_certificate_perimeters"),
    ]

    operations = [
        migrations.AddField(
            model_name="conformityresult",
            name="hosting_status",
            field=models.CharField(choices=STATUS_CHOICES, default="", help_text="The answer for the hosting chain (HDS).",
                                   max_length=16, verbose_name="statut de l'hébergement"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="conformityresult",
            name="register_status",
            field=models.CharField(choices=STATUS_CHOICES, default="",
                                   help_text="The answer for the GDPR register (art. 30, 9 and 35).", max_length=16,
                                   verbose_name="statut du registre"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="conformityresult",
            name="valid_until",
            field=models.DateField(blank=True, default=datetime.date(2000, 1, 1),
                                   help_text="The first date the answer may change with the same inputs; empty when "
                                             "nothing in it can.",
                                   null=True, verbose_name="valable jusqu'au"),
            preserve_default=False,
        ),
    ]
