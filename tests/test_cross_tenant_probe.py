"""The cross-tenant probe: every tenant route, every method, attacked from another organisation.

Routes are found by walking the URL configuration (everything under
``/api/v1/orgs/<org>/``) and cross-checked with the OpenAPI schema, so a route
added later is attacked without editing this file. The victim organisation
gets an object of every tenant model (tests/tenant_objects.py; a model
without a factory fails the probe), and two outsiders of another organisation
— its owner (a session) and its read-write API token — try to:

* ``victim-route``: use any method on the victim's own URL, with the victim's
  ids (read, list, update, delete, custom actions, payloads naming its rows);
* ``own-route``: use their own organisation's URL with the victim's ids in the
  path (each id alone, the rest their own, and all of them);
* ``own-list``: list through their own URL and find a victim row in the page;
* ``payload``: write through their own URL with a victim id in each writable
  field that refers to a tenant row.

Every attempt must answer 404 exactly like a missing object (403 where the
route itself is forbidden to the attacker, whoever owns the ids), a payload
attack 400 naming the field, and nothing may change: all tenant rows,
organisations and users are hashed before and after each write. A control
request by the victim's owner shows that the ids used are real.

On PostgreSQL the probe runs twice: with the suite's connection (the code wall
alone: the superuser bypasses row-level security) and with the connection
switched to the runtime role (both walls, and the application working under
them). It prints ``cross-tenant probe: N cases (routes R, methods M), 0 leaks``
in the terminal summary.
"""

from __future__ import annotations

import functools
import hashlib
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.admindocs.views import simplify_regex
from django.db import connection
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.plumbing import ComponentRegistry
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField

from hds_platform import rls, scopes
from hds_platform.api.base import OrganisationGenericViewSet, OrganisationViewMixin
from hds_platform.api.filters import IdFilter
from hds_platform.api.schema import SchemaGenerator
from hds_platform.models import Organisation, User
from hds_platform.roles import ROLE_PERMISSIONS, SCOPE_PERMISSIONS, Role, TokenScope
from hds_platform.tenancy import TenantModel, introspection
from tests import tenant_objects
from tests.oauth_support import connect
from tests.reporting import report
from tests.rls_support import app_connection_as_runtime_role, clear_organisation_setting, require_roles

TENANT_PREFIX = "/api/v1/orgs/{}/"
NOT_FOUND = {"code": "not_found", "message": "Introuvable."}
FORBIDDEN = {"code": "permission_denied", "message": "Votre rôle ne permet pas cette action."}
# What a connected app gets on a route that no scope opens (members, tokens, the audit log…).
APP_FORBIDDEN = {"code": "insufficient_scope", "message": "Cette action est réservée aux personnes membres de "
                 "l'organisation : aucune portée de jeton ou d'application ne l'ouvre."}
WRITE_METHODS = ("post", "put", "patch")
MISSING_ID = 987654321


@dataclass
class Route:
    template: str  # /api/v1/orgs/<org>/members/<pk>/
    view_class: type
    initkwargs: dict
    callback: object
    actions: dict | None  # method → viewset action, None for a plain APIView
    methods: list[str]
    params: list[str] = field(default_factory=list)  # URL keywords other than org

    @property
    def key(self) -> str:
        return re.sub(r"<[^>]+>", "{}", self.template)

    def url(self, slug: str, values: dict) -> str:
        path = self.template.replace("<org>", slug)
        for name, value in values.items():
            path = path.replace(f"<{name}>", str(value))
        return path


def _walk(patterns, prefix=""):
    for pattern in patterns:
        regex = pattern.pattern.regex.pattern.lstrip("^")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + regex)
        elif isinstance(pattern, URLPattern):
            yield prefix + regex.rstrip("$"), pattern.callback


