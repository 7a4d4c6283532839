"""``manage.py create_attestation_key [--kid KID]``: print a new Ed25519 private JWK for
``ATTESTATION_SIGNING_KEYS`` (put it first to rotate; keep the old key listed until its tokens expire)."""

import json

from django.core.management.base import BaseCommand

from compliance.reports.attestations import keys


class Command(BaseCommand):
    help = "Print a new Ed25519 private JWK for ATTESTATION_SIGNING_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--kid", help="the key id (default: the key's RFC 7638 thumbprint)")

    def handle(self, *args, kid=None, **options):
        self.stdout.write(json.dumps(keys.new_key(kid).as_dict(private=True)))
