import datetime

import httpx
import pytest

from registry import enrichment
from registry.enrichment import CompanyInfo, EnrichmentUnavailable, lookup_siren, search_companies
from tests.registry.conftest import recording

OVH = CompanyInfo(siren="424761419", legal_name="OVH", head_office_siret="42476141900045", active=True,
                  closed_on=None)


@pytest.fixture
def enabled(settings):
    settings.REGISTRY_ENRICHMENT_ENABLED = True


def answer(name):
    return lambda request: httpx.Response(200, json=recording(name))


def test_off_means_no_lookup_and_no_request(settings):
    settings.REGISTRY_ENRICHMENT_ENABLED = False

    # The autouse fixture fails the test on any HTTP request.
    assert lookup_siren("424761419") is None
    assert search_companies("OVH") == []


def test_lookup_siren_reads_an_active_company(enabled, mock_http):
    mock_http(answer("search_siren_424761419.json"))

    assert lookup_siren("424 761 419") == OVH
    [request] = mock_http.requests
    assert (request.method, request.url.host, request.url.path) == ("GET", "recherche-entreprises.api.gouv.fr",
                                                                    "/search")
    assert dict(request.url.params) == {"q": "424761419", "page": "1", "per_page": "5"}
    assert request.headers["User-Agent"] == "Maillon/0.1 (registre HDS; +http://127.0.0.1:8000)"


def test_lookup_siren_reads_a_closed_company(enabled, mock_http):
    mock_http(answer("search_siren_812345676.json"))

    assert lookup_siren("812345676") == CompanyInfo(
        siren="812345676", legal_name="ESTEREL HEBERGEMENT SANTE", head_office_siret="81234567600017", active=False,
        closed_on=datetime.date(2026, 9, 30))


def test_lookup_siren_ignores_results_with_another_siren(enabled, mock_http):
    mock_http(answer("search_name_clever_cloud.json"))

    assert lookup_siren("424761419") is None


def test_lookup_siren_answers_are_cached_found_or_not(enabled, mock_http):
    mock_http(answer("search_siren_424761419.json"))
    assert lookup_siren("424761419") == lookup_siren("424761419") == OVH
    mock_http(answer("search_empty.json"))
    assert lookup_siren("812345676") is None
    assert lookup_siren("812345676") is None

    assert [request.url.params["q"] for request in mock_http.requests] == ["424761419", "812345676"]


@pytest.mark.parametrize("siren", ["424761418", "12345", "", "abcdefghi"])
def test_an_invalid_siren_is_not_looked_up(enabled, siren):
    assert lookup_siren(siren) is None


@pytest.mark.parametrize("status", [429, 500, 503])
def test_an_error_answer_is_unavailable(enabled, mock_http, status):
    mock_http(lambda request: httpx.Response(status, json={"erreur": "trop de requêtes"}))

    with pytest.raises(EnrichmentUnavailable, match=f"answered {status}"):
        lookup_siren("424761419")


def test_a_timeout_is_unavailable_and_not_cached(enabled, mock_http):
    def timeout(request):
        raise httpx.ReadTimeout("timed out", request=request)

    mock_http(timeout)
    with pytest.raises(EnrichmentUnavailable, match="unreachable"):
        lookup_siren("424761419")

    mock_http(answer("search_siren_424761419.json"))
    assert lookup_siren("424761419") == OVH


def test_an_unexpected_body_is_unavailable(enabled, mock_http):
    mock_http(lambda request: httpx.Response(200, text="<html>maintenance</html>"))

    with pytest.raises(EnrichmentUnavailable, match="unexpected body"):
        lookup_siren("424761419")


def test_the_client_has_timeouts(enabled, mock_http, monkeypatch):
    mock_http(answer("search_empty.json"))
    seen = []
    real_client = enrichment.http.client

    def spy(**kwargs):
        seen.append(kwargs["timeout"])
        return real_client(**kwargs)

    monkeypatch.setattr(enrichment.http, "client", spy)
    lookup_siren("424761419")

    assert seen == [httpx.Timeout(5.0, connect=3.0)]


def test_search_companies_by_name(enabled, mock_http):
    mock_http(answer("search_name_clever_cloud.json"))

    assert search_companies("Clever Cloud", limit=5) == [
        CompanyInfo(siren="524172699", legal_name="CLEVER CLOUD", head_office_siret="52417269900018", active=True,
                    closed_on=None),
        CompanyInfo(siren="898765433", legal_name="CLEVER CLOUD CONSULTING", head_office_siret="89876543300013",
                    active=False, closed_on=datetime.date(2024, 12, 31)),
    ]
    assert mock_http.requests[0].url.params["q"] == "Clever Cloud"
    assert search_companies("   ") == []