def tenant_routes() -> list[Route]:
    routes = []
    for regex, callback in _walk(get_resolver().url_patterns):
        template = simplify_regex(regex)
        if not template.startswith(TENANT_PREFIX.format("<org>")):
            continue
        view_class = getattr(callback, "cls", None)
        assert view_class is not None and issubclass(view_class, OrganisationViewMixin), (
            f"{template} is a tenant route whose view does not inherit OrganisationViewMixin: it alone resolves "
            f"the organisation and enters its context."
        )
        allowed = set(view_class.http_method_names) - {"head", "trace", "options"}
        actions = getattr(callback, "actions", None)
        if actions is not None:
            methods = sorted(set(actions) & allowed)
        else:
            methods = sorted(m for m in allowed if hasattr(view_class, m))
        params = [name for name in re.findall(r"\(\?P<(\w+)>", regex) if name != "org"]
        routes.append(Route(template, view_class, getattr(callback, "initkwargs", {}), callback,
                            actions, [*methods, "options"], params))
    return routes


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (re.sub(r"\{[^}]+\}", "{}", path), method)
        for path, item in schema["paths"].items()
        if path.startswith(TENANT_PREFIX.format("{org}"))
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def request_serializer(route: Route, method: str):
    """The serializer the OpenAPI schema documents for this operation's request body."""
    generator = SchemaGenerator()
    with introspection():
        view = generator.create_view(route.callback, method.upper())
        view.request = spectacular_settings.GET_MOCK_REQUEST(method.upper(), route.template, view, None)
        schema = view.schema
        schema.path, schema.path_regex, schema.path_prefix = route.template, route.template, "^/api/v1"
        schema.method, schema.registry = method.upper(), ComponentRegistry()
        found = schema.get_request_serializer()
    if isinstance(found, type):
        found = found()
    return found if isinstance(found, serializers.BaseSerializer) else None


def reference_fields(serializer) -> dict[str, tuple[type, bool]]:
    """Writable fields of ``serializer`` that name a tenant row: name → (model, many)."""
    if serializer is None:
        return {}
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    found = {}
    for name, item in serializer.fields.items():
        if item.read_only:
            continue
        hinted = tenant_objects.PAYLOAD_REFERENCES.get((type(serializer).__name__, name))
        if hinted:
            found[name] = (_model(hinted), False)
            continue
        relation, many = (item.child_relation, True) if isinstance(item, ManyRelatedField) else (item, False)
        if isinstance(relation, RelatedField):
            model = getattr(relation, "model", None) or getattr(relation.queryset, "model", None)
            if model is not None and issubclass(model, TenantModel):
                found[name] = (model, many)
    return found


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def _required_permission(route: Route, method: str) -> str:
    view = route.view_class(**route.initkwargs)
    view.action = (route.actions or {}).get(method)
    return view.required_permission(SimpleNamespace(method=method.upper()))


def _param_target(route: Route, name: str) -> tuple[type, str]:
    """The model and field whose value a URL keyword carries."""
    lookup = getattr(route.view_class, "lookup_url_kwarg", None) or getattr(route.view_class, "lookup_field", "pk")
    model = getattr(route.view_class, "model", None)
    if model is not None and name == lookup:
        return model, route.view_class.lookup_field
    if name in tenant_objects.PATH_PARAMETERS:
        label, attribute = tenant_objects.PATH_PARAMETERS[name]
        return _model(label), attribute
    base = re.sub(r"_(pk|id)$", "", name)
    for candidate in rls.tenant_models():
        if candidate._meta.model_name == base.replace("_", ""):
            return candidate, "pk"
    pytest.fail(f"{route.template}: cannot tell which tenant model the URL keyword {name!r} names. "
                f"Add it to PATH_PARAMETERS in tests/tenant_objects.py.")


