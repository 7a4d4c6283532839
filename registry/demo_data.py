"""The demo's part of the registry: the October sample list, imported once."""

from pathlib import Path

from registry.importing import registry_import
from registry.models import Snapshot

SAMPLE = Path(__file__).resolve().parent / "samples" / "ans_hosts_2026-10.csv"


def load(context) -> None:
    if Snapshot.objects.filter(status=Snapshot.Status.IMPORTED).exists():
        return
    result = registry_import(data=SAMPLE.read_bytes(), source=SAMPLE.name, filename=SAMPLE.name,
                             actor_label=context.actor.label)
    if result.rejected:
        raise RuntimeError(f"The sample list was rejected: {result.reason}")
