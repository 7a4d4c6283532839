"""What the compliance domain announces, for the parts of the product that react to it.

The domain never imports monitoring (alerts, webhooks): it sends these signals, inside the
transaction of the write that caused them, and ``compliance.monitoring`` connects its receivers
when the app is ready. A receiver runs in the sender's transaction, so what it writes commits or
rolls back with the write. Receivers only notify; the rules themselves stay in the services and
in the engine.
"""

from django.dispatch import Signal

#: An evaluation changed the status of processings. Arguments: ``organisation``, ``changes`` (the
#: :class:`~compliance.models.ConformityStatusChange` rows just written).
status_changed = Signal()

#: A document was stored, as a first version or superseding ``supersedes``. Arguments:
#: ``evidence``, ``supersedes`` (the previous version or None).
evidence_stored = Signal()

CREATED, UPDATED, DELETED = "created", "updated", "deleted"

#: A supplier was created, changed (its details or its ANS match) or is about to be deleted.
#: Arguments: ``supplier``, ``change`` (:data:`CREATED`, :data:`UPDATED` or :data:`DELETED`).
supplier_changed = Signal()

#: A supplier's contact answered an evidence request through its link. Arguments: ``request``.
evidence_request_answered = Signal()

#: An evidence request passed its due date unanswered (sent once per request). Arguments: ``request``.
evidence_request_overdue = Signal()

#: What a linked provider shares with the organisation changed (a certificate renewed, narrowed,
#: suspended, withdrawn or no longer shared) and the processings relying on it were re-evaluated.
#: Arguments: ``organisation`` (the client), ``link``, ``data`` (the changes, the offers and
#: certificates named, the processings with their statuses before and after).
provider_certificate_changed = Signal()
