import contextlib
import sys

from django.core.management.base import BaseCommand

from hds_platform.audit_anchor import Anchor
from hds_platform.models import AuditAnchor, Organisation


class Command(BaseCommand):
    help = ("Write the signed audit anchors as JSON lines (to keep outside the database: write-once storage, "
            "another site), for verify_audit --anchors. --after-id N writes only the newer ones.")

    def add_arguments(self, parser):
        parser.add_argument("--after-id", type=int, default=0, help="Only anchors whose id is greater.")
        parser.add_argument("--output", help="A file to append to (default: standard output).")

    def handle(self, *args, **opts):
        slugs = dict(Organisation.objects.values_list("pk", "slug"))
        rows = AuditAnchor.objects.filter(id__gt=opts["after_id"]).order_by("id")
        path = opts["output"]
        with open(path, "a", encoding="utf-8") if path else contextlib.nullcontext(self.stdout) as out:
            written = 0
            for row in rows.iterator():
                out.write(Anchor.of(row).to_json(slugs.get(row.organisation_id, "")) + "\n")
                written += 1
        sys.stderr.write(f"{written} anchor(s) exported\n")
