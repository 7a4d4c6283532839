from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import OrganisationKind, User
from hds_platform.roles import TokenScope
from hds_platform.tenancy import organisation_context


class Command(BaseCommand):
    help = "Create an organisation and its owner; optionally create an API token and print it."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=OrganisationKind.values)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", help="Set this password (otherwise the owner has none "
                            "until they reset it).")
        parser.add_argument("--slug", default="")
        parser.add_argument("--siren", default="")
        parser.add_argument("--siret", default="")
        parser.add_argument("--token", choices=TokenScope.values, help="Also create an API token of this scope.")
        parser.add_argument("--token-days", type=int, default=0, help="Token lifetime in days (0: no expiry).")

    def handle(self, *args, **opts):
        actor = Actor.system("command:create_organisation")
        try:
            with transaction.atomic():
                owner = User.objects.filter(email=opts["owner_email"].lower()).first()
                if owner is None:
                    _check_password(opts["owner_password"], opts["owner_email"])
                    owner = User.objects.create_user(opts["owner_email"], opts["owner_password"])
                organisation = services.organisation_create(
                    name=opts["name"], kind=opts["kind"], owner=owner, actor=actor,
                    siren=opts["siren"], siret=opts["siret"], slug=opts["slug"],
                )
                raw = None
                if opts["token"]:
                    with organisation_context(organisation):
                        expires = timezone.now() + timedelta(days=opts["token_days"]) if opts["token_days"] else None
                        _token, raw = services.api_token_create(
                            name="initial", scope=opts["token"], actor=actor, expires_at=expires
                        )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        except services.ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"organisation: {organisation.slug}")
        self.stdout.write(f"owner: {owner.email}")
        if raw:
            self.stdout.write(f"token: {raw}")


def _check_password(password: str | None, email: str) -> None:
    """The password rules of every other way to set a password (AUTH_PASSWORD_VALIDATORS)."""
    if password is None:
        return
    try:
        validate_password(password, user=User(email=email.lower()))
    except ValidationError as exc:
        raise CommandError("--owner-password refused: " + " ".join(exc.messages)) from None
