"""Writes of evidence requests: asking a supplier's contact for documents, their upload through
the e-mailed link, the requester's review, reminders and expiry.

The link: 256 random bits, e-mailed once and never stored (only its SHA-256 digest), single use.
It lives ``EVIDENCE_REQUEST_TTL_DAYS`` (30) days, or until the due date plus
``EVIDENCE_REQUEST_GRACE_DAYS`` (7) when that is later. Each e-mail that carries a link (the
request, each reminder, the notice of a rejection) carries a fresh one and the previous link
stops working: the newest e-mail always holds the working link, and no secret is ever kept to
rebuild an older one.

The upload goes through the same checks as any evidence (:mod:`compliance.evidence_files`): a
refused file leaves nothing behind and the link stays usable; an accepted file consumes it. The
file waits on the request until the requester accepts it (it becomes evidence of the supplier,
and of the certificate when one is named, with its sha256) or rejects it with a reason (the file
is deleted, the contact is told why by e-mail and receives a fresh link to send another one).

A request for a supplier that stands for a provider organisation linked on this instance (an
active :class:`~compliance.models.ClientLink`) is also addressed to that organisation: it appears
in the provider's inbox, its members are told by e-mail, and the provider may answer from there
with a document it holds (or a new file, checked the same way). That answer is a submission like
the link's: it consumes the link, makes the request ``submitted`` and is announced to the
requester the same way; the requester accepts or rejects it as any other.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance import evidence_files
from compliance.models import (
    Certificate,
    ClientLink,
    Evidence,
    EvidenceKind,
    EvidenceRequest,
    EvidenceRequestStatus,
    IncomingEvidenceRequest,
    LinkStatus,
    evidence_storage_name,
)
from compliance.models.evidence_requests import LANGUAGES, OPEN_STATUSES
from compliance.services._shared import _check_same_organisation, _discard_files_on_commit, _reevaluate, _validate
from compliance.services.evidence import _record_evidence
from compliance.signals import evidence_request_answered, evidence_request_overdue
from hds_platform import audit, crossing, outbox, writes
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, ServiceError
from hds_platform.models import AuditEvent, Membership, Organisation, User
from hds_platform.roles import ROLE_PERMISSIONS, Perm
from hds_platform.tenancy import organisation_context, require_organisation
from hds_platform.tokens import digest_secret, new_link_token

logger = logging.getLogger(__name__)

REQUEST_FIELDS = frozenset({"supplier", "certificate", "kinds", "message", "due_date", "contact_email", "language"})
ACCEPT_FIELDS = frozenset({"title", "certificate", "issued_on", "valid_until"})
#: Days before the due date on which the contact is reminded.
REMINDER_DAYS = (7, 1)
UPLOAD_PATH = "/depot/{token}/"


class LinkRefused(ServiceError):
    """The upload link cannot be used (unknown, used, expired or closed); the code says which."""

    status_code = 410
    code = "evidence_request_link_invalid"


def upload_link(raw: str) -> str:
    return settings.SITE_URL.rstrip("/") + UPLOAD_PATH.format(token=raw)


def link_expiry(due_date: date | None, now: datetime | None = None) -> datetime:
    """The later of the default lifetime and the end of the due date plus the grace days."""
    now = now or timezone.now()
    expiry = now + timedelta(days=settings.EVIDENCE_REQUEST_TTL_DAYS)
    if due_date is not None:
        end = datetime.combine(due_date + timedelta(days=settings.EVIDENCE_REQUEST_GRACE_DAYS + 1), time.min,
                               tzinfo=timezone.get_current_timezone())
        expiry = max(expiry, end)
    return expiry


def _new_link(request: EvidenceRequest) -> str:
    """Give ``request`` a fresh link (the previous one stops working); returns the raw secret."""
    raw, digest = new_link_token()
    request.token_digest = digest
    request.link_expires_at = link_expiry(request.due_date)
    request.link_used_at = None
    return raw


def _normalise(fields: dict) -> dict:
    fields = dict(fields)
    if isinstance(fields.get("contact_email"), str):
        fields["contact_email"] = fields["contact_email"].strip().lower()
    if fields.get("language") in (None, ""):
        fields.pop("language", None)
    if fields.get("message") is None:
        fields.pop("message", None)
    return fields


def _summary(request: EvidenceRequest) -> dict:
    summary = {"supplier": request.supplier_id, "kinds": request.kinds, "due_date": request.due_date,
               "status": request.status, "link_expires_at": request.link_expires_at}
    if request.addressed_organisation_id is not None:
        summary["addressed_organisation"] = request.addressed_organisation_id
    return summary


def _provider_link_of(organisation: Organisation, supplier) -> ClientLink | None:
    """The active link through which ``supplier`` stands for a provider organisation, if any (a
    provider's subcontractor copy is not the provider: its requests go to its contact only). The
    client reads the link row the provider owns; row-level security lets it."""
    if supplier is None or supplier.provider_link_id is None or supplier.shared_from_id is not None:
        return None
    return ClientLink.all_organisations.filter(pk=supplier.provider_link_id, client_organisation_id=organisation.pk,
                                               status=LinkStatus.ACTIVE).first()


# Requesting ------------------------------------------------------------------------------------


def _contact_language(email: str) -> str:
    """The language the contact chose in Maillon if they have an account (people are not tenant
    rows), else French."""
    language = User.objects.filter(email__iexact=email).values_list("language", flat=True).first() if email else None
    return language if language in dict(LANGUAGES) else "fr"


def evidence_request_create(*, actor: Actor, **fields) -> tuple[EvidenceRequest, str]:
    """Ask the supplier's contact for documents; the link is e-mailed after commit and returned once."""
    writes.refuse_unknown_fields(fields, REQUEST_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=fields.get("supplier"), certificate=fields.get("certificate"))
    if fields.get("due_date") is not None and fields["due_date"] < timezone.localdate():
        raise ServiceError(_("L'échéance ne peut pas être dans le passé."), code="due_date_past", field="due_date")
    fields = _normalise(fields)
    if "language" not in fields:
        fields["language"] = _contact_language(fields.get("contact_email", ""))
    with transaction.atomic():
        request = EvidenceRequest(organisation=organisation, requested_by=actor.user)
        writes.assign_changes(request, fields)
        link = _provider_link_of(organisation, request.supplier)
        if link is not None:
            request.addressed_organisation_id, request.addressed_link_id = link.organisation_id, link.pk
        raw = _new_link(request)
        if request.due_date is not None:
            # A reminder whose day has already come would only repeat the request just sent.
            days_left = (request.due_date - timezone.localdate()).days
            request.reminders_sent = [days for days in REMINDER_DAYS if days_left <= days]
        _validate(request)
        request.save()
        audit.record(organisation=organisation, actor=actor, action="evidence_request.created", target=request,
                     changes=_summary(request))
        _mail_on_commit(request, "request", raw)
        if link is not None:
            # The provider's side (its audit trail, its members' e-mail) is written in its own
            # organisation, by a task after commit.
            outbox.enqueue("compliance.tasks.incoming_evidence_request_received", link.organisation_id, request.pk)
    return request, raw


def evidence_request_cancel(*, request: EvidenceRequest, actor: Actor) -> EvidenceRequest:
    """Withdraw a request not answered yet (or whose answer is not reviewed): the link dies and a
    file waiting for review is deleted."""
    organisation = require_organisation()
    _check_same_organisation(organisation, request=request)
    with transaction.atomic():
        request = EvidenceRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in (*OPEN_STATUSES, EvidenceRequestStatus.SUBMITTED):
            raise Conflict(_("Cette demande est close : elle ne peut plus être annulée."),
                           code="evidence_request_closed")
        previous = request.status
        _discard_submission(request)
        request.status = EvidenceRequestStatus.CANCELLED
        request.save()
        audit.record(organisation=organisation, actor=actor, action="evidence_request.cancelled", target=request,
                     changes={"status": [previous, request.status]})
    return request


# The contact's upload --------------------------------------------------------------------------


def find_by_link(raw: str) -> EvidenceRequest:
    """The request of an upload link, whatever its state; :class:`LinkRefused` if unknown."""
    digest = digest_secret(raw or "")
    found = crossing.find_evidence_request(digest)
    # The lookup is by an index on the digest; the comparison that decides is constant-time.
    if (found is None or not hmac.compare_digest(found.token_digest, digest)
            or found.organisation.deleted_at is not None):
        raise LinkRefused(_("Ce lien de dépôt n'existe pas ou a été remplacé par un lien plus récent."),
                          code="evidence_request_link_invalid")
    return found


def check_link(request: EvidenceRequest) -> None:
    """Refuse a link that was used, has expired, or whose request is closed."""
    if request.link_used_at is not None:
        raise LinkRefused(_("Ce lien a déjà servi : le document a bien été transmis."),
                          code="evidence_request_link_used")
    if not request.is_open:
        raise LinkRefused(_("Cette demande est close : aucun document n'est plus attendu."),
                          code="evidence_request_closed")
    if request.link_expires_at <= timezone.now():
        raise LinkRefused(_("Ce lien a expiré : demandez-en un nouveau à votre interlocuteur."),
                          code="evidence_request_link_expired")


def evidence_request_submit(*, raw_token: str, file, kind: str | None = None) -> EvidenceRequest:
    """The contact's upload through the link, without an account. Checked like any evidence; a
    refused file is deleted and the link stays usable; a stored one consumes the link."""
    found = find_by_link(raw_token)
    with organisation_context(found.organisation):
        check_link(found)
        kind = _submitted_kind(found, kind)
        detected = evidence_files.check_upload(file)
        stored = evidence_files.store(file, evidence_storage_name(found.organisation_id) + detected.storage_suffix)
        try:
            with transaction.atomic():
                request = EvidenceRequest.objects.select_for_update().get(pk=found.pk)
                # Two uploads racing on one link: the second finds it used.
                check_link(request)
                request.submitted_file = stored.name
                request.submitted_name = (file.name or "document")[-255:]
                request.submitted_kind = kind
                request.submitted_sha256 = stored.sha256
                request.submitted_size = stored.size
                request.submitted_content_type = detected.content_type
                request.submitted_at = request.link_used_at = timezone.now()
                previous, request.status = request.status, EvidenceRequestStatus.SUBMITTED
                request.save()
                audit.record(organisation=request.organisation, actor=Actor.system("evidence_request_link"),
                             action="evidence_request.submitted", target=request,
                             changes={"status": [previous, request.status], "kind": kind,
                                      "sha256": stored.sha256, "size": stored.size,
                                      "content_type": detected.content_type})
                evidence_request_answered.send(sender=EvidenceRequest, request=request)
        except BaseException:
            evidence_files.discard(stored.name)
            raise
    return request


def _submitted_kind(request: EvidenceRequest, kind: str | None) -> str:
    if not kind:
        if len(request.kinds) == 1:
            return request.kinds[0]
        raise ServiceError(_("Plusieurs types de pièce sont demandés : indiquez celui du document envoyé."),
                           code="kind_required", field="kind")
    if kind not in request.kinds:
        raise ServiceError(_("Ce type de pièce n'est pas demandé : choisissez parmi %s.")
                           % ", ".join(str(EvidenceKind(value).label) for value in request.kinds),
                           code="kind_not_requested", field="kind")
    return kind


# A linked provider's inbox ---------------------------------------------------------------------


class ProviderLinkEnded(Conflict):
    code = "provider_link_ended"


def inbox(provider: Organisation | None = None):
    """The requests addressed to ``provider`` (the current organisation) through a link still active,
    newest first. The rows are the requesters': row-level security lets the provider read exactly
    these (``evidence_request_addressed_read``); nothing else of the requester is joined."""
    provider = provider or require_organisation()
    active = ClientLink.objects.filter(organisation_id=provider.pk, status=LinkStatus.ACTIVE).values("pk")
    return (IncomingEvidenceRequest.all_organisations.select_related("organisation")
            .filter(addressed_organisation_id=provider.pk, addressed_link_id__in=active)
            .order_by("-created_at", "-id"))


def addressed_to(provider: Organisation, request_id: int) -> IncomingEvidenceRequest | None:
    """A request addressed to ``provider``, whether or not its link is still active."""
    return (IncomingEvidenceRequest.all_organisations.select_related("organisation")
            .filter(pk=request_id, addressed_organisation_id=provider.pk).first())


def documents_held(provider: Organisation, kinds: list[str]):
    """The provider's own current documents of the kinds asked (not copies it holds from its own
    providers: those files are theirs)."""
    return (Evidence.objects.filter(organisation_id=provider.pk, kind__in=kinds, superseded_by__isnull=True,
                                    shared_from_id__isnull=True)
            .exclude(file="").order_by("kind", "-uploaded_at", "-id"))


def _check_answerable(provider: Organisation, request: EvidenceRequest) -> None:
    if request.addressed_organisation_id != provider.pk:
        raise ServiceError(_("Objet introuvable."), code="does_not_exist")
    if not ClientLink.all_organisations.filter(pk=request.addressed_link_id, organisation_id=provider.pk,
                                               status=LinkStatus.ACTIVE).exists():
        raise ProviderLinkEnded(_("Le lien avec ce client a pris fin : cette demande ne peut plus recevoir de "
                                  "réponse depuis Maillon."))
    if not request.is_open:
        raise Conflict(_("Cette demande est close : aucun document n'est plus attendu."),
                       code="evidence_request_closed")
    if request.link_expires_at <= timezone.now():
        raise Conflict(_("Cette demande a expiré : le client doit en envoyer une nouvelle."),
                       code="evidence_request_expired")


def _store_answer(request: EvidenceRequest, evidence: Evidence | None, file, kind: str | None):
    """Copy the chosen document (or store the new file) among the requester's files; returns the
    stored file, its kind, name and content type. The copy must hash as the document did."""
    target = evidence_storage_name(request.organisation_id)
    if evidence is not None:
        if evidence.kind not in request.kinds:
            raise ServiceError(_("Ce type de pièce n'est pas demandé : choisissez parmi %s.")
                               % ", ".join(str(EvidenceKind(value).label) for value in request.kinds),
                               code="kind_not_requested", field="evidence")
        if evidence.superseded_by_id is not None or evidence.shared_from_id is not None or not evidence.file:
            raise ServiceError(_("Choisissez la version en vigueur d'un document de votre organisation."),
                               code="evidence_not_current", field="evidence")
        suffix = PurePath(evidence.file.name).suffix
        try:
            with default_storage.open(evidence.file.name, "rb") as handle:
                stored = evidence_files.store(handle, target + suffix)
        except FileNotFoundError:
            raise ServiceError(_("Le fichier de ce document est introuvable."), code="evidence_file_missing",
                               field="evidence") from None
        if stored.sha256 != evidence.sha256:
            evidence_files.discard(stored.name)
            raise ServiceError(_("Le fichier de ce document ne correspond plus à son empreinte : il n'est pas "
                                 "transmis."), code="evidence_file_altered", field="evidence")
        return stored, evidence.kind, evidence.original_name or "document", evidence.content_type
    kind = _submitted_kind(request, kind)
    detected = evidence_files.check_upload(file)
    stored = evidence_files.store(file, target + detected.storage_suffix)
    return stored, kind, (file.name or "document")[-255:], detected.content_type


def incoming_evidence_request_answer(*, request_id: int, provider: Organisation, actor: Actor,
                                     evidence: Evidence | None = None, file=None,
                                     kind: str | None = None) -> EvidenceRequest:
    """The provider answers a request in its inbox with a document it holds (``evidence``) or a
    new ``file``: exactly one. Called outside any organisation context: the provider's side is
    checked and audited in its organisation, then the submission is written in the requester's,
    in one transaction (as accepting a client invitation writes on both sides of a link)."""
    if (evidence is None) == (file is None):
        raise ServiceError(_("Choisissez un document détenu ou joignez un fichier (un seul)."),
                           code="answer_required", field="evidence")
    stored = None
    try:
        with transaction.atomic():
            with organisation_context(provider):
                found = addressed_to(provider, request_id)
                if found is None:
                    raise ServiceError(_("Objet introuvable."), code="does_not_exist")
                _check_same_organisation(provider, evidence=evidence)
                _check_answerable(provider, found)
                stored, kind, name, content_type = _store_answer(found, evidence, file, kind)
                requester = found.organisation
                audit.record(organisation=provider, actor=actor, action="incoming_evidence_request.answered",
                             target=found, changes={"requester": requester.name, "kind": kind,
                                                    "evidence": evidence.pk if evidence else None,
                                                    "sha256": stored.sha256, "size": stored.size})
            with organisation_context(requester):
                request = EvidenceRequest.objects.select_for_update().get(pk=found.pk)
                # The contact's link, a cancellation or the link's end may have come first.
                _check_answerable(provider, request)
                request.submitted_file = stored.name
                request.submitted_name = name[-255:]
                request.submitted_kind = kind
                request.submitted_sha256 = stored.sha256
                request.submitted_size = stored.size
                request.submitted_content_type = content_type
                request.submitted_at = request.link_used_at = timezone.now()
                request.answered_from_id = evidence.pk if evidence else None
                previous, request.status = request.status, EvidenceRequestStatus.SUBMITTED
                request.save()
                audit.record(organisation=requester, actor=Actor.system("linked_provider"),
                             action="evidence_request.submitted", target=request,
                             changes={"status": [previous, request.status], "kind": kind, "sha256": stored.sha256,
                                      "size": stored.size, "content_type": content_type,
                                      "provider": provider.name, "provider_organisation": provider.pk})
                evidence_request_answered.send(sender=EvidenceRequest, request=request)
    except BaseException:
        if stored is not None:
            evidence_files.discard(stored.name)
        raise
    return request


def incoming_evidence_request_received(provider: Organisation, request_id: int) -> bool:
    """In the provider's organisation, once a request addressed to it is committed: record it in
    its audit trail and e-mail its members who may answer. Idempotent: a second run finds the
    audit event and does nothing."""
    found = inbox(provider).filter(pk=request_id).first()
    if found is None:
        return False
    if AuditEvent.objects.filter(action="incoming_evidence_request.received", target_id=str(found.pk),
                                 target_type=found._meta.label_lower).exists():
        return False
    audit.record(organisation=provider, actor=Actor.system("evidence_request_inbox"),
                 action="incoming_evidence_request.received", target=found,
                 changes={"requester": found.organisation.name, "kinds": found.kinds, "due_date": found.due_date})
    answering = [role for role, permissions in ROLE_PERMISSIONS.items() if Perm.WRITE in permissions]
    people = [(membership.user.email, membership.user.language) for membership in
              Membership.objects.select_related("user").filter(role__in=answering, user__is_active=True)]
    context = {"organisation": found.organisation.name, "provider": provider.name, "kinds": found.kinds,
               "message": found.message, "due_date": found.due_date,
               "link": settings.SITE_URL.rstrip("/") + reverse("compliance:incoming-evidence-request-detail",
                                                                kwargs={"org": provider.slug, "pk": found.pk})}
    transaction.on_commit(lambda: [_send_received(email, language, context) for email, language in people],
                          robust=True)
    return True


def _send_received(email: str, language: str, context: dict) -> None:
    with translation.override(language if language in dict(LANGUAGES) else "fr"):
        context = {**context, "kind_labels": [str(EvidenceKind(kind).label) for kind in context["kinds"]]}
        body = render_to_string("compliance/email/evidence_request_received.txt", context)
        send_mail(_("%(organisation)s vous demande des documents sur Maillon") % context, body,
                  settings.DEFAULT_FROM_EMAIL, [email])


# Review ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Submitted:
    """The stored file of a submission, in the shape evidence recording expects."""

    name: str
    sha256: str
    size: int
    content_type: str


def _locked_submitted(request: EvidenceRequest) -> EvidenceRequest:
    request = EvidenceRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != EvidenceRequestStatus.SUBMITTED:
        raise Conflict(_("Aucun document déposé n'attend d'examen pour cette demande."),
                       code="evidence_request_not_submitted")
    return request


def evidence_request_accept(*, request: EvidenceRequest, actor: Actor, **fields):
    """Accept the uploaded document: it becomes evidence of the supplier (and of the certificate
    given here or named by the request), with the sha256 computed at upload."""
    writes.refuse_unknown_fields(fields, ACCEPT_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, request=request, certificate=fields.get("certificate"))
    with transaction.atomic():
        request = _locked_submitted(request)
        certificate: Certificate | None = fields.pop("certificate", None) or request.certificate
        stored = _Submitted(request.submitted_file, request.submitted_sha256, request.submitted_size,
                            request.submitted_content_type)
        upload = _NamedUpload(request.submitted_name)
        evidence_fields = {"kind": request.submitted_kind, "supplier": request.supplier, "certificate": certificate,
                           **{key: value for key, value in fields.items() if value not in (None, "")}}
        evidence, affected = _record_evidence(organisation=organisation, actor=actor, upload=upload,
                                              detected=stored, stored=stored, fields=evidence_fields, previous=None)
        if certificate is not None and certificate.evidence_id is None:
            certificate.evidence = evidence
            certificate.save(update_fields=["evidence"])
        request.evidence = evidence
        request.status = EvidenceRequestStatus.ACCEPTED
        request.save()
        audit.record(organisation=organisation, actor=actor, action="evidence_request.accepted", target=request,
                     changes={"status": [EvidenceRequestStatus.SUBMITTED, request.status],
                              "evidence": evidence.pk, "sha256": evidence.sha256,
                              "certificate": certificate.pk if certificate is not None else None})
        _reevaluate(organisation, affected)
    return request


class _NamedUpload:
    def __init__(self, name: str):
        self.name = name


def evidence_request_reject(*, request: EvidenceRequest, actor: Actor, reason: str) -> tuple[EvidenceRequest, str]:
    """Refuse the uploaded document with a reason: the file is deleted, and the contact is told
    why and receives a fresh link to send another one."""
    organisation = require_organisation()
    _check_same_organisation(organisation, request=request)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Indiquez le motif du refus : il est transmis au contact."),
                           code="reason_required", field="reason")
    with transaction.atomic():
        request = _locked_submitted(request)
        rejected = {"sha256": request.submitted_sha256, "kind": request.submitted_kind}
        _discard_submission(request)
        request.status = EvidenceRequestStatus.REJECTED
        request.rejection_reason = reason[:2000]
        raw = _new_link(request)
        request.save()
        audit.record(organisation=organisation, actor=actor, action="evidence_request.rejected", target=request,
                     changes={"status": [EvidenceRequestStatus.SUBMITTED, request.status], "reason": reason,
                              "rejected": rejected, "link_expires_at": request.link_expires_at})
        _mail_on_commit(request, "rejected", raw)
    return request, raw