def fingerprint() -> str:
    """A hash of every tenant row, every organisation and every user."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for label, sql, params in _fingerprint_statements(connection.vendor):
            digest.update(label)
            cursor.execute(sql, params)
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


@functools.cache
def _fingerprint_statements(vendor: str) -> tuple[tuple[bytes, str, tuple], ...]:
    """Each table's "every row, every column, by primary key" query, compiled once.

    The probe hashes the database before and after each of its hundreds of attempts: compiling
    the same querysets again each time cost more than running them.
    """
    statements = []
    for model in [*sorted(rls.tenant_models(), key=lambda m: m._meta.label), Organisation, User]:
        manager = model.all_organisations if issubclass(model, TenantModel) else model._base_manager
        sql, params = manager.order_by("pk").values_list().query.sql_with_params()
        statements.append((model._meta.label.encode(), sql, params))
    return tuple(statements)


@dataclass
class Probe:
    runtime_role: bool
    cases: int = 0
    controls: int = 0
    failed_controls: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    # The fingerprint taken after the last attempt, for as long as no request has been sent since:
    # the probe itself only reads, so it is still the state before the next attempt.
    _last_state: str | None = field(default=None, init=False, repr=False)

    def superuser(self):
        """Step out of the runtime role (to look at every organisation's rows), then back in."""
        return _SuperuserWindow() if self.runtime_role else nullcontext()

    def state(self) -> str:
        with self.superuser():
            return fingerprint()

    def send(self, client, method, url, payload=None):
        self._last_state = None
        if self.runtime_role:
            clear_organisation_setting()
        return getattr(client, method)(url, payload or {}, format="json") if method in WRITE_METHODS \
            else getattr(client, method)(url)

    def attack(self, name, client, method, url, payload, allowed):
        """One attempt; ``allowed`` tells whether a response is a refusal."""
        before = self._last_state or self.state()
        response = self.send(client, method, url, payload)
        self.cases += 1
        with self.superuser():
            problem = allowed(response)
        after = self.state()
        if after != before:
            problem = (problem + "; " if problem else "") + "data changed"
        self._last_state = after
        if problem:
            self.leaks.append(f"{name}: {method.upper()} {url} {payload or ''} → {response.status_code}: {problem}")


class _SuperuserWindow:
    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")

    def __exit__(self, *exc):
        from django.conf import settings

        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(settings.DATABASE_RUNTIME_ROLE)}")


def _json(response):
    """The body as JSON, or None (a server error may answer in HTML)."""
    try:
        return response.json()
    except ValueError:
        return None


def _is_not_found(response) -> str:
    if response.status_code == 404 and _json(response) == NOT_FOUND:
        return ""
    return "expected 404 like a missing object"


def _not_found_or(forbidden: bool):
    def check(response) -> str:
        if forbidden and response.status_code == 403 and _json(response) in (FORBIDDEN, APP_FORBIDDEN):
            return ""
        return _is_not_found(response) and ("expected 404" + (" or 403" if forbidden else ""))

    return check


def _same_as(reference):
    def check(response) -> str:
        same = (response.status_code, response.content) == (reference.status_code, reference.content)
        return "" if same else f"differs from the answer for a missing id ({reference.status_code})"

    return check


def _rejects_field(name: str, forbidden: bool):
    def check(response) -> str:
        body = _json(response) or {}
        if forbidden and response.status_code == 403 and body in (FORBIDDEN, APP_FORBIDDEN):
            return ""
        if response.status_code == 404 and body == NOT_FOUND:
            return ""
        if response.status_code == 400 and name in body.get("errors", {}):
            return ""
        return f"expected 400 naming {name!r} (or 404)"

    return check


def _lookup_values(response, attribute: str) -> set:
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    assert isinstance(rows, list) and all(attribute in row for row in rows), (
        f"list rows do not expose {attribute!r}: {body!r}"
    )
    return {row[attribute] for row in rows}


def _build(tenant, models_, times):
    missing = tenant_objects.missing_factories(models_)
    if missing:
        pytest.fail(tenant_objects.missing_factories_message(missing))
    made = {model: [] for model in models_}
    for _ in range(times):
        for model in models_:
            made[model].append(tenant_objects.FACTORIES[model._meta.label](tenant))
    return made


