from django.core.management.base import BaseCommand, CommandError

from hds_platform.audit import verify_chain
from hds_platform.models import Organisation


class Command(BaseCommand):
    help = "Recompute every organisation's audit hash chain; exit 1 if an event was modified or deleted."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="Slug of one organisation (default: all).")

    def handle(self, *args, **opts):
        organisations = Organisation.objects.order_by("pk")
        if opts["organisation"]:
            organisations = organisations.filter(slug=opts["organisation"])
            if not organisations.exists():
                raise CommandError(f"No organisation {opts['organisation']!r}.")
        broken = 0
        for organisation in organisations:
            problems = verify_chain(organisation)
            if problems:
                broken += 1
                for problem in problems:
                    self.stdout.write(f"{organisation.slug}: event {problem.seq}: {problem.reason}")
            else:
                self.stdout.write(f"{organisation.slug}: {organisation.audit_head_seq} events, chain intact")
        if broken:
            raise CommandError(f"Audit chain broken in {broken} organisation(s).")