def _discard_submission(request: EvidenceRequest) -> None:
    """Forget the file waiting for review; it is deleted once the change commits."""
    _discard_files_on_commit([request.submitted_file])
    request.submitted_file = request.submitted_name = request.submitted_kind = ""
    request.submitted_sha256 = request.submitted_content_type = ""
    request.submitted_size = request.submitted_at = None


# Reminders, expiry, overdue --------------------------------------------------------------------


def evidence_requests_follow_up(organisation, today: date | None = None) -> dict[str, int]:
    """Daily, for one organisation: expire requests whose link has lapsed, remind contacts 7 and 1
    days before the due date (with a fresh link), and announce each overdue request once.

    Idempotent: what was done is recorded on the row (``reminders_sent``, ``overdue_alerted_at``),
    claimed with a conditional update, so a second run the same day does nothing."""
    today = today or timezone.localdate()
    now = timezone.now()
    actor = Actor.system("evidence_request_follow_up")
    counts = {"expired": 0, "reminded": 0, "overdue": 0}
    for request in EvidenceRequest.objects.filter(status__in=OPEN_STATUSES, link_expires_at__lte=now):
        with transaction.atomic():
            if EvidenceRequest.objects.filter(pk=request.pk, status=request.status).update(
                    status=EvidenceRequestStatus.EXPIRED, updated_at=now):
                audit.record(organisation=organisation, actor=actor, action="evidence_request.expired",
                             target=request, changes={"status": [request.status, EvidenceRequestStatus.EXPIRED]})
                counts["expired"] += 1
    open_with_due = EvidenceRequest.objects.filter(status__in=OPEN_STATUSES, due_date__isnull=False)
    for request in open_with_due.select_related("supplier"):
        days_left = (request.due_date - today).days
        due_reminders = [days for days in REMINDER_DAYS if days_left <= days and days not in request.reminders_sent]
        if due_reminders and days_left >= 0:
            counts["reminded"] += _remind(request, due_reminders, days_left, actor)
        if days_left < 0 and request.overdue_alerted_at is None:
            counts["overdue"] += _announce_overdue(organisation, request, actor, now)
    return counts


