"""Tenancy: users, organisations, memberships, invitations, API tokens, audit log."""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from hds_platform.roles import Role
from hds_platform.tenancy import TenantModel


def validate_siren(value: str) -> None:
    if value and not stdnum_siren.is_valid(value):
        raise ValidationError(_("%(value)s n'est pas un SIREN valide (9 chiffres, clé de Luhn)."),
                              code="invalid_siren", params={"value": value})


def validate_siret(value: str) -> None:
    if value and not stdnum_siret.is_valid(value):
        raise ValidationError(_("%(value)s n'est pas un SIRET valide (14 chiffres, clé de Luhn)."),
                              code="invalid_siret", params={"value": value})


def validate_plan(value: str) -> None:
    if value not in settings.RATE_LIMIT_PLANS:
        raise ValidationError(_("Offre inconnue : %(value)s (parmi : %(plans)s)."), code="invalid_plan",
                              params={"value": value, "plans": ", ".join(settings.RATE_LIMIT_PLANS)})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address; belongs to organisations through memberships."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=200, blank=True)
    language = models.CharField(
        _("langue"), max_length=8, default="fr", choices=[("fr", "Français"), ("en", "English")]
    )
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("équipe de la plateforme"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    # Set when the person followed a link sent to this address (sign-up verification, an
    # invitation, a password reset). Until then they may log in but not invite anyone or create
    # API tokens and webhooks (README, Accounts).
    email_verified_at = models.DateTimeField(_("adresse vérifiée le"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self):
        return self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


# The conformity engine reads these values as its OrganisationKind. The platform cannot import
# compliance, so they are written out here and a compliance test holds the two equal.
class OrganisationKind(models.TextChoices):
    HEALTH_PROFESSIONAL = "health_professional", _("Professionnel de santé")
    HEALTH_ESTABLISHMENT = "health_establishment", _("Établissement de santé")
    SOFTWARE_EDITOR = "software_editor", _("Éditeur de logiciel")
    HOSTING_PROVIDER = "hosting_provider", _("Hébergeur")
    OTHER = "other", _("Autre")


class Organisation(models.Model):
    """A tenant: everything it owns carries its id."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=32, choices=OrganisationKind.choices)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    # Head of the audit chain: lets verify_audit notice that the latest events were deleted.
    audit_head_seq = models.PositiveBigIntegerField(default=0, editable=False)
    audit_head_hash = models.CharField(max_length=64, default="0" * 64, editable=False)
    # Set by an owner: members must verify a second factor (TOTP) before using this organisation.
    require_mfa = models.BooleanField(_("double authentification exigée"), default=False)
    # Set when the organisation is deleted (hds_platform.organisation_deletion): its data is gone,
    # this row stays as the anchor of its audit chain, which is kept (README, Security).
    deleted_at = models.DateTimeField(_("supprimée le"), null=True, blank=True, editable=False)
    # The plan sets the API rate limits of the organisation's tokens and apps (settings.RATE_LIMIT_PLANS).
    plan = models.CharField(_("offre"), max_length=32, default="standard", validators=[validate_plan])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            raise ValidationError({"siret": _("Le SIRET doit commencer par le SIREN de l'organisation.")})


class Membership(TenantModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique_user"),
        ]
        ordering = ["id"]

    def __str__(self):
        return f"{self.user_id}@{self.organisation_id}:{self.role}"


class Invitation(TenantModel):
    """A single-use link, sent by e-mail, to join an organisation with a role."""

    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices)
    token_digest = models.CharField(max_length=64)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("invitation")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "token_digest"], name="invitation_unique_digest"),
        ]
        indexes = [models.Index(fields=["token_digest"])]
        ordering = ["-id"]

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiToken(TenantModel):
    """An organisation's API token. Only a prefix and a digest of the secret are stored."""

    name = models.CharField(_("nom"), max_length=100)
    # Unique per organisation (every unique constraint carries the tenant);
    # authentication looks the prefix up across organisations through its index
    # and keeps the row whose digest matches.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64)
    # Space-separated scopes (hds_platform.scopes), or one of the first tokens' aliases
    # ("read", "read-write"), kept as written.
    scope = models.CharField(_("portée"), max_length=200)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="apitoken_unique_name"),
            models.UniqueConstraint(fields=["organisation", "prefix"], name="apitoken_unique_prefix"),
        ]
        indexes = [models.Index(fields=["prefix"], name="apitoken_prefix_idx")]
        ordering = ["-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class AuditEvent(TenantModel):
    """An append-only, hash-chained record of a write. ``seq`` runs 1, 2, 3… per organisation."""

    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    # A person is kept as an id (PersonRecord holds the name): erasing a user leaves the events, and
    # their hashes, as they were; nothing may update an audit row, so no constraint sets it to null.
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta(TenantModel.Meta):
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        constraints = [models.UniqueConstraint(fields=["organisation", "seq"], name="auditevent_unique_seq")]
        ordering = ["-seq"]

    def canonical(self) -> bytes:
        payload = {
            "organisation": self.organisation_id,
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "changes": self.changes,
            "ip": self.ip,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only.")


class PersonRecord(models.Model):
    """Who ``user:<id>`` in the audit log is: the one place where audit events meet names and e-mails.

    Audit payloads name people by user id only, so that erasing a person blanks this row and
    leaves every hashed event, and the chain, intact.
    """

    user_id = models.PositiveBigIntegerField(primary_key=True)
    email = models.CharField(max_length=254, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personne du journal")
        verbose_name_plural = _("personnes du journal")

    def __str__(self):
        return self.email if self.erased_at is None else f"user:{self.user_id}"

    @property
    def display(self) -> str:
        if self.erased_at is not None:
            return _("personne effacée (n° %d)") % self.user_id
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email


class AuditAnchor(models.Model):
    """An organisation's audit chain head (``seq``, ``hash``) as it was at ``signed_at``, signed
    with ``AUDIT_ANCHOR_KEY`` — a key the database roles never see (:mod:`hds_platform.audit_anchor`).

    Whoever can rewrite audit rows and re-hash the chain after them (the owner role) cannot sign:
    an anchored event rewritten afterwards no longer matches its anchor. The rows are exported
    (``manage.py export_audit_anchors``) to be kept outside the database, since the owner could
    also delete them here. Holds no tenant data, only ids and hashes; append-only for the runtime
    role like the audit events.
    """

    organisation_id = models.BigIntegerField()
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ancre du journal d'audit")
        verbose_name_plural = _("ancres du journal d'audit")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["organisation_id", "seq"], name="auditanchor_unique_seq")]

    def __str__(self):
        return f"{self.organisation_id}#{self.seq}"


class OutboxMessage(models.Model):
    """Follow-up work recorded in the writer's transaction, relayed to Celery afterwards.

    Holds only a task name and ids (no tenant data), so it is shared
    infrastructure outside row-level security: the relay runs with no
    organisation context. A row is claimed with a conditional UPDATE before it
    is sent, so two relays never send it twice.

    Sent is not done: the worker acknowledges a message when its task has run to
    the end (``acknowledged_at``, and ``completions`` counts those runs). A
    message sent long ago and never acknowledged was lost by the broker (or its
    task keeps failing): ``/health/`` says so and ``manage.py outbox_resend``
    sends it again.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    completions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("message en attente d'envoi")
        verbose_name_plural = _("messages en attente d'envoi")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at"], name="outbox_pending_idx", condition=models.Q(dispatched_at__isnull=True)
            ),
            models.Index(
                fields=["dispatched_at"], name="outbox_unacknowledged_idx",
                condition=models.Q(dispatched_at__isnull=False, acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)}"


class IdempotencyKey(TenantModel):
    """The first successful answer to a write sent with an ``Idempotency-Key`` header, kept
    ``IDEMPOTENCY_KEY_HOURS`` so that a retry gets it back instead of writing again
    (:mod:`hds_platform.api.idempotency`). Recorded in the write's own transaction: a write that
    rolls back leaves no key."""

    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text=_("sha256 of the method, path and body."))
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        verbose_name = _("clé d'idempotence")
        verbose_name_plural = _("clés d'idempotence")
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="idempotency_unique_key")]
        indexes = [models.Index(fields=["organisation", "expires_at"], name="idempotency_expires")]

    def __str__(self):
        return self.key


# Connected apps (OAuth): the toolkit's rows swapped for ours, bound to an organisation.
from hds_platform.oauth.models import (  # noqa: E402
    AppConnection,
    OAuthAccessToken,
    OAuthApplication,
    OAuthGrant,
    OAuthIDToken,
    OAuthRefreshToken,
)

__all__ = ["ApiToken", "AppConnection", "AuditAnchor", "AuditEvent", "IdempotencyKey", "Invitation", "Membership",
           "OAuthAccessToken", "OAuthApplication", "OAuthGrant", "OAuthIDToken", "OAuthRefreshToken", "Organisation",
           "OutboxMessage", "PersonRecord", "User"]


class DataGeneration(models.Model):
    """A number that changes, in the same commit, whenever one scope's data changes: an
    organisation's (``scope`` is its id) or the ANS list's (``scope`` 0). Written by database
    triggers only (:mod:`hds_platform.generations`); answers kept in the cache are filed under it."""

    scope = models.BigIntegerField(primary_key=True)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("génération de données")
        verbose_name_plural = _("générations de données")

    def __str__(self):
        return f"{self.scope}: {self.value}"
