import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from hds_platform import demo


class Command(BaseCommand):
    help = "Load the demo organisations and data (idempotent) and print the owner's credentials."

    def handle(self, *args, **opts):
        with transaction.atomic():
            context = demo.load()
            # Each app may add its part of the demo in a ``demo_data`` module with ``load(context)``.
            for app in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{app.name}.demo_data")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app.name}.demo_data":
                        raise
                    continue
                module.load(context)
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        self.stdout.write(f"  log in at http://127.0.0.1:8000/ as {demo.DEMO_OWNER} / {demo.DEMO_PASSWORD}")
        for slug in context.organisations:
            self.stdout.write(f"  organisation: /o/{slug}/")
