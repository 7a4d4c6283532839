"""Factories of rows for tests.

Rows a test reads but whose writing is not what it tests (lists, pages, the loader) come from
these factories: one INSERT each, no audit event, no re-evaluation queued. Where a write's own
rules are under test, or where the tenancy core must hold (organisations), use the services.

Tenant rows take the organisation of the current context (``with tenant.context():``).
"""

import hashlib
from datetime import date

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from compliance.demo_data import minimal_pdf
from compliance.models import (
    Certificate,
    CertificateSource,
    ChainLink,
    Evidence,
    EvidenceKind,
    HostingMode,
    Identifiability,
    Processing,
    RegistryMatchMethod,
    RegistryMatchStatus,
    Supplier,
    evidence_storage_name,
)
from compliance.registry_link import refresh_registry_certificates
from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import OrganisationKind, User
from hds_platform.tenancy import require_organisation
from registry.matching import normalise_certificate_number, normalise_name
from registry.models import CertifiedHost, HostCertificate, Snapshot

PASSWORD = "correct-horse-battery-staple"

# A processing whose GDPR register entry is complete (art. 30), as most tests want it.
COMPLETE_REGISTER = {
    "purposes": ["Suivi des patients"],
    "legal_basis": "Art. 6(1)(e) mission d'intérêt public",
    "art9_condition": "Art. 9(2)(h) soins, sous secret professionnel",
    "data_subject_categories": ["Patients"],
    "data_categories": ["Identité", "Données de santé"],
    "recipients": ["Équipe de soins"],
    "retention": "20 ans après le dernier passage",
    "security_measures": "Chiffrement, authentification forte, journalisation",
    "controller_contact": "dpo@example.org",
    "dpia_required": False,
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="fr_FR")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def make_organisation(name: str, owner: User, kind: str = OrganisationKind.SOFTWARE_EDITOR, **kwargs):
    return services.organisation_create(
        name=name, kind=kind, owner=owner, actor=Actor.for_user(owner), **kwargs
    )


# The ANS list (reference data, no organisation) ------------------------------------------------


def _current_snapshot():
    return Snapshot.objects.filter(status=Snapshot.Status.IMPORTED).order_by("-id").first() or Snapshot.objects.create(
        source="test.csv", sha256="0" * 64, status=Snapshot.Status.IMPORTED, raw_file="registry/test.csv")


class CertifiedHostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertifiedHost

    name = factory.Sequence(lambda n: f"Hébergeur {n}")
    normalised_name = factory.LazyAttribute(lambda host: normalise_name(host.name))
    listed = True
    first_seen = factory.LazyFunction(_current_snapshot)
    last_seen = factory.SelfAttribute("first_seen")


class HostCertificateFactory(factory.django.DjangoModelFactory):
    """A published certificate; ``HostCertificateFactory(host__name=…)`` lists its host too."""

    class Meta:
        model = HostCertificate

    host = factory.SubFactory(CertifiedHostFactory)
    certificate_number = factory.Sequence(lambda n: f"HDS-PUB-{n}")
    normalised_number = factory.LazyAttribute(lambda row: normalise_certificate_number(row.certificate_number))
    activities = frozenset(range(1, 7))
    certifier = "LNE"
    referential_version = "V2"
    issued_on = date(2024, 6, 14)
    expires_on = date(2027, 6, 13)
    first_seen = factory.SelfAttribute("host.first_seen")
    last_seen = factory.SelfAttribute("host.last_seen")


# Compliance rows (inside an organisation context) ---------------------------------------------


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    organisation = factory.LazyFunction(require_organisation)


class SupplierFactory(TenantFactory):
    """A supplier; ``confirmed_host=host`` records a confirmed match and copies the host's certificates."""

    class Meta:
        model = Supplier
        skip_postgeneration_save = True

    class Params:
        confirmed_host = None

    name = factory.Sequence(lambda n: f"Fournisseur {n}")
    registry_host = factory.SelfAttribute("confirmed_host")
    registry_match_status = factory.LazyAttribute(
        lambda supplier: RegistryMatchStatus.NONE if supplier.confirmed_host is None else RegistryMatchStatus.CONFIRMED)
    registry_match_method = factory.LazyAttribute(
        lambda supplier: RegistryMatchMethod.NONE if supplier.confirmed_host is None else RegistryMatchMethod.MANUAL)

    @factory.post_generation
    def registry_copies(supplier, create, extracted, **kwargs):
        if create and supplier.registry_host_id is not None:
            refresh_registry_certificates([supplier])


class CertificateFactory(TenantFactory):
    class Meta:
        model = Certificate

    supplier = factory.SubFactory(SupplierFactory, organisation=factory.SelfAttribute("..organisation"))
    activities = frozenset({1, 2, 3, 4})
    certificate_number = factory.Sequence(lambda n: f"HDS-{n}")
    certifier = "LNE"
    referential_version = "v2"
    issued_on = date(2024, 12, 2)
    expires_on = date(2027, 12, 1)
    source = CertificateSource.DOCUMENT


class ProcessingFactory(TenantFactory):
    class Meta:
        model = Processing

    name = factory.Sequence(lambda n: f"Traitement {n}")
    health_data = True
    identifiability = Identifiability.IDENTIFIED
    hosting_mode = HostingMode.OUTSOURCED
    purposes = factory.LazyFunction(lambda: list(COMPLETE_REGISTER["purposes"]))
    legal_basis = COMPLETE_REGISTER["legal_basis"]
    art9_condition = COMPLETE_REGISTER["art9_condition"]
    data_subject_categories = factory.LazyFunction(lambda: list(COMPLETE_REGISTER["data_subject_categories"]))
    data_categories = factory.LazyFunction(lambda: list(COMPLETE_REGISTER["data_categories"]))
    recipients = factory.LazyFunction(lambda: list(COMPLETE_REGISTER["recipients"]))
    retention = COMPLETE_REGISTER["retention"]
    security_measures = COMPLETE_REGISTER["security_measures"]
    controller_contact = COMPLETE_REGISTER["controller_contact"]
    dpia_required = COMPLETE_REGISTER["dpia_required"]


class ChainLinkFactory(TenantFactory):
    """A link of a processing's chain; ``supplier=None`` is the organisation itself."""

    class Meta:
        model = ChainLink

    processing = factory.SubFactory(ProcessingFactory, organisation=factory.SelfAttribute("..organisation"))
    supplier = factory.SubFactory(SupplierFactory, organisation=factory.SelfAttribute("..organisation"))
    activities = frozenset({1, 2, 3, 4})
    storage_countries = factory.LazyFunction(lambda: ["FR"])


class EvidenceFactory(TenantFactory):
    """A document on file: a small PDF stored under a private name, as an upload would be."""

    class Meta:
        model = Evidence

    class Params:
        content = factory.LazyAttribute(lambda evidence: minimal_pdf(evidence.title))

    kind = EvidenceKind.DPA
    title = factory.Sequence(lambda n: f"Pièce {n}")
    file = factory.LazyAttribute(lambda evidence: ContentFile(
        evidence.content, name=evidence_storage_name(evidence.organisation.pk) + ".pdf"))
    original_name = "document.pdf"
    sha256 = factory.LazyAttribute(lambda evidence: hashlib.sha256(evidence.content).hexdigest())
    size = factory.LazyAttribute(lambda evidence: len(evidence.content))
    content_type = "application/pdf"
    uploaded_at = factory.LazyFunction(timezone.now)
