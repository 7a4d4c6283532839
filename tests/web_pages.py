"""Every page of the web UI, discovered from the URL configuration, with an organisation that has
something on each of them (the "world").

The accessibility run, the phone-width run and the English run all loop over :func:`pages`. A
route added on any branch is found without editing this module, unless it takes a parameter not
known here: the loops then fail naming the route and the parameter, and one entry of
``PARAMETERS`` (or ``PK_OF``) says which row fills it. Routes that answer anything but a full HTML
page to a GET (actions that only POST, downloads, HTMX fragments) are left out by what they answer,
not by a list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from compliance import evaluation, services
from compliance.models import Alert, Supplier
from compliance.monitoring import alerts
from compliance.reports import services as report_services
from hds_platform import services as platform_services
from hds_platform.accounts.signup import verification_link
from hds_platform.audit import Actor
from hds_platform.models import Membership, OrganisationKind
from hds_platform.oauth.services import connection_grant
from hds_platform.roles import Role
from hds_platform.tenancy import organisation_context
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint
from tests.compliance.network_builders import HostOffer, linked_client
from tests.compliance.web.pages import registry_host
from tests.factories import UserFactory, make_organisation
from tests.oauth_support import register_app

# Not pages of the product: the admin (platform staff), the API and machine endpoints.
EXCLUDED_PATHS = ("admin/", "api/", "health/", ".well-known/", "i18n/")
EXCLUDED_NAMES = {"logout"}

# ``pk`` means a different row on each family of routes: the route name's prefix says which.
PK_OF = {
    "compliance:evidence-request-create": "supplier", "compliance:evidence-request-": "evidence_request",
    "compliance:incoming-evidence-request-": "incoming_request",
    # The link routes of the network only answer POST: any number reverses them.
    "compliance:client-": "processing", "compliance:provider-": "processing", "compliance:offer-": "offer",
    "compliance:processing-": "processing", "compliance:chain-": "processing",
    "compliance:supplier-": "supplier", "compliance:certificate-": "certificate",
    "compliance:evidence-": "contract", "reports:report-": "report",
    "settings-member-": "membership", "settings-invitation-": "invitation", "settings-token-": "token",
    "compliance:alert-": "alert", "compliance:webhook-": "webhook", "settings-app-": "app_connection",
}
# Any other parameter: the world's attribute that fills it (by route when the name means different things).
PARAMETERS = {"org": "slug", "slug": "slug", "link_pk": "link_pk", "token": "invitation_token", "uidb64": "uidb64",
              "delivery_pk": "delivery"}
TOKEN_OF = {"verify-email": "verification_token", "password-reset-confirm": "reset_token",
            "evidence-request-upload": "upload_token", "client-invitation": "client_invitation_token"}


@dataclass
class World:
    slug: str
    processing: int
    link_pk: int
    supplier: int
    certificate: int
    contract: int
    membership: int
    invitation: int
    invitation_token: str
    token: int
    report: int
    alert: int
    webhook: int
    delivery: int
    verification_token: str
    uidb64: str
    reset_token: str
    evidence_request: int
    incoming_request: int
    upload_token: str
    client_invitation_token: str
    app_connection: int
    offer: int


def _incoming_request(host: HostOffer) -> int:
    owner = UserFactory(email="it@nadir.example")
    client = make_organisation("Nadir", owner, kind=OrganisationKind.HEALTH_ESTABLISHMENT)
    link = linked_client(host, client, owner)
    with organisation_context(client):
        request, _raw = services.evidence_request_create(
            actor=Actor.for_user(owner), supplier=Supplier.objects.get(pk=link.client_supplier_id),
            kinds=["hds_certificate"], contact_email="it@orbit.example")
    return request.pk


def build_world(tenant) -> World:
    """An organisation with a chain of three levels (one red box), its suppliers, certificates,
    evidence, a pending invitation and an API token. Names are neither French nor English words of
    the interface, so that the English run cannot mistake them for untranslated text."""
    actor = Actor.for_user(tenant.owner)
    host = registry_host("Alpha Cloud SAS", "HDS-ALPHA-2025", expires_on=date(2028, 6, 13))
    with tenant.context():
        alpha = builders.supplier("Alpha Cloud SAS")
        beta = builders.supplier("Beta Ops")
        gamma = builders.supplier("Gamma Vault")
        services.supplier_registry_match_confirm(supplier=alpha, actor=actor, host=host)
        certificate = builders.certificate(beta, activities=(5,))
        contract = builders.evidence("hosting_contract", supplier=alpha, title="Alpha contract")
        processing = builders.processing(
            "Orbit", purposes=["Orbit"], data_subject_categories=["Orbit"], data_categories=["Orbit"],
            recipients=["Orbit"], retention="P20Y", security_measures="TLS", legal_basis="6(1)(e)",
            art9_condition="9(2)(h)", controller_contact="dpo@orbit.example")
        top = builders.link(processing, alpha, activities=(1, 2, 3, 4))
        middle = builders.link(processing, beta, activities=(5,), parent=top)
        builders.link(processing, gamma, activities=(6,), parent=middle, is_backup=True)
        evaluation.evaluate_processings([processing.pk])
        invitation, raw = platform_services.invitation_create(
            email="newcomer@orbit.example", role=Role.EDITOR, actor=actor)
        token, _raw = platform_services.api_token_create(name="ci", scope="read", actor=actor)
        membership = Membership.objects.get(user=tenant.members[Role.EDITOR.value])
        report = report_services.report_request(actor=actor, kind="register", format="csv")
        [alert] = alerts.raise_alerts(tenant.organisation, [Alert(
            kind="certificate_expiring", severity="warning", status="open", dedupe_key="world:1", threshold=30,
            supplier=beta, data={"certificate": {"kind_label": "HDS", "number": "HDS-BETA"},
                                 "expires_on": "2027-01-01", "threshold": 30, "supplier": {"name": beta.name}})])
        webhook = make_endpoint("https://hooks.orbit.example/maillon")
        app = register_app(tenant.owner, name="Orbit Desk")
        connection = connection_grant(application=app.application, scope="conformity:read", actor=actor)
        # The network: a published trust page with one offer, a client invited to it, and an
        # evidence request waiting for its upload.
        own = builders.certificate(None, activities=(5,), certificate_number="HDS-ORBIT-1")
        services.provider_profile_update(actor=actor, description="Orbit", trust_page_published=True)
        offer = services.offer_create(actor=actor, name="Orbit", activities=[5], published=True,
                                      certificates=[own])
        _client, client_raw = services.client_invitation_create(actor=actor, name="Zenith", email="it@zenith.example",
                                                               offers=[offer])
        request, upload_raw = services.evidence_request_create(actor=actor, supplier=beta, kinds=["dpa"],
                                                               contact_email="ops@beta.example")
    # A linked client's request in the organisation's inbox ("Demandes reçues").
    incoming = _incoming_request(HostOffer(tenant.organisation, offer, own, None, None))
    return World(slug=tenant.organisation.slug, processing=processing.pk, link_pk=middle.pk, supplier=alpha.pk,
                 certificate=certificate.pk, contract=contract.pk, membership=membership.pk,
                 invitation=invitation.pk, invitation_token=raw, token=token.pk, report=report.pk, alert=alert.pk,
                 webhook=webhook.pk,
                 delivery=webhook.pk,  # its route only answers POST: any number reverses it
                 verification_token=verification_link(tenant.owner).rstrip("/").rsplit("/", 1)[1],
                 uidb64=urlsafe_base64_encode(force_bytes(tenant.owner.pk)),
                 reset_token=default_token_generator.make_token(tenant.owner), app_connection=connection.pk,
                 evidence_request=request.pk, incoming_request=incoming, upload_token=upload_raw,
                 client_invitation_token=client_raw,
                 offer=offer.pk)


@dataclass(frozen=True)
class Route:
    name: str
    parameters: tuple[str, ...]


def routes() -> Iterator[Route]:
    """Every named route of the project, but the excluded ones."""
    def walk(patterns, namespace: str | None, parameters: tuple[str, ...], path: str):
        for pattern in patterns:
            names = tuple(pattern.pattern.converters)
            here = path + str(pattern.pattern)
            if here.startswith(EXCLUDED_PATHS):
                continue
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
                yield from walk(pattern.url_patterns, inner, parameters + names, here)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if name not in EXCLUDED_NAMES:
                    yield Route(name, parameters + names)
    yield from walk(get_resolver().url_patterns, None, (), "")


class UnknownParameter(LookupError):
    pass


def url_of(route: Route, world: World) -> str:
    kwargs = {}
    for parameter in route.parameters:
        if parameter == "pk":
            attribute = next((attr for prefix, attr in PK_OF.items() if route.name.startswith(prefix)), None)
        elif parameter == "token" and route.name in TOKEN_OF:
            attribute = TOKEN_OF[route.name]
        else:
            attribute = PARAMETERS.get(parameter)
        if attribute is None or getattr(world, attribute, None) is None:
            raise UnknownParameter(f"route {route.name!r}: no value for {parameter!r}; add it to tests/web_pages.py")
        kwargs[parameter] = getattr(world, attribute)
    return reverse(route.name, kwargs=kwargs)


def candidate_urls(world: World) -> dict[str, str]:
    """Route name → address, for every route; plus an address that does not exist (the 404 page)."""
    urls = {route.name: url_of(route, world) for route in routes()}
    urls["404"] = f"/o/{world.slug}/nulle-part/"
    return urls


def is_page(response) -> bool:
    """A full page of the shell, as a person opens it (not a fragment, a file or a redirect)."""
    return (response.status_code in (200, 404) and response["Content-Type"].startswith("text/html")
            and b"<html" in response.content[:200])


def pages(client, world: World) -> dict[str, str]:
    """Route name → address of every page ``client`` (logged in or not) sees as a full page."""
    return {name: url for name, url in candidate_urls(world).items() if is_page(client.get(url))}


# The pages every run must have found: a discovery that found fewer is broken, not green.
KNOWN_PAGES = {
    "dashboard", "compliance:processing-list", "compliance:processing-create", "compliance:processing-detail",
    "compliance:processing-edit", "compliance:chain-editor", "compliance:chain-link-edit",
    "compliance:supplier-list", "compliance:supplier-create", "compliance:supplier-detail",
    "compliance:supplier-edit", "compliance:certificate-list", "compliance:certificate-create",
    "compliance:evidence-list", "compliance:evidence-contract", "compliance:registry-search",
    "reports:report-list", "settings-members", "settings-tokens", "settings-security", "settings-delete",
    "audit-log", "account", "password-change", "404",
}
