import time

from django.core.management.base import BaseCommand

from hds_platform.outbox import relay_pending


class Command(BaseCommand):
    help = "Send pending follow-up work to Celery (once, or in a loop as a small service)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep relaying every --interval seconds.")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, **opts):
        while True:
            sent = relay_pending()
            if sent or not opts["loop"]:
                self.stdout.write(f"sent {sent} message(s)")
            if not opts["loop"]:
                return
            time.sleep(opts["interval"])
