from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from hds_platform.outbox import relay_pending, resend_unacknowledged, unacknowledged


class Command(BaseCommand):
    help = ("Send again the follow-up work that was sent to the broker but never acknowledged by a worker "
            "(lost when Redis restarted without its data). The tasks are idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, metavar="SECONDS",
                            help="Only messages sent at least this long ago (default: OUTBOX_ACK_TIMEOUT_SECONDS).")
        parser.add_argument("--dry-run", action="store_true", help="Count them, change nothing.")

    def handle(self, *args, **opts):
        seconds = opts["older_than"] if opts["older_than"] is not None else settings.OUTBOX_ACK_TIMEOUT_SECONDS
        older_than = timedelta(seconds=max(0, seconds))
        if opts["dry_run"]:
            self.stdout.write(f"{unacknowledged(older_than).count()} message(s) sent and never acknowledged")
            return
        reset = resend_unacknowledged(older_than)
        sent = relay_pending(limit=max(500, reset), ignore_backoff=True)
        self.stdout.write(f"{reset} message(s) made pending again, {sent} sent")
