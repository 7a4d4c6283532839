import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.fields import DateTimeField

from registry.models import CertifiedHost, Change, HostCertificate, Snapshot
from tests.factories import UserFactory
from tests.registry.conftest import NOVEMBER, OCTOBER, csv_list, import_file, row, sample

HOSTS = "/api/v1/registry/hosts/"
SNAPSHOTS = "/api/v1/registry/snapshots/"


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@maillon.example", is_staff=True)


@pytest.fixture
def member(tenant, client_for):
    return client_for(user=tenant.members["viewer"])


def host_body(host, *, changes=None):
    """The exact body of a host with one certificate, built from the database."""
    [certificate] = host.certificates.all()
    body = {
        "id": host.pk,
        "name": host.name,
        "certificate_number": certificate.certificate_number,
        "certifier": certificate.certifier,
        "activities": sorted(certificate.activities),
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "referential_version": certificate.referential_version,
        "transparency_url": certificate.transparency_url,
        "listed": host.listed,
        "scope": certificate.scope,
        "first_seen": host.first_seen_id,
        "last_seen": host.last_seen_id,
        "removed_in": host.removed_in_id,
        "certificates": [{
            "id": certificate.pk,
            "certificate_number": certificate.certificate_number,
            "certifier": certificate.certifier,
            "activities": sorted(certificate.activities),
            "referential_version": certificate.referential_version,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat(),
            "transparency_url": certificate.transparency_url,
            "scope": certificate.scope,
            "current": certificate.current,
            "first_seen": certificate.first_seen_id,
            "last_seen": certificate.last_seen_id,
        }],
    }
    if changes is not None:
        body["changes"] = changes
    return body


# --- Reading the list ----------------------------------------------------------------------------


def test_search_returns_the_documented_host_fields(october, member):
    response = member.get(HOSTS, {"q": "ovh"})

    assert response.status_code == 200
    ovh = CertifiedHost.objects.get(name="OVH SAS")
    assert response.json() == {"count": 1, "next": None, "previous": None, "results": [host_body(ovh)]}
    [result] = response.json()["results"]
    assert {field: result[field] for field in DESIGN_FIELDS} == {
        "id": ovh.pk,
        "name": "OVH SAS",
        "certificate_number": "HDS-LNE-2024-0042",
        "certifier": "LNE",
        "activities": [1, 2, 3, 4, 5, 6],
        "issued_on": "2024-06-14",
        "expires_on": "2027-06-13",
        "referential_version": "v2",
        "transparency_url": "https://www.ovh.fr/hds/transparence",
    }


DESIGN_FIELDS = ["id", "name", "certificate_number", "certifier", "activities", "issued_on", "expires_on",
                 "referential_version", "transparency_url"]


def change_body(change):
    return {"id": change.pk, "kind": change.kind, "snapshot": change.snapshot_id,
            "fetched_at": DateTimeField().to_representation(change.snapshot.fetched_at),
            "before": change.before, "after": change.after}


def test_a_host_with_its_change_history(october, november, member):
    bearn = CertifiedHost.objects.get(name="Béarn Infogérance")
    added, changed = Change.objects.filter(host=bearn).select_related("snapshot").order_by("snapshot_id")

    response = member.get(f"{HOSTS}{bearn.pk}/")

    assert response.status_code == 200
    assert response.json() == host_body(bearn, changes=[change_body(changed), change_body(added)])
    assert [(c["kind"], c["snapshot"]) for c in response.json()["changes"]] == [
        ("activities_changed", november.snapshot.pk), ("added", october.snapshot.pk)]
    assert [change["before"].get("activities") for change in response.json()["changes"]] == [[5], None]
    assert [change["after"]["activities"] for change in response.json()["changes"]] == [[5, 6], [5]]


def test_a_removed_host_is_found_by_id_with_its_last_certificate(november, member):
    esterel = CertifiedHost.objects.get(name="Estérel Hébergement Santé")

    body = member.get(f"{HOSTS}{esterel.pk}/").json()

    assert (body["listed"], body["removed_in"], body["certificate_number"]) == (
        False, november.snapshot.pk, "AFNOR 2026/49792")
    assert body["certificates"][0]["current"] is False
    assert [change["kind"] for change in body["changes"]] == ["removed", "added"]


def test_a_renewed_host_lists_its_current_certificate_first(november, member):
    [opale] = member.get(HOSTS, {"q": "opale"}).json()["results"]

    assert (opale["certificate_number"], opale["expires_on"]) == ("HDS-LNE-2026-5685", "2029-10-15")
    assert [(c["certificate_number"], c["current"]) for c in opale["certificates"]] == [
        ("HDS-LNE-2026-5685", True), ("HDS-LNE-2023-0406", False)]


def names(response):
    assert response.status_code == 200, response.json()
    return [host["name"] for host in response.json()["results"]]


