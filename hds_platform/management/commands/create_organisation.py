from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hds_platform import services
from hds_platform.accounts import signup
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
        parser.add_argument("--owner-password", help="Set this password (otherwise a new owner is e-mailed a "
                            "link to choose one; printed instead with the console e-mail backend).")
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
                new_owner = owner is None
                if new_owner:
                    _check_password(opts["owner_password"], opts["owner_email"])
                    # The operator vouches for the address; without a password, the link proves it.
                    owner = User.objects.create_user(opts["owner_email"], opts["owner_password"],
                                                     email_verified_at=timezone.now())
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
        if new_owner and opts["owner_password"] is None:
            self._set_password_link(owner, organisation)


    def _set_password_link(self, owner, organisation) -> None:
        """Without an e-mail server (the console backend), the link is printed for the operator to
        pass on; otherwise it is e-mailed to the owner."""
        if settings.EMAIL_BACKEND == settings.EMAIL_URL_BACKENDS["console"]:
            self.stdout.write(f"set-password link: {signup.set_password_link(owner)}")
            return
        signup.send_set_password_link(owner, organisation)
        self.stdout.write(f"set-password link e-mailed to {owner.email}")


def _check_password(password: str | None, email: str) -> None:
    """The password rules of every other way to set a password (AUTH_PASSWORD_VALIDATORS)."""
    if password is None:
        return
    try:
        validate_password(password, user=User(email=email.lower()))
    except ValidationError as exc:
        raise CommandError("--owner-password refused: " + " ".join(exc.messages)) from None
