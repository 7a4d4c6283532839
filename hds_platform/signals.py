"""What the platform core announces for the apps above it (which it may not import).

``member_leaving``: sent inside the transaction that removes a membership, before the row goes,
with ``organisation``, ``user``, ``actor`` and ``reassign_to`` (a remaining member, or None).
Receivers disable or hand over, through their own services and in the same transaction, what
the person created that acts on its own (compliance: webhook endpoints), and audit it.
"""

from django.dispatch import Signal

member_leaving = Signal()