def _remind(request: EvidenceRequest, days: list[int], days_left: int, actor: Actor) -> int:
    with transaction.atomic():
        sent = sorted({*request.reminders_sent, *days}, reverse=True)
        raw = _new_link(request)
        claimed = EvidenceRequest.objects.filter(pk=request.pk, reminders_sent=request.reminders_sent,
                                                 status=request.status).update(
            reminders_sent=sent, token_digest=request.token_digest, link_expires_at=request.link_expires_at,
            updated_at=timezone.now())
        if not claimed:
            return 0
        request.reminders_sent = sent
        audit.record(organisation=request.organisation, actor=actor, action="evidence_request.reminded",
                     target=request, changes={"days_left": days_left, "reminders_sent": sent})
        _mail_on_commit(request, "reminder", raw, days_left=days_left)
    return 1


def _announce_overdue(organisation, request: EvidenceRequest, actor: Actor, now) -> int:
    with transaction.atomic():
        if not EvidenceRequest.objects.filter(pk=request.pk, overdue_alerted_at__isnull=True).update(
                overdue_alerted_at=now):
            return 0
        request.overdue_alerted_at = now
        audit.record(organisation=organisation, actor=actor, action="evidence_request.overdue", target=request,
                     changes={"due_date": request.due_date})
        evidence_request_overdue.send(sender=EvidenceRequest, request=request)
    return 1


