import pytest
from django.test import Client

from registry.models import CertifiedHost, Change
from tests.factories import UserFactory
from tests.second_factor import login_with_second_factor


@pytest.fixture
def admin_client(db):
    client = Client()
    login_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_read_snapshots_hosts_and_changes(november, admin_client):
    opale = CertifiedHost.objects.get(name="Opale Datacenter")

    pages = {
        "snapshots": admin_client.get("/admin/registry/snapshot/"),
        "rejected": admin_client.get("/admin/registry/snapshot/?status__exact=rejected"),
        "snapshot": admin_client.get(f"/admin/registry/snapshot/{november.snapshot.pk}/change/"),
        "hosts": admin_client.get("/admin/registry/certifiedhost/?q=opale"),
        "host": admin_client.get(f"/admin/registry/certifiedhost/{opale.pk}/change/"),
        "changes": admin_client.get("/admin/registry/change/?kind__exact=removed"),
    }

    assert {name: response.status_code for name, response in pages.items()} == dict.fromkeys(pages, 200)
    assert "HDS-LNE-2023-0406" in pages["host"].text and "HDS-LNE-2026-5685" in pages["host"].text
    assert "Estérel Hébergement Santé" in pages["changes"].text
    assert november.snapshot.raw_file.name in pages["snapshot"].text


def test_the_list_cannot_be_edited_in_the_admin(november, admin_client):
    opale = CertifiedHost.objects.get(name="Opale Datacenter")
    change = Change.objects.filter(host=opale).first()

    assert admin_client.get("/admin/registry/snapshot/add/").status_code == 403
    assert admin_client.post(f"/admin/registry/certifiedhost/{opale.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/registry/change/{change.pk}/change/", {"kind": "added"}).status_code == 403
    assert CertifiedHost.objects.filter(pk=opale.pk).exists()
