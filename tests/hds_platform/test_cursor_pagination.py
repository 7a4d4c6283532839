"""Lists page by cursor: stable while rows are inserted, page numbers kept (deprecated), updated_since
and ordering by updated_at for syncing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from compliance.models import Alert, Supplier
from tests.factories import SupplierFactory

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _suppliers_url(tenant, query=""):
    return f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/{query}"


def _add(tenant, *names):
    with tenant.context():
        for name in names:
            SupplierFactory(name=name)


def _names(body):
    return [row["name"] for row in body["results"]]


def test_a_cursor_walk_never_repeats_nor_skips_a_row_that_existed_while_rows_are_inserted(tenant, client_for):
    existing = [f"S{n:02d}" for n in range(1, 18, 2)]  # S01, S03 … S17
    _add(tenant, *existing)
    client = client_for(token=tenant.token(scope="read"))

    first = client.get(_suppliers_url(tenant, "?page_size=3")).json()
    assert (first["count"], _names(first), first["previous"]) == (9, ["S01", "S03", "S05"], None)
    _add(tenant, "S00", "S02", "S06")  # two before the cursor, one after it
    second = client.get(first["next"]).json()
    assert (second["count"], _names(second)) == (12, ["S06", "S07", "S09"])
    _add(tenant, "S08", "S99")  # one before the cursor, one after it
    third = client.get(second["next"]).json()
    fourth = client.get(third["next"]).json()
    assert (_names(third), _names(fourth), fourth["next"]) == (["S11", "S13", "S15"], ["S17", "S99"], None)

    seen = _names(first) + _names(second) + _names(third) + _names(fourth)
    assert len(seen) == len(set(seen))
    assert [name for name in seen if name in existing] == existing
    # Going back reads the rows just before the third page as they are now (S08 was added there).
    back = client.get(third["previous"]).json()
    assert _names(back) == ["S07", "S08", "S09"]
    assert _names(client.get(back["previous"]).json()) == ["S03", "S05", "S06"]


def test_page_numbers_still_answer_with_offsets_and_say_they_are_deprecated(tenant, client_for):
    _add(tenant, "A", "B", "C", "D", "E")
    client = client_for(token=tenant.token(scope="read"))
    url = _suppliers_url(tenant, "?page=1&page_size=2")
    first = client.get(url)
    assert (first["Deprecation"], first["Link"]) == ("true", '</api/docs/#pagination>; rel="deprecation"')
    body = first.json()
    assert (body["count"], _names(body), body["previous"]) == (5, ["A", "B"], None)
    assert body["next"] == f"http://testserver{_suppliers_url(tenant, '?page=2&page_size=2')}"
    _add(tenant, "0")  # offsets shift: what page 2 shows now starts with B again (why cursors replace them)
    assert _names(client.get(body["next"]).json()) == ["B", "C"]
    assert "Deprecation" not in client.get(_suppliers_url(tenant, "?page_size=2"))


@pytest.mark.parametrize(("query", "code"), [
    ("?cursor=garbage", "invalid_cursor"),
    ("?cursor=eyJvIjpbInRpdGxlIiwicGsiXSwidiI6WyJ4IiwxXSwiYiI6ZmFsc2V9", "invalid_cursor"),  # another ordering
    ("?updated_since=yesterday", "invalid_updated_since"),
    ("?updated_since=2026-12-01T09:00:00", "invalid_updated_since"),  # no offset: ambiguous
])
def test_a_bad_cursor_or_timestamp_is_a_400_naming_it(tenant, client_for, query, code):
    response = client_for(token=tenant.token(scope="read")).get(_suppliers_url(tenant, query))
    parameter = query[1:].split("=")[0]
    assert (response.status_code, response.json()["code"], list(response.json()["errors"])) == (400, code, [parameter])


def test_a_cursor_made_for_one_ordering_is_refused_under_another(tenant, client_for):
    _add(tenant, "A", "B", "C")
    client = client_for(token=tenant.token(scope="read"))
    by_name = client.get(_suppliers_url(tenant, "?page_size=1")).json()["next"]
    refused = client.get(by_name.replace("page_size=1", "page_size=1&ordering=-name"))
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_cursor")


def test_page_size_is_capped_at_200(tenant, client_for):
    with tenant.context():
        Supplier.objects.bulk_create([Supplier(organisation=tenant.organisation, name=f"N{n:03d}", country="FR")
                                      for n in range(205)])
    body = client_for(token=tenant.token(scope="read")).get(_suppliers_url(tenant, "?page_size=1000")).json()
    assert (body["count"], len(body["results"])) == (205, 200)


def test_updated_since_and_ordering_by_updated_at_sync_the_changed_rows(tenant, client_for):
    _add(tenant, "Ancien", "Modifié", "Récent")
    with tenant.context():
        for name, moment in (("Ancien", T0), ("Modifié", T0 + timedelta(hours=3)), ("Récent", T0 + timedelta(hours=2))):
            Supplier.objects.filter(name=name).update(updated_at=moment)
    client = client_for(token=tenant.token(scope="read"))
    since = "2026-12-01T11:00:00+01:00"  # 10:00 UTC
    body = client.get(_suppliers_url(tenant), {"updated_since": since, "ordering": "updated_at"}).json()
    assert (body["count"], _names(body)) == (2, ["Récent", "Modifié"])
    newest_first = client.get(_suppliers_url(tenant), {"ordering": "-updated_at"}).json()
    assert _names(newest_first) == ["Modifié", "Récent", "Ancien"]
    # An unencoded "+" arrives as a space: still read as the offset.
    assert client.get(_suppliers_url(tenant, "?updated_since=2026-12-01T11:00:00+01:00")).json()["count"] == 2


def test_alerts_and_evidence_have_updated_at_and_take_updated_since(tenant, client_for):
    from compliance.monitoring import alerts

    with tenant.context():
        [alert] = alerts.raise_alerts(tenant.organisation, [Alert(kind="certificate_expiring", severity="warning",
                                                                  dedupe_key="k", data={})])
        Alert.objects.filter(pk=alert.pk).update(updated_at=T0)
    client = client_for(token=tenant.token(scope="read"))
    url = f"/api/v1/orgs/{tenant.organisation.slug}/alerts/"
    assert client.get(url, {"updated_since": "2026-12-01T09:00:00Z"}).json()["count"] == 1
    assert client.get(url, {"updated_since": "2026-12-01T09:00:01Z"}).json()["count"] == 0
    evidence = client.get(f"/api/v1/orgs/{tenant.organisation.slug}/evidence/",
                          {"updated_since": "2026-12-01T09:00:00Z", "ordering": "updated_at"})
    assert (evidence.status_code, evidence.json()["count"]) == (200, 0)


@pytest.mark.parametrize("page_size", [2, 20])
def test_a_cursor_page_costs_the_same_queries_whatever_its_size(tenant, client_for, page_size,
                                                                django_assert_num_queries):
    _add(tenant, *[f"C{n:02d}" for n in range(45)])
    client = client_for(token=tenant.token(scope="read"))
    following = client.get(_suppliers_url(tenant, f"?page_size={page_size}")).json()["next"]
    with django_assert_num_queries(QUERIES_PER_CURSOR_PAGE):
        body = client.get(following).json()
    assert len(body["results"]) == page_size


#: Authentication, the organisation context (on PostgreSQL one more: its row-level security
#: setting), the count and the page: none per row.
QUERIES_PER_CURSOR_PAGE = 6 if settings.IS_POSTGRES else 5


def test_the_registry_search_pages_by_cursor_from_its_compiled_first_page(tenant, client_for):
    from tests.compliance import builders

    for n, name in enumerate(["Delta Cloud", "Alpha Santé", "Echo Hébergement", "Bravo Data", "Charlie Infra"]):
        builders.registry_host(name, f"HDS-{n}")
    client = client_for(token=tenant.token(scope="read"))
    page = client.get("/api/v1/registry/hosts/", {"page_size": 2}).json()
    names = [host["name"] for host in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        names += [host["name"] for host in page["results"]]
    assert names == ["Alpha Santé", "Bravo Data", "Charlie Infra", "Delta Cloud", "Echo Hébergement"]
    assert [host["name"] for host in client.get(page["previous"]).json()["results"]] == [
        "Charlie Infra", "Delta Cloud"]