def test_search_filters(november, member):
    assert names(member.get(HOSTS, {"q": "BEARN"})) == ["Béarn Infogérance"]
    assert names(member.get(HOSTS, {"certificate_number": "hds lne 2023 0406"})) == ["Opale Datacenter"]
    assert names(member.get(HOSTS, {"listed": "false"})) == ["Estérel Hébergement Santé"]
    assert member.get(HOSTS, {"listed": "all"}).json()["count"] == 302
    assert member.get(HOSTS).json()["count"] == 301
    assert names(member.get(HOSTS, {"q": "camargue", "certifier": "veritas"})) == ["Camargue Data"]
    assert names(member.get(HOSTS, {"q": "camargue", "certifier": "afnor"})) == []
    six = member.get(HOSTS, {"activity": 6, "page_size": 200}).json()["count"]
    five_and_six = member.get(f"{HOSTS}?activity=5&activity=6&page_size=200").json()["count"]
    assert five_and_six == HostCertificate.objects.filter(current=True, activities__covers=[5, 6]).count()
    assert six == HostCertificate.objects.filter(current=True, activities__has=6).count()
    assert 0 < five_and_six < six


@pytest.mark.parametrize(("params", "field"), [({"activity": 7}, "activity"), ({"listed": "yes"}, "listed")])
def test_invalid_filters_are_refused(october, member, params, field):
    response = member.get(HOSTS, params)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]


def test_any_authenticated_caller_may_read_and_nobody_else(october, tenant, client_for, api):
    assert client_for(token=tenant.token(scope="read")).get(HOSTS, {"q": "ovh"}).status_code == 200
    assert client_for(user=tenant.owner).get(SNAPSHOTS).status_code == 200
    response = api.get(HOSTS)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_host_is_404(october, member):
    response = member.get(f"{HOSTS}999999/")

    assert (response.status_code, response.json()) == (404, {"code": "not_found", "message": "Introuvable."})


def make_hosts(count):
    return import_file(csv_list(*[row(f"Hébergeur {n:02d}", number=f"N-{n}") for n in range(count)]))


@pytest.mark.parametrize("count", [1, 25])
def test_the_list_costs_the_same_number_of_queries_for_1_or_25_hosts(db, member, count, django_assert_num_queries):
    make_hosts(count)

    # session, user, count, hosts, their certificates
    with django_assert_num_queries(5):
        response = member.get(HOSTS)

    assert len(response.json()["results"]) == count


def test_the_list_query_count_does_not_depend_on_certificates_per_host(db, member):
    make_hosts(25)
    first = CaptureQueriesContext(connection)
    with first:
        member.get(HOSTS)
    import_file(csv_list(*[row(f"Hébergeur {n:02d}", number=f"N-{n}") for n in range(25)],
                         *[row(f"Hébergeur {n:02d}", number=f"M-{n}") for n in range(25)]))
    second = CaptureQueriesContext(connection)
    with second:
        response = member.get(HOSTS)

    assert len(response.json()["results"][0]["certificates"]) == 2
    assert len(second) == len(first)


# --- Snapshots -----------------------------------------------------------------------------------


def test_snapshots_newest_first_with_their_counts(november, member, october):
    rejected = import_file(b"", source="vide.csv").snapshot

    response = member.get(SNAPSHOTS)

    assert response.status_code == 200
    body = response.json()
    assert [s["id"] for s in body["results"]] == [rejected.pk, november.snapshot.pk, october.snapshot.pk]
    assert body["results"][1] == {
        "id": november.snapshot.pk,
        "source": NOVEMBER,
        "fetched_at": body["results"][1]["fetched_at"],
        "sha256": november.snapshot.sha256,
        "format": "csv",
        "row_count": 301,
        "status": "imported",
        "reason_code": "",
        "reason": "",
        "error_count": 0,
        "counts": {"added": 2, "removed": 1, "changed": 13},
        "etag": "",
        "last_modified": "",
        "actor_label": "",
    }
    assert (body["results"][0]["status"], body["results"][0]["reason_code"]) == ("rejected", "empty_file")


def test_a_snapshot_with_its_change_counts_and_changes(november, member):
    snapshot = november.snapshot

    detail = member.get(f"{SNAPSHOTS}{snapshot.pk}/").json()
    changes = member.get(f"{SNAPSHOTS}{snapshot.pk}/changes/", {"page_size": 100}).json()
    added = member.get(f"{SNAPSHOTS}{snapshot.pk}/changes/", {"kind": "added"}).json()

    assert detail["change_counts"] == {"added": 2, "removed": 1, "activities_changed": 2, "dates_changed": 11,
                                       "certifier_changed": 1, "certificate_changed": 11, "renamed": 0}
    assert detail["errors"] == []
    assert changes["count"] == 28
    assert [(c["host"]["name"], c["kind"]) for c in added["results"]] == [
        ("Hygie Sauvegarde", "added"), ("Ventoux Cloud Santé", "added")]
    hygie = Change.objects.get(snapshot=snapshot, host__name="Hygie Sauvegarde")
    assert added["results"][0] == {"id": hygie.pk, "kind": "added",
                                   "host": {"id": hygie.host_id, "name": "Hygie Sauvegarde"},
                                   "before": {}, "after": hygie.after}
    assert member.get(f"{SNAPSHOTS}{snapshot.pk}/changes/", {"kind": "nope"}).status_code == 400


