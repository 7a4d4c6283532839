from hds_platform.models import Membership


def test_me_lists_the_persons_organisations_by_name(tenant, other_tenant, client_for):
    with other_tenant.context():
        Membership.objects.create(user=tenant.members["auditor"], role="viewer")
    response = client_for(user=tenant.members["auditor"]).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert (body["email"], body["token"]) == ("auditor@tilleuls.example", None)
    assert [(m["organisation"]["slug"], m["role"], m["permissions"]) for m in body["memberships"]] == [
        ("tilleuls", "auditor", ["audit.read", "read", "reports.export"]),
        ("voisin", "viewer", ["read", "reports.export"]),
    ]


def test_me_of_a_person_without_organisation_is_empty(db, client_for):
    from tests.factories import UserFactory

    response = client_for(user=UserFactory(email="alone@example.org")).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["memberships"] == []