def _values(route, owner_objects, foreign_values, victim_objects):
    """URL keyword values: the route's own objects, and for each keyword the victim's id."""
    own = {}
    victim = {}
    for name in route.params:
        model, attribute = _param_target(route, name)
        own[name] = getattr(owner_objects[model][-1], attribute)
        victim[name] = foreign_values(model, attribute, victim_objects)
    return own, victim


def test_routes_of_the_url_configuration_and_of_the_schema_are_the_same():
    routes = tenant_routes()
    walked = {(route.key, method) for route in routes for method in route.methods if method != "options"}
    documented = schema_operations()
    assert walked == documented, (
        f"only in the URL configuration: {sorted(walked - documented)}; only in the schema: "
        f"{sorted(documented - walked)}. Every tenant route must be documented (and so probed)."
    )
    assert {route.key for route in routes} >= {"/api/v1/orgs/{}/members/", "/api/v1/orgs/{}/members/{}/",
                                               "/api/v1/orgs/{}/tokens/{}/revoke/"}


def test_a_tenant_model_without_a_factory_fails_the_probe(monkeypatch, tenant):
    monkeypatch.delitem(tenant_objects.FACTORIES, "hds_platform.Invitation")
    with pytest.raises(pytest.fail.Exception, match=r"No factory for the tenant model\(s\) hds_platform.Invitation"):
        _build(tenant, rls.tenant_models(), 1)


def run_probe(tenant, other_tenant, client_for, runtime_role: bool):
    """Attack every tenant route of ``tenant`` from ``other_tenant``; return the probe and the routes."""
    proxies = [_model(label) for label in tenant_objects.READ_AS if _model(label)._meta.proxy]
    models_ = sorted(rls.tenant_models() + proxies, key=lambda m: m._meta.label)
    victim_objects = _build(tenant, models_, times=2)
    own_objects = _build(other_tenant, models_, times=1)
    probe = Probe(runtime_role)
    sides = _Sides(attackers=_attackers(other_tenant, client_for), victim_owner=client_for(user=tenant.owner),
                   victim_slug=tenant.organisation.slug, own_tenant=other_tenant)
    for client in [sides.victim_owner, *(client for client, _permissions in sides.attackers.values())]:
        client.raise_request_exception = False  # a server error is a finding, not the end of the probe
    routes = tenant_routes()
    plans = [_plan(route, own_objects, victim_objects, other_tenant) for route in routes]
    with time_machine.travel(timezone.now(), tick=False), \
            (app_connection_as_runtime_role() if runtime_role else nullcontext()):
        for client, _permissions in sides.attackers.values():
            assert probe.send(client, "get", f"/api/v1/orgs/{sides.own_slug}/members/").status_code in (200, 403)
        for plan in plans:
            _attack_route(probe, sides, plan)

    return probe, routes


@dataclass
class _Sides:
    """The outsiders (name → client and permissions), the victim's owner who runs the controls, and
    the two organisations."""

    attackers: dict[str, tuple[object, frozenset[str]]]
    victim_owner: object
    victim_slug: str
    own_tenant: object

    @property
    def own_slug(self) -> str:
        return self.own_tenant.organisation.slug


@dataclass
class _Plan:
    """What a route is attacked with, read before any attack: the attacker's own URL values, the
    victim's, and for each method the payload references with the victim ids they get."""

    route: Route
    own_values: dict
    victim_values: dict
    payloads: dict[str, tuple[dict, dict]]
    filters: dict[str, object] = field(default_factory=dict)  # id filter of the list → a victim's id


