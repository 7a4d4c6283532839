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
