"""Anchoring the audit chains outside the reach of the database roles.

The hash chain (:mod:`hds_platform.audit`) detects a row modified, deleted or reordered by
someone who cannot recompute the hashes after it. The owner role can: it may rewrite an event and
re-hash every later one, and ``verify_audit`` alone would say "intact". So, periodically (beat,
``hds_platform.anchor_audit_chains``), each organisation's chain head ``(seq, hash)`` is signed
with HMAC-SHA256 under ``AUDIT_ANCHOR_KEY``, a key that lives in the worker's environment and
never in the database nor in the migrate service. ``manage.py export_audit_anchors`` writes the
anchors as JSON lines, to be kept outside the database (the owner could delete the rows here).
``manage.py verify_audit [--anchors FILE]`` checks each anchor's signature and that the event it
names still has the anchored hash: a rewrite of any anchored event is "tampered", re-hashed or not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from hds_platform.audit import ChainProblem
from hds_platform.models import AuditAnchor, AuditEvent, Organisation
from hds_platform.tenancy import organisation_context

logger = logging.getLogger(__name__)

VERSION = "maillon-audit-anchor/v1"


def _key() -> bytes:
    return settings.AUDIT_ANCHOR_KEY.encode()


def key_id(key: bytes | None = None) -> str:
    """Names the key (not secret): which key signed an anchor."""
    return hashlib.sha256(key if key is not None else _key()).hexdigest()[:16]


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def signature(organisation_id: int, seq: int, chain_hash: str, signed_at: datetime, key: bytes | None = None) -> str:
    message = f"{VERSION}\n{organisation_id}\n{seq}\n{chain_hash}\n{_timestamp(signed_at)}".encode()
    return hmac.new(key if key is not None else _key(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Anchor:
    organisation_id: int
    seq: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str

    @classmethod
    def of(cls, row: AuditAnchor) -> Anchor:
        return cls(row.organisation_id, row.seq, row.hash, row.signed_at, row.key_id, row.signature)

    @classmethod
    def from_json(cls, line: str) -> Anchor:
        data = json.loads(line)
        return cls(int(data["organisation"]), int(data["seq"]), str(data["hash"]),
                   datetime.fromisoformat(data["signed_at"]), str(data["key_id"]), str(data["signature"]))

    def to_json(self, slug: str = "") -> str:
        return json.dumps({"organisation": self.organisation_id, "slug": slug, "seq": self.seq, "hash": self.hash,
                           "signed_at": _timestamp(self.signed_at), "key_id": self.key_id,
                           "signature": self.signature}, sort_keys=True)

    def signed_by_our_key(self) -> bool:
        expected = signature(self.organisation_id, self.seq, self.hash, self.signed_at)
        return self.key_id == key_id() and hmac.compare_digest(expected, self.signature)


def anchor_all() -> int:
    """Sign the head of every chain that grew since its last anchor; returns how many were signed."""
    if not settings.AUDIT_ANCHOR_KEY:
        logger.warning("audit anchors: AUDIT_ANCHOR_KEY is not set, nothing signed")
        return 0
    signed = 0
    last_anchored = dict(AuditAnchor.objects.order_by().values_list("organisation_id").annotate(seq=Max("seq")))
    for organisation_id, seq, chain_hash in Organisation.objects.filter(audit_head_seq__gt=0).order_by("pk") \
            .values_list("pk", "audit_head_seq", "audit_head_hash"):
        if last_anchored.get(organisation_id, 0) >= seq:
            continue
        now = timezone.now()
        AuditAnchor.objects.create(organisation_id=organisation_id, seq=seq, hash=chain_hash, signed_at=now,
                                   key_id=key_id(), signature=signature(organisation_id, seq, chain_hash, now))
        signed += 1
    return signed


def stored_anchors(organisation: Organisation) -> list[Anchor]:
    return [Anchor.of(row) for row in AuditAnchor.objects.filter(organisation_id=organisation.pk).order_by("seq")]


def check_anchors(organisation: Organisation, anchors: Iterable[Anchor]) -> list[ChainProblem]:
    """Every anchor of ``organisation`` must carry our signature and still match its event."""
    anchors = sorted({anchor for anchor in anchors if anchor.organisation_id == organisation.pk},
                     key=lambda anchor: (anchor.seq, anchor.signed_at))
    with organisation_context(organisation):
        hashes = dict(AuditEvent.objects.filter(seq__in=[anchor.seq for anchor in anchors])
                      .values_list("seq", "hash"))
    problems = []
    for anchor in anchors:
        when = _timestamp(anchor.signed_at)
        if not anchor.signed_by_our_key():
            problems.append(ChainProblem(anchor.seq, f"the anchor of {when} does not carry a valid signature "
                                                     "(forged, or signed with another key)"))
        elif anchor.seq not in hashes:
            problems.append(ChainProblem(anchor.seq, f"the event anchored on {when} is missing (tampered)"))
        elif not hmac.compare_digest(hashes[anchor.seq], anchor.hash):
            problems.append(ChainProblem(anchor.seq, f"the event differs from its anchor of {when} "
                                                     "(rewritten and re-hashed: tampered)"))
    return problems
