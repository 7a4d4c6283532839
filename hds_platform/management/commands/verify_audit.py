from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hds_platform.audit import verify_chain
from hds_platform.audit_anchor import Anchor, check_anchors, stored_anchors
from hds_platform.models import Organisation


class Command(BaseCommand):
    help = ("Recompute every organisation's audit hash chain and check it against its signed anchors "
            "(stored, and exported to --anchors); exit 1 if an event was modified, deleted or rewritten.")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="Slug of one organisation (default: all).")
        parser.add_argument("--anchors", type=Path, action="append", default=[],
                            help="A file written by export_audit_anchors (JSON lines); may be repeated.")

    def handle(self, *args, **opts):
        organisations = Organisation.objects.order_by("pk")
        if opts["organisation"]:
            organisations = organisations.filter(slug=opts["organisation"])
            if not organisations.exists():
                raise CommandError(f"No organisation {opts['organisation']!r}.")
        exported = self._read_anchors(opts["anchors"])
        if not settings.AUDIT_ANCHOR_KEY:
            self.stdout.write("anchors not checked: AUDIT_ANCHOR_KEY is not set")
        broken = 0
        for organisation in organisations:
            problems = verify_chain(organisation)
            anchors = [*stored_anchors(organisation), *exported] if settings.AUDIT_ANCHOR_KEY else []
            problems += check_anchors(organisation, anchors) if anchors else []
            if problems:
                broken += 1
                for problem in sorted(problems, key=lambda problem: problem.seq):
                    self.stdout.write(f"{organisation.slug}: event {problem.seq}: {problem.reason}")
            else:
                anchored = len({a.seq for a in anchors if a.organisation_id == organisation.pk})
                self.stdout.write(f"{organisation.slug}: {organisation.audit_head_seq} events, chain intact"
                                  + (f", {anchored} anchor(s) verified" if anchored else ""))
        if broken:
            raise CommandError(f"Audit chain broken in {broken} organisation(s).")

    def _read_anchors(self, paths: list[Path]) -> list[Anchor]:
        anchors = []
        for path in paths:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
                anchors += [Anchor.from_json(line) for line in lines if line.strip()]
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"{path}: cannot read the anchors ({exc}).") from None
        return anchors
