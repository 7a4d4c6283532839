"""Factories for the tenancy core. Tenant rows are created through services where a rule applies."""

import factory

from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import OrganisationKind, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def make_organisation(name: str, owner: User, kind: str = OrganisationKind.SOFTWARE_EDITOR, **kwargs):
    return services.organisation_create(
        name=name, kind=kind, owner=owner, actor=Actor.for_user(owner), **kwargs
    )
