"""``manage.py verify_attestation TOKEN_OR_FILE [--jwks FILE]``: verify an attestation offline.

The token is given as is, or as a file holding it (e.g. ``attestation.jws`` extracted from a
conformity PDF). The public keys are those this installation publishes, or a JWK set saved from
``/.well-known/jwks.json`` (``--jwks``); nothing goes over the network. Exit status 0 when the
token verifies, 1 otherwise, with the reason.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.reports.attestations import keys, tokens


class Command(BaseCommand):
    help = "Verify a Maillon attestation (compact JWS) offline, with the public keys."

    def add_arguments(self, parser):
        parser.add_argument("token", help="the token, or a file that holds it")
        parser.add_argument("--jwks", help="a JWK set file (saved from /.well-known/jwks.json); "
                                           "default: this installation's keys")

    def handle(self, *args, token, jwks=None, **options):
        token = self._read_token(token)
        if jwks:
            try:
                key_set = json.loads(Path(jwks).read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the JWK set {jwks}: {exc}") from None
        else:
            key_set = keys.public_jwks()
        try:
            claims = tokens.verify(token, tokens.public_keys(key_set))
        except tokens.VerificationError as exc:
            self.stderr.write(f"INVALID: {exc.reason} ({exc.detail})")
            raise SystemExit(1) from None
        self._print(claims)

    @staticmethod
    def _read_token(value: str) -> str:
        try:
            path = Path(value)
            if path.is_file():
                return path.read_text().strip()
        except OSError:  # a token longer than a file name can be
            pass
        return value.strip()

    def _print(self, claims: dict) -> None:
        organisation = claims.get("organisation", {})

        def when(seconds) -> str:
            return datetime.fromtimestamp(seconds, tz=UTC).isoformat()

        self.stdout.write(f"VALID: issued by {claims.get('iss')} for {organisation.get('name')} "
                          f"(SIREN {organisation.get('siren') or '—'})")
        self.stdout.write(f"issued at {when(claims['iat'])}, expires at {when(claims['exp'])}")
        for processing in claims.get("processings", []):
            self.stdout.write(f"- {processing.get('name')}: {processing.get('status')} "
                              f"(hosting {processing.get('hosting_status') or '—'}, "
                              f"evaluated {processing.get('evaluated_at') or '—'})")
