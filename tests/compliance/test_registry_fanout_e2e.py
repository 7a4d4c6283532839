"""A registry import alerts exactly the organisations that depend on a host it removed or narrowed."""

from pathlib import Path

from compliance.models import Alert, Processing
from compliance.services import supplier_registry_match_confirm
from registry.importing import registry_import
from registry.models import CertifiedHost
from tests.compliance import builders

SAMPLES = Path(__file__).resolve().parents[2] / "registry" / "samples"


def _import(name, capture):
    with capture(execute=True):
        result = registry_import(data=(SAMPLES / name).read_bytes(), source=name, filename=name)
    return result


def test_withdrawn_and_narrowed_hosts_alert_only_their_dependants(
    tenant, other_tenant, media, django_capture_on_commit_callbacks,
):
    _import("ans_hosts_2026-10.csv", django_capture_on_commit_callbacks)
    withdrawn = CertifiedHost.objects.get(name="Estérel Hébergement Santé")
    narrowed = CertifiedHost.objects.get(name="Loire Hosting")
    with tenant.context(), django_capture_on_commit_callbacks(execute=True):
        host_a = builders.supplier("Estérel Hébergement Santé")
        supplier_registry_match_confirm(supplier=host_a, actor=builders.ACTOR, host=withdrawn)
        host_b = builders.supplier("Loire Hosting")
        supplier_registry_match_confirm(supplier=host_b, actor=builders.ACTOR, host=narrowed)
        processing = builders.processing("Dossier patient")
        top = builders.link(processing, host_a, activities=(3, 4, 5, 6))
        builders.link(processing, host_b, activities=(1, 2), parent=top)
    with other_tenant.context():
        builders.supplier("Scaleway")

    _import("ans_hosts_2026-11.csv", django_capture_on_commit_callbacks)

    with tenant.context():
        alerts = sorted(
            (a.kind, a.supplier.name)
            for a in Alert.objects.filter(kind="registry_host_changed").select_related("supplier")
        )
        assert alerts == [
            ("registry_host_changed", "Estérel Hébergement Santé"),
            ("registry_host_changed", "Loire Hosting"),
        ]
        assert Processing.objects.get().name == "Dossier patient"
    with other_tenant.context():
        assert Alert.objects.filter(kind="registry_host_changed").count() == 0

    # The same import again is a no-op: no new alert anywhere.
    _import("ans_hosts_2026-11.csv", django_capture_on_commit_callbacks)
    assert Alert.all_organisations.filter(kind="registry_host_changed").count() == 2
