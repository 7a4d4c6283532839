"""The demo of ``make run``: organisations, people and data that show every part of Maillon."""

from dataclasses import dataclass, field

from django.utils import timezone

from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import Organisation, OrganisationKind, User

DEMO_PASSWORD = "maillon-demo-2026"
DEMO_OWNER = "demo@maillon.localhost"


@dataclass
class DemoContext:
    owner: User
    actor: Actor
    organisations: dict[str, Organisation] = field(default_factory=dict)


def load() -> DemoContext:
    owner = User.objects.filter(email=DEMO_OWNER).first()
    if owner is None:
        owner = User.objects.create_user(DEMO_OWNER, DEMO_PASSWORD, full_name="Camille Martin",
                                         email_verified_at=timezone.now())
    actor = Actor.system("demo")
    context = DemoContext(owner=owner, actor=actor)
    for slug, name, kind, siren in [
        ("medisoft", "MédiSoft Éditions", OrganisationKind.SOFTWARE_EDITOR, "732829320"),
        ("cabinet-durand", "Cabinet du Dr Durand", OrganisationKind.HEALTH_PROFESSIONAL, ""),
        ("nuage-sante", "Nuage Santé Hébergement", OrganisationKind.HOSTING_PROVIDER, "443061841"),
    ]:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            organisation = services.organisation_create(
                name=name, kind=kind, owner=owner, actor=actor, siren=siren, slug=slug
            )
        context.organisations[slug] = organisation
    return context