# E-mails ---------------------------------------------------------------------------------------

_SUBJECTS = {
    "request": gettext_lazy("%(organisation)s vous demande des documents"),
    "reminder": gettext_lazy("Rappel : %(organisation)s attend vos documents"),
    "rejected": gettext_lazy("%(organisation)s n'a pas retenu votre document"),
}


def _mail_on_commit(request: EvidenceRequest, template: str, raw: str, **extra) -> None:
    """E-mail the contact after commit. Not through the outbox: the link holds the secret, which
    is never stored. A failed sending is logged; the requester sees the request and can resend."""
    context = {
        "organisation": request.organisation.name, "supplier": request.supplier.name,
        "kinds": request.kinds, "message": request.message, "due_date": request.due_date,
        "reason": request.rejection_reason, "link": upload_link(raw),
        "link_expires_at": request.link_expires_at, **extra,
    }
    language, email = request.language, request.contact_email
    transaction.on_commit(lambda: _send(template, language, email, context), robust=True)


def _send(template: str, language: str, email: str, context: dict) -> None:
    with translation.override(language):
        context = {**context, "kind_labels": [str(EvidenceKind(kind).label) for kind in context["kinds"]]}
        body = render_to_string(f"compliance/email/evidence_request_{template}.txt", context)
        subject = str(_SUBJECTS[template]) % {"organisation": context["organisation"]}
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])

