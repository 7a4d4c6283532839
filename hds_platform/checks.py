"""System checks of tenant isolation.

``maillon.E001`` every model is tenant-owned or on the explicit shared list;
``maillon.E002`` every unique constraint of a tenant model includes
``organisation`` (so that one tenant's rows never collide with, or reveal,
another's, and so that tables can be distributed by ``organisation_id``);
``maillon.E003`` (database, PostgreSQL) every tenant table has row-level
security enabled, forced and exactly its policy — run with
``manage.py check --database default``;
``maillon.E005`` (database, PostgreSQL) every table of an organisation's data has the trigger that
moves its data generation (:mod:`hds_platform.generations`);
``maillon.W001`` (database, PostgreSQL) the app connects as a role that
bypasses row-level security (superuser, BYPASSRLS, or owner of tenant tables).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models

from hds_platform import generations, rls
from hds_platform.tenancy import TenantModel

ORGANISATION_MODEL = "hds_platform.Organisation"

#: Models that belong to no organisation, and why. Everything else must be a
#: TenantModel. Whole apps are listed by label, single models by app.Model.
SHARED_APPS = {
    "auth": "Django's users, groups and permissions (our users are hds_platform.User)",
    "contenttypes": "Django's model registry",
    "sessions": "web sessions, keyed by an unguessable id",
    "admin": "the staff admin's log",
    "django_celery_beat": "schedules of dispatchers, which fan out per organisation",
    "registry": "the official ANS list of certified hosts: public reference data shared by every organisation",
    "axes": "login attempts and lockouts, per e-mail address and client address, before any organisation",
    "otp_totp": "a person's TOTP devices (second factor), not an organisation's",
    "otp_static": "a person's recovery codes (second factor), not an organisation's",
    "oauth2_provider": "django-oauth-toolkit's own tables (device grants, unused)",
}
SHARED_MODELS = {
    "hds_platform.User": "a person may belong to several organisations (through memberships)",
    "hds_platform.Organisation": "the tenant itself, found by its slug before any context exists",
    "hds_platform.PersonRecord": "the name and e-mail behind a user id in audit events, erasable with the person",
    "hds_platform.OutboxMessage": "task names and ids only, relayed to Celery with no organisation context",
    "hds_platform.OAuthApplication": "applications registered by integrators, authorised by many organisations",
    "hds_platform.OAuthIDToken": "OpenID Connect ID tokens of the toolkit (unused)",
    "hds_platform.OAuthGrant": "OAuth codes, found by the toolkit by their value before any organisation context",
    "hds_platform.OAuthAccessToken": "OAuth access tokens, found by their digest before any organisation context",
    "hds_platform.OAuthRefreshToken": "OAuth refresh tokens, found by their digest before any organisation context",
    "hds_platform.AuditAnchor": "signed chain heads (ids and hashes only), written across organisations",
    "hds_platform.DataGeneration": "a counter per organisation, read with the token before any organisation context",
}


def _is_shared(model: type[models.Model]) -> bool:
    opts = model._meta
    if opts.app_label in SHARED_APPS or opts.label in SHARED_MODELS:
        return True
    if opts.auto_created:
        # The through table of a many-to-many field between shared models.
        targets = [f.remote_field.model for f in opts.fields if f.is_relation]
        return bool(targets) and all(not isinstance(t, str) and _is_shared(t) for t in targets)
    return False


def _label(target) -> str:
    return target if isinstance(target, str) else target._meta.label


def _has_organisation(model: type[models.Model]) -> bool:
    try:
        field = model._meta.get_field("organisation")
    except FieldDoesNotExist:
        return False
    return (
        field.many_to_one and not field.null and field.attname == "organisation_id"
        and _label(field.remote_field.model) in (ORGANISATION_MODEL, "Organisation")
    )


def _unique_field_sets(model: type[models.Model]) -> Iterable[tuple[str, tuple[str, ...]]]:
    opts = model._meta
    for field in opts.local_fields:
        if field.unique and not field.primary_key:
            yield f"field {field.name!r} (unique=True)", (field.name,)
    for fields in opts.unique_together:
        yield f"unique_together {tuple(fields)!r}", tuple(fields)
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names = tuple(constraint.fields)
            if constraint.expressions:
                names += tuple(str(expression) for expression in constraint.expressions)
            yield f"constraint {constraint.name!r}", names


def check_tenant_models(models_to_check: Iterable[type[models.Model]]) -> list[checks.CheckMessage]:
    """E001 and E002 for the given models (the test suite passes its own)."""
    errors: list[checks.CheckMessage] = []
    for model in models_to_check:
        opts = model._meta
        if opts.abstract or opts.proxy or not opts.managed or _is_shared(model):
            continue
        if not (issubclass(model, TenantModel) and _has_organisation(model)):
            errors.append(checks.Error(
                f"{opts.label} belongs to no organisation.",
                hint="Inherit hds_platform.tenancy.TenantModel (a many-to-many field needs an explicit through "
                     "model that does), or, for data shared by every organisation, add it to SHARED_APPS or "
                     "SHARED_MODELS in hds_platform/checks.py with the reason.",
                obj=model, id="maillon.E001",
            ))
            continue
        for what, names in _unique_field_sets(model):
            if "organisation" not in names and "organisation_id" not in names:
                errors.append(checks.Error(
                    f"{opts.label}: {what} does not include organisation.",
                    hint="Make it UniqueConstraint(fields=['organisation', …]); add a plain index for lookups "
                         "across organisations.",
                    obj=model, id="maillon.E002",
                ))
    return errors


@checks.register("maillon")
def tenant_models_check(app_configs=None, **kwargs):
    configs = app_configs or apps.get_app_configs()
    return check_tenant_models(
        model for config in configs for model in config.get_models(include_auto_created=True)
    )


def check_row_level_security(connection) -> list[checks.CheckMessage]:
    """E003 for every tenant table of ``connection`` (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return []
    errors: list[checks.CheckMessage] = []
    tables = [model._meta.db_table for model in rls.tenant_models()]
    for table, state in rls.table_security(connection, tables).items():
        for problem in state.problems():
            errors.append(checks.Error(
                f"Tenant table {table}: {problem}.",
                hint="Run manage.py migrate --database owner: it applies the policy to every tenant table.",
                obj=table, id="maillon.E003",
            ))
    return errors


def check_runtime_role(connection) -> list[checks.CheckMessage]:
    """W001: the role the app connects as must be subject to row-level security."""
    if connection.vendor != "postgresql":
        return []
    tables = [model._meta.db_table for model in rls.tenant_models()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper, r.rolbypassrls, "
            "  EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid AND c.oid = ANY("
            "    SELECT to_regclass(t) FROM unnest(%s::text[]) AS t)) "
            "FROM pg_roles r WHERE r.rolname = current_user",
            [tables],
        )
        superuser, bypass, owner = cursor.fetchone()
    reasons = [why for flag, why in ((superuser, "a superuser"), (bypass, "BYPASSRLS"),
                                      (owner, "the owner of tenant tables")) if flag]
    if not reasons:
        return []
    return [checks.Warning(
        f"The connection {connection.alias!r} uses a role that bypasses row-level security ({', '.join(reasons)}).",
        hint="In production DATABASE_URL is the runtime role (maillon_app): not a superuser, not the owner, "
             "NOBYPASSRLS; migrations run as the owner (MIGRATION_DATABASE_URL, --database owner).",
        obj=connection.alias, id="maillon.W001",
    )]


@checks.register(checks.Tags.database)
def row_level_security_check(app_configs=None, databases=None, **kwargs):
    messages: list[checks.CheckMessage] = []
    for alias in databases or ():
        if alias in ("owner", "cross_tenant"):
            continue
        messages += check_row_level_security(connections[alias])
        messages += check_runtime_role(connections[alias])
        messages += check_generation_triggers(connections[alias])
    return messages


def check_generation_triggers(connection) -> list[checks.CheckMessage]:
    """E005: a table of an organisation's data without the trigger that moves its generation would
    let the cache answer with what the table said before a write."""
    return [checks.Error(
        f"Table {table} has no {generations.TRIGGER_NAME} trigger: cached answers would not see its writes.",
        hint="Run manage.py migrate --database owner: it installs the trigger on every tracked table.",
        obj=table, id="maillon.E005",
    ) for table in generations.missing_triggers(connection)]