def _attackers(other_tenant, client_for) -> dict:
    token_client = client_for(token=other_tenant.token(scope=TokenScope.READ_WRITE, name="probe attacker"))
    # A connected app of the attacker's organisation, with every scope.
    _app, tokens = connect(other_tenant.owner, other_tenant.organisation, " ".join(scopes.SCOPES))
    app_client = client_for(token=tokens["access_token"])
    # A token (or an app) is answered in English by default: asking for French keeps one set of expected bodies.
    for client in (token_client, app_client):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    return {
        "outsider-member": (client_for(user=other_tenant.owner), ROLE_PERMISSIONS[Role.OWNER]),
        "outsider-token": (token_client, SCOPE_PERMISSIONS[TokenScope.READ_WRITE]),
        "outsider-app": (app_client, SCOPE_PERMISSIONS[TokenScope.READ_WRITE]),
    }


def _owned_by(model, organisation):
    """The rows ``organisation`` may read through ``model``: its own, and a shared row it is a party
    to (see ``tenant_objects.READ_AS``)."""
    readers = Q()
    for name in tenant_objects.READ_AS.get(model._meta.label, ("organisation",)):
        readers |= Q(**{name: organisation})
    return model.all_organisations.filter(readers)


def _foreign_value(other_tenant, model, attribute, objects):
    """A victim value that names nothing in the attacker's organisation (read before any attack)."""
    own_values = set(_owned_by(model, other_tenant.organisation)
                     .values_list(attribute, flat=True))
    for candidate in reversed(objects[model]):
        if getattr(candidate, attribute) not in own_values:
            return getattr(candidate, attribute)
    pytest.fail(f"every victim {model._meta.label}.{attribute} also exists in the attacker's organisation")


def _plan(route, own_objects, victim_objects, other_tenant) -> _Plan:
    def foreign_value(model, attribute, objects):
        return _foreign_value(other_tenant, model, attribute, objects)

    own_values, victim_values = _values(route, own_objects, foreign_value, victim_objects)
    payloads = {}
    for method in route.methods:
        references = reference_fields(request_serializer(route, method)) if method in WRITE_METHODS else {}
        payloads[method] = (references, {name: foreign_value(model, "pk", victim_objects)
                                         for name, (model, _many) in references.items()})
    filters = {name: foreign_value(model, "pk", victim_objects) for name, model in id_filters(route).items()}
    return _Plan(route, own_values, victim_values, payloads, filters)


def id_filters(route: Route) -> dict[str, type]:
    """The list's query-string filters that take a row id, with the model the id names."""
    filterset = getattr(route.view_class, "filterset_class", None)
    model = getattr(route.view_class, "model", None)
    if filterset is None or model is None or route.params:
        return {}
    found = {}
    for name, query_filter in filterset.base_filters.items():
        if not isinstance(query_filter, IdFilter):
            continue
        target = model
        for part in query_filter.field_name.removesuffix("_id").split("__"):
            target = target._meta.get_field(part).related_model
        found[name] = target
    return found


def _mixes(plan) -> list[dict]:
    """Path values naming the victim's ids on the attacker's URL: each alone among the attacker's own,
    then all of them together."""
    mixes = [{**plan.own_values, name: plan.victim_values[name]} for name in plan.route.params]
    if len(plan.route.params) > 1:
        mixes.append(dict(plan.victim_values))
    return mixes


def _attack_route(probe, sides, plan):
    """The control by the victim's owner, then every method of the route by every outsider."""
    route = plan.route
    victim_url = route.url(sides.victim_slug, plan.victim_values)
    if "get" in route.methods:  # the control: the victim's owner reaches these very ids
        response = probe.send(sides.victim_owner, "get", victim_url)
        probe.controls += 1
        if response.status_code != 200:
            probe.failed_controls.append(f"GET {victim_url} → {response.status_code}")
    for method in route.methods:
        references, victim_ids = plan.payloads[method]
        victim_payload = {name: [victim_ids[name]] if many else victim_ids[name]
                          for name, (_model, many) in references.items()}
        needed = _required_permission(route, method)
        for attacker, (client, permissions) in sides.attackers.items():
            forbidden = needed not in permissions
            probe.attack(f"{attacker} victim-route", client, method, victim_url, victim_payload, _is_not_found)
            _attack_through_own_url(probe, sides, plan, method, attacker, client, victim_payload, forbidden)


