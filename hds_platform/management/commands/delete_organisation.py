import json

from django.core.management.base import BaseCommand, CommandError

from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.models import Organisation
from hds_platform.organisation_deletion import organisation_delete


class Command(BaseCommand):
    help = ("Delete an organisation: every row and stored file of it, the people who belonged to it only "
            "(erased); its audit chain is kept and stays verifiable. --confirm must repeat the slug.")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--confirm", required=True, help="The organisation's slug again.")

    def handle(self, *args, **opts):
        organisation = Organisation.objects.filter(slug=opts["slug"]).first()
        if organisation is None:
            raise CommandError(f"No organisation {opts['slug']!r}.")
        try:
            summary = organisation_delete(organisation=organisation, confirm_slug=opts["confirm"],
                                          actor=Actor.system("manage.py delete_organisation"))
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(json.dumps({
            "organisation": summary.organisation_id, "rows": summary.rows, "tokens_revoked": summary.tokens_revoked,
            "files": len(summary.files), "people_erased": summary.people_erased, "people_kept": summary.people_kept,
        }, sort_keys=True))
