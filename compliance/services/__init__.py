"""Every write of the compliance app, one module per noun, re-exported here: callers write
``services.supplier_create(...)`` whichever module holds it.

Each service takes keyword arguments, runs in a transaction inside the current organisation's
context, validates with ``full_clean()``, records its audit event in the same transaction and,
after commit, dispatches the re-evaluation of exactly the processings it may have changed:

- a processing or a chain link: that processing;
- a supplier: the processings whose chain includes it;
- a certificate: its supplier's processings, or, for the organisation's own certificate, the
  processings in which the organisation itself is a link;
- evidence: the processings of its supplier, its processing, its certificate's supplier and the
  links that cite it as exemption evidence.
"""

from compliance.services.certificates import (
    certificate_attach_document,
    certificate_create,
    certificate_create_with_document,
    certificate_delete,
    certificate_update,
)
from compliance.services.evidence import (
    evidence_delete,
    evidence_supersede,
    evidence_update,
    evidence_upload,
)
from compliance.services.evidence_requests import (
    evidence_request_accept,
    evidence_request_cancel,
    evidence_request_create,
    evidence_request_reject,
    evidence_request_submit,
    evidence_requests_follow_up,
    incoming_evidence_request_answer,
    incoming_evidence_request_received,
)
from compliance.services.network import (
    client_invitation_accept,
    client_invitation_create,
    client_invitation_revoke,
    client_signup_and_accept,
    link_end,
    link_set_share_status,
    link_sync,
    offer_apply,
    offer_create,
    offer_delete,
    offer_update,
    provider_profile_update,
)
from compliance.services.processings import (
    chain_link_create,
    chain_link_delete,
    chain_link_update,
    processing_create,
    processing_delete,
    processing_update,
)
from compliance.services.supplier_import import supplier_import
from compliance.services.suppliers import (
    supplier_create,
    supplier_create_from_registry,
    supplier_delete,
    supplier_registry_match_confirm,
    supplier_registry_match_reject,
    supplier_update,
)

__all__ = [
    "certificate_attach_document",
    "certificate_create",
    "certificate_create_with_document",
    "certificate_delete",
    "certificate_update",
    "chain_link_create",
    "chain_link_delete",
    "chain_link_update",
    "client_invitation_accept",
    "client_invitation_create",
    "client_invitation_revoke",
    "client_signup_and_accept",
    "evidence_delete",
    "evidence_request_accept",
    "evidence_request_cancel",
    "evidence_request_create",
    "evidence_request_reject",
    "evidence_request_submit",
    "evidence_requests_follow_up",
    "evidence_supersede",
    "evidence_update",
    "evidence_upload",
    "incoming_evidence_request_answer",
    "incoming_evidence_request_received",
    "link_end",
    "link_set_share_status",
    "link_sync",
    "offer_apply",
    "offer_create",
    "offer_delete",
    "offer_update",
    "processing_create",
    "processing_delete",
    "processing_update",
    "provider_profile_update",
    "supplier_create",
    "supplier_create_from_registry",
    "supplier_delete",
    "supplier_import",
    "supplier_registry_match_confirm",
    "supplier_registry_match_reject",
    "supplier_update",
]