def _attack_through_own_url(probe, sides, plan, method, attacker, client, victim_payload, forbidden):
    """The attacker's own URL with the victim's ids in the path, listed, and in each reference field."""
    route, own_slug = plan.route, sides.own_slug
    for values in _mixes(plan):
        if method == "options":
            # Metadata of the route, not of an object: it must read as for a missing id.
            missing = probe.send(client, method, route.url(own_slug, {
                name: MISSING_ID if value == plan.victim_values[name] else value
                for name, value in values.items()}))
            check = _same_as(missing)
        else:
            check = _not_found_or(forbidden)
        probe.attack(f"{attacker} own-route", client, method, route.url(own_slug, values), victim_payload, check)
    if method == "get" and not route.params and getattr(route.view_class, "model", None):
        probe.attack(f"{attacker} own-list", client, method, route.url(own_slug, {}), None,
                     _lists_only_own(route, sides.own_tenant, forbidden))
        for name, victim_id in plan.filters.items():  # the victim's ids in the list's query string
            probe.attack(f"{attacker} own-list filter", client, method, f"{route.url(own_slug, {})}?{name}={victim_id}",
                         None, _lists_nothing(forbidden))
    references, victim_ids = plan.payloads[method]
    for name, (_model, many) in references.items():
        value = victim_ids[name]
        probe.attack(f"{attacker} payload", client, method, route.url(own_slug, plan.own_values),
                     {name: [value] if many else value}, _rejects_field(name, forbidden))


_PASSES = [
    pytest.param(False, id="app-connection"),
    pytest.param(True, id="runtime-role", marks=pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="The runtime-role pass needs PostgreSQL's roles and row-level security; the code wall is probed "
               "on every database by the app-connection pass.")),
]


@pytest.mark.parametrize("runtime_role", _PASSES)
def test_no_outsider_reaches_another_organisations_rows(request, tenant, other_tenant, client_for, runtime_role):
    if runtime_role:
        require_roles()
    probe, routes = run_probe(tenant, other_tenant, client_for, runtime_role)
    operations = sum(len(route.methods) for route in routes)
    line = (f"cross-tenant probe: {probe.cases} cases (routes {len(routes)}, methods {operations}), "
            f"{len(probe.leaks)} leaks [{'runtime role' if runtime_role else 'app connection'}, "
            f"{probe.controls} controls]")
    report(request.config, line)
    assert probe.failed_controls == [], "the victim's owner could not reach its own ids"
    assert probe.leaks == [], line + "\n" + "\n".join(probe.leaks)
    # Each operation is attacked at least from the victim's route by both outsiders.
    assert operations >= 24 and probe.cases >= 2 * operations, line


def test_the_probe_finds_a_forgotten_tenant_filter(monkeypatch, tenant, other_tenant, client_for):
    """The probe can fail: with the code wall broken and nothing behind it, it reports the leaks."""
    monkeypatch.setattr(OrganisationGenericViewSet, "get_queryset", _forgotten_filter)
    probe, _routes = run_probe(tenant, other_tenant, client_for, runtime_role=False)
    found = {(leak.split(" ", 3)[1], re.sub(r"/(voisin|\d+)/", "/{}/", leak.split(" ", 4)[3]))
             for leak in probe.leaks}
    assert {("own-route:", "/api/v1/orgs/{}/members/{}/"), ("own-route:", "/api/v1/orgs/{}/invitations/{}/"),
            ("own-route:", "/api/v1/orgs/{}/tokens/{}/revoke/"), ("own-route:", "/api/v1/orgs/{}/audit-events/{}/"),
            ("own-list:", "/api/v1/orgs/{}/members/"), ("own-list:", "/api/v1/orgs/{}/tokens/")} <= found, found
    assert "outsider-member own-route: DELETE /api/v1/orgs/voisin/members/" in "\n".join(probe.leaks)
    assert any(leak.endswith("data changed") for leak in probe.leaks)


