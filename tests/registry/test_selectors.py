import httpx
import pytest

from registry.models import CertifiedHost, HostCertificate
from registry.selectors import HostMatcher, current_snapshot, find_host_candidates, search_hosts
from tests.registry.conftest import NOVEMBER, import_file, import_sample, recording


def names(hosts):
    return [host.name for host in hosts]


def test_current_snapshot_is_the_latest_imported_one(db):
    assert current_snapshot() is None
    october = import_sample("ans_hosts_2026-10.csv").snapshot
    import_file(b"")  # rejected

    assert current_snapshot() == october

    november = import_sample(NOVEMBER).snapshot

    assert current_snapshot() == november


# --- Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("q", "expected"), [
    ("ovh", ["OVH SAS"]),
    ("OVH SAS", ["OVH SAS"]),
    ("BEARN infogerance", ["Béarn Infogérance"]),
    ("médoc numérique s.a.r.l.", ["Médoc Numérique SARL"]),
    ("scal", ["3DS Outscale", "Scaleway", "Scalingo"]),
    ("", None),
])
def test_search_by_name_ignores_accents_case_and_legal_forms(october, q, expected):
    found = names(search_hosts(q=q))

    assert found == (expected if expected is not None else names(CertifiedHost.objects.filter(listed=True)))


def test_search_by_certificate_number_current_or_past(november):
    assert names(search_hosts(certificate_number="hds lne 2024 0042")) == ["OVH SAS"]
    assert names(search_hosts(certificate_number="HDS-LNE-2023-0406")) == ["Opale Datacenter"]  # renewed since
    assert names(search_hosts(certificate_number="HDS-LNE-2026-5685")) == ["Opale Datacenter"]
    assert names(search_hosts(certificate_number="NOPE-1")) == []


def test_search_by_activities_requires_all_of_them_under_current_certificates(november):
    backup = search_hosts(activities=[6])
    managed_backup = search_hosts(activities=[5, 6])

    assert "Béarn Infogérance" in names(managed_backup)  # 5 → 5, 6 in November
    assert "Hygie Sauvegarde" in names(backup) and "Hygie Sauvegarde" not in names(managed_backup)
    assert all({5, 6} <= set().union(*(c.activities for c in host.certificates.all() if c.current))
               for host in managed_backup)
    assert search_hosts(activities=[5, 6]).count() == HostCertificate.objects.filter(
        current=True, activities__covers=[5, 6]).count()
    assert "Loire Hosting" not in names(search_hosts(activities=[3]))  # narrowed to 1, 2


def test_search_by_certifier_and_listed_state(november):
    assert "Camargue Data" in names(search_hosts(certifier="bureau veritas"))
    assert "Camargue Data" not in names(search_hosts(certifier="AFNOR"))
    assert names(search_hosts(listed=False)) == ["Estérel Hébergement Santé"]
    assert search_hosts(listed=None).count() == 302
    assert search_hosts(q="esterel").count() == 0


def test_search_prefetches_certificates_current_first(november, django_assert_num_queries):
    with django_assert_num_queries(2):
        opale = search_hosts(q="opale").get()
        numbers = [(c.certificate_number, c.current) for c in opale.certificates.all()]

    assert numbers == [("HDS-LNE-2026-5685", True), ("HDS-LNE-2023-0406", False)]


# --- Matching a supplier to a host ---------------------------------------------------------------


def candidates(**kwargs):
    return [(c.host.name, c.certificate.certificate_number if c.certificate else None, c.method, c.score)
            for c in find_host_candidates(**kwargs)]


def test_match_by_certificate_number_first(october):
    assert candidates(name="Un autre nom", certificate_number="hds-lne 2024/0042") == [
        ("OVH SAS", "HDS-LNE-2024-0042", "certificate_number", 100.0)]


def test_match_by_an_old_certificate_number_gives_that_certificate(november):
    [candidate] = find_host_candidates(name="", certificate_number="HDS-LNE-2023-0406")

    assert (candidate.host.name, candidate.certificate.certificate_number, candidate.certificate.current) == (
        "Opale Datacenter", "HDS-LNE-2023-0406", False)
    assert candidate.confident