def test_a_rejected_snapshot_shows_its_row_errors(october, member):
    rejected = import_file(csv_list(row("Alpha", activities="7"))).snapshot

    detail = member.get(f"{SNAPSHOTS}{rejected.pk}/").json()

    assert (detail["status"], detail["reason_code"], detail["error_count"]) == ("rejected", "row_errors", 1)
    assert detail["errors"] == [{"line": 2, "reason": "colonne « Activités » : activité 7 inconnue dans « 7 » "
                                                      "(les activités HDS sont numérotées de 1 à 6)"}]


# --- Importing: staff only -----------------------------------------------------------------------


def upload(client, data: bytes, name: str = "liste.csv", **fields):
    return client.post(SNAPSHOTS, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_staff_imports_a_file(db, client_for, staff):
    response = upload(client_for(user=staff, second_factor=True), sample(OCTOBER), name=OCTOBER)

    snapshot = Snapshot.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "result": "imported",
        "counts": {"added": 300, "removed": 0, "activities_changed": 0, "dates_changed": 0,
                   "certifier_changed": 0, "certificate_changed": 0, "renamed": 0},
        "listed_hosts": 300,
        "snapshot": {**response.json()["snapshot"], "id": snapshot.pk, "source": OCTOBER, "status": "imported",
                     "actor_label": f"user:{staff.pk}", "row_count": 300},
    }


def test_staff_uploading_the_current_file_again_changes_nothing(october, client_for, staff):
    response = upload(client_for(user=staff, second_factor=True), sample(OCTOBER))

    assert response.status_code == 200
    assert (response.json()["result"], response.json()["snapshot"]["id"]) == ("unchanged", october.snapshot.pk)
    assert Snapshot.objects.count() == 1


def test_a_rejected_upload_answers_422_with_the_reason_and_row_errors(october, client_for, staff):
    response = upload(client_for(user=staff, second_factor=True),
                      csv_list(row("Alpha"), row("Beta", expires="2028-13-01")))

    rejected = Snapshot.objects.get(status="rejected")
    assert response.status_code == 422
    assert response.json() == {
        "code": "row_errors",
        "message": "1 ligne illisible : la liste n'a pas été importée, corrigez le fichier ou attendez la "
                   "prochaine publication.",
        "row_errors": [{"line": 3, "reason": "colonne « Date de fin de validité » : « 2028-13-01 » n'est pas une "
                                             "date valide (jour ou mois inexistant)"}],
        "snapshot": {**response.json()["snapshot"], "id": rejected.pk, "status": "rejected",
                     "reason_code": "row_errors", "error_count": 1},
    }
    assert CertifiedHost.objects.filter(listed=True).count() == 300


def test_staff_may_allow_more_removals_for_one_upload(october, client_for, staff):
    short = csv_list(row("Alpha", number="A-1"))

    refused = upload(client_for(user=staff, second_factor=True), short)
    accepted = upload(client_for(user=staff, second_factor=True), short, max_removed_share="1")

    assert (refused.status_code, refused.json()["code"]) == (422, "too_many_removals")
    assert (accepted.status_code, accepted.json()["counts"]["removed"]) == (201, 300)


@pytest.mark.parametrize("who", ["viewer", "owner", "token"])
def test_only_staff_may_import_and_a_refusal_changes_nothing(october, tenant, client_for, who):
    client = client_for(token=tenant.token()) if who == "token" else client_for(user=tenant.members[who])

    response = upload(client, sample(NOVEMBER))

    assert response.status_code == 403
    # A token's call is answered in English unless it asks for another language.
    message = ("Only platform staff can import the official list." if who == "token"
               else "Seul le personnel de la plateforme peut importer la liste officielle.")
    assert response.json() == {"code": "staff_only", "message": message}
    assert Snapshot.objects.count() == 1
    assert Change.objects.count() == 300


def test_an_anonymous_upload_is_401(october, api):
    assert upload(api, sample(NOVEMBER)).status_code == 401
    assert Snapshot.objects.count() == 1


def test_an_upload_without_a_file_is_invalid(db, client_for, staff):
    response = client_for(user=staff, second_factor=True).post(SNAPSHOTS, {}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


def test_an_upload_too_large_is_refused(db, client_for, staff, settings):
    settings.REGISTRY_MAX_FILE_BYTES = 1024

    response = upload(client_for(user=staff, second_factor=True), b"x" * 1025)

    # Stopped while it streamed in, before the rest of it reached a temporary file.
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    assert Snapshot.objects.count() == 0


def test_staff_downloads_the_raw_file_and_others_may_not(october, client_for, staff, member):
    url = f"{SNAPSHOTS}{october.snapshot.pk}/file/"

    response = client_for(user=staff, second_factor=True).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sample(OCTOBER)
    assert response["Content-Disposition"].startswith("attachment;")
    assert member.get(url).status_code == 403