@pytest.mark.skipif(connection.vendor != "postgresql", reason=_PASSES[1].marks[0].kwargs["reason"])
def test_row_level_security_holds_when_the_tenant_filter_is_forgotten(monkeypatch, tenant, other_tenant, client_for):
    require_roles()
    monkeypatch.setattr(OrganisationGenericViewSet, "get_queryset", _forgotten_filter)
    probe, _routes = run_probe(tenant, other_tenant, client_for, runtime_role=True)
    assert probe.leaks == []
    assert probe.cases >= 48


def _forgotten_filter(self):
    if getattr(self, "swagger_fake_view", False):
        return self.model.all_organisations.none()
    return self.scope_queryset(self.model.all_organisations.all())


def _lists_only_own(route, own_tenant, forbidden):
    model = route.view_class.model
    attribute = route.view_class.lookup_field

    def check(response) -> str:
        if forbidden:
            return "" if response.status_code == 403 else "expected 403"
        if response.status_code != 200:
            return "expected the attacker's own list"
        own = set(_owned_by(model, own_tenant.organisation).values_list(attribute, flat=True))
        # A view may show its lookup under another key (the event feed shows event_id as "id").
        key = getattr(route.view_class, "lookup_body_key", "id" if attribute == "pk" else attribute)
        extra = {str(value) for value in _lookup_values(response, key)} - {str(value) for value in own}
        return f"rows of another organisation listed: {sorted(extra)}" if extra else ""

    return check


def _lists_nothing(forbidden):
    """A list filtered on another organisation's id: an empty page (nothing of the attacker's names it)."""

    def check(response) -> str:
        if forbidden:
            return "" if response.status_code == 403 else "expected 403"
        body = _json(response)
        if response.status_code == 200 and isinstance(body, dict) and body.get("count") == 0:
            return ""
        return f"expected an empty list, got {body.get('count') if isinstance(body, dict) else body!r}"

    return check


def test_query_string_id_filters_are_found_on_the_lists():
    found = {route.template: sorted(id_filters(route)) for route in tenant_routes() if id_filters(route)}
    assert found == {
        "/api/v1/orgs/<org>/certificates/": ["supplier"],
        "/api/v1/orgs/<org>/evidence/": ["certificate", "processing", "supplier"],
        "/api/v1/orgs/<org>/processings/": ["supplier"],
    }


def test_payload_references_are_found_in_request_serializers(tenant, other_tenant):
    """Future routes with id fields get payload attacks: the discovery finds them, and the house field refuses."""
    from hds_platform.api.fields import TenantPrimaryKeyRelatedField
    from hds_platform.models import Membership
    from registry.models import CertifiedHost

    class LinkSerializer(serializers.Serializer):
        member = TenantPrimaryKeyRelatedField(model=Membership)
        members = TenantPrimaryKeyRelatedField(model=Membership, many=True)
        shown = TenantPrimaryKeyRelatedField(model=Membership, read_only=True)
        host = serializers.PrimaryKeyRelatedField(queryset=CertifiedHost.objects.all())
        name = serializers.CharField()

    assert reference_fields(LinkSerializer()) == {"member": (Membership, False), "members": (Membership, True)}
    with tenant.context():
        victim_member = Membership.objects.get(user=tenant.owner).pk
    with other_tenant.context():
        serializer = LinkSerializer(data={"member": victim_member, "members": [victim_member], "name": "x"})
        assert not serializer.is_valid()
    assert {name: [error.code for error in errors] for name, errors in serializer.errors.items()} == {
        "member": ["does_not_exist"], "members": ["does_not_exist"], "host": ["required"]}