def test_match_by_certificate_number_finds_a_removed_host(november):
    [candidate] = find_host_candidates(name="", certificate_number="AFNOR 2026/49792")

    assert (candidate.host.name, candidate.host.listed, candidate.method) == (
        "Estérel Hébergement Santé", False, "certificate_number")


def test_match_by_exact_normalised_name(october):
    [candidate] = find_host_candidates(name="ovh s.a.s.")

    assert (candidate.host.name, candidate.certificate.certificate_number, candidate.method, candidate.score) == (
        "OVH SAS", "HDS-LNE-2024-0042", "name_exact", 100.0)
    assert candidate.confident


def test_a_close_name_is_only_a_suggestion_with_its_score(october):
    [candidate] = find_host_candidates(name="Scalingo Cloud")

    assert (candidate.host.name, candidate.method, candidate.confident) == ("Scalingo", "name_fuzzy", False)
    assert candidate.score == 90.0


def test_certificate_number_then_names_without_duplicates(october):
    assert candidates(name="OVH", certificate_number="BV-HDS-0456") == [
        ("Clever Cloud", "BV-HDS-0456", "certificate_number", 100.0),
        ("OVH SAS", "HDS-LNE-2024-0042", "name_exact", 100.0),
    ]
    assert candidates(name="Clever Cloud", certificate_number="BV-HDS-0456") == [
        ("Clever Cloud", "BV-HDS-0456", "certificate_number", 100.0),
    ]


@pytest.mark.parametrize("name", ["Boulangerie Martin", "Cabinet médical du Parc", ""])
def test_no_match(october, name):
    assert find_host_candidates(name=name, certificate_number="UNKNOWN-1") == []


def test_no_list_no_match(db):
    assert find_host_candidates(name="OVH", certificate_number="HDS-LNE-2024-0042") == []


def test_siren_is_skipped_when_enrichment_is_off(october):
    # The autouse fixture fails the test on any HTTP request.
    assert candidates(name="Nom commercial inconnu", siren="424761419") == []


def test_siren_matches_the_legal_name_from_the_company_register(october, settings, mock_http):
    settings.REGISTRY_ENRICHMENT_ENABLED = True
    mock_http(lambda request: httpx.Response(200, json=recording("search_siren_424761419.json")))

    assert candidates(name="Nom commercial inconnu", siren="424 761 419") == [
        ("OVH SAS", "HDS-LNE-2024-0042", "siren", 100.0)]
    assert [request.url.params["q"] for request in mock_http.requests] == ["424761419"]


def test_siren_lookup_failure_falls_back_to_the_name(october, settings, mock_http):
    settings.REGISTRY_ENRICHMENT_ENABLED = True
    mock_http(lambda request: httpx.Response(503))

    assert candidates(name="OVH", siren="424761419") == [("OVH SAS", "HDS-LNE-2024-0042", "name_exact", 100.0)]


def test_the_limit_caps_the_candidates_best_first(october):
    assert candidates(name="Hébergement", limit=2) == [
        ("Alpes Hébergement", "FR26/30299", "name_fuzzy", 90.0),
        ("Ardennes Hébergement", "LSTI-HDS-2024-298", "name_fuzzy", 90.0),
    ]


def test_sharing_a_single_word_is_not_a_suggestion(october):
    assert find_host_candidates(name="Cabinet médical du Parc") == []
    assert [c.host.name for c in find_host_candidates(name="Amazon Web Services")] == [
        "Amazon Web Services EMEA SARL"]


def test_a_matcher_reads_the_listed_names_once_for_many_suppliers(october, django_assert_num_queries):
    suppliers = [f"Boulangerie {n}" for n in range(50)]

    with django_assert_num_queries(2):  # the current snapshot, then the names
        matcher = HostMatcher()
        assert [matcher.candidates(name=name) for name in suppliers] == [[]] * 50
    with django_assert_num_queries(1):  # another matcher: the names come from the cache
        assert HostMatcher().candidates(name="Boulangerie 51") == []


def test_a_new_import_makes_the_cached_names_obsolete(october):
    assert find_host_candidates(name="Ventoux Cloud Santé") == []

    import_sample(NOVEMBER)

    [candidate] = find_host_candidates(name="Ventoux Cloud Santé")
    assert (candidate.host.name, candidate.method) == ("Ventoux Cloud Santé", "name_exact")
    assert find_host_candidates(name="Estérel Hébergement Santé") == []
