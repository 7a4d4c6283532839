"""Reports in the web UI: offered where they belong, asked for over HTMX, followed by polling, listed,
downloaded by members only."""

import pytest
from django.test import Client

from compliance.reports import services
from compliance.reports.models import Report
from hds_platform.audit import Actor

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser(tenant):
    client = Client()
    client.force_login(tenant.members["viewer"])
    return client


def test_each_page_offers_its_reports(reported, browser):
    offers = {
        "/o/tilleuls/": ['data-report="conformity-pdf"', 'data-report="evidence_pack-zip"'],
        "/o/tilleuls/traitements/": ['data-report="register-pdf"', 'data-report="register-csv"',
                                     'data-report="register-xlsx"'],
        f"/o/tilleuls/traitements/{reported.patient.pk}/": [
            'data-report="conformity-pdf"', f'name="processing" value="{reported.patient.pk}"'],
        "/o/tilleuls/fournisseurs/": ['data-report="suppliers-csv"', 'data-report="suppliers-xlsx"'],
        f"/o/tilleuls/fournisseurs/{reported.backup.pk}/": [
            'data-report="evidence_pack-zip"', f'name="supplier" value="{reported.backup.pk}"'],
        "/o/tilleuls/rapports/": ['data-report="conformity-pdf"', 'data-report="register-xlsx"',
                                  'data-report="suppliers-csv"', 'data-report="evidence_pack-zip"'],
    }
    for url, expected in offers.items():
        page = browser.get(url).content.decode()
        for fragment in expected:
            assert fragment in page, (url, fragment)
    assert 'href="/o/tilleuls/rapports/"' in browser.get("/o/tilleuls/").content.decode()


def test_asking_over_htmx_answers_the_progress_then_the_link(reported, tenant, browser):
    response = browser.post("/o/tilleuls/rapports/demander/", {"kind": "register", "format": "csv"}, **HTMX)

    assert response.status_code == 202
    with tenant.context():
        report = Report.objects.get()
    page = response.content.decode()
    assert f'id="report-{report.pk}" data-status="done"' in page
    assert "hx-trigger" not in page  # done: polling stops
    assert f'href="/o/tilleuls/rapports/{report.pk}/fichier/"' in page
    download = browser.get(f"/o/tilleuls/rapports/{report.pk}/fichier/")
    assert download.status_code == 200 and download["Content-Type"] == "text/csv; charset=utf-8"


def test_a_pending_report_is_polled_until_done(reported, tenant, browser):
    with tenant.context():
        report = services.report_request(actor=Actor.for_user(tenant.owner), kind="suppliers", format="xlsx",
                                         run_now=False)

    pending = browser.get(f"/o/tilleuls/rapports/{report.pk}/etat/", **HTMX).content.decode()
    assert f'hx-get="/o/tilleuls/rapports/{report.pk}/etat/" hx-trigger="every 1s"' in pending
    assert '<progress max="100" value="0">' in pending
    assert browser.get(f"/o/tilleuls/rapports/{report.pk}/fichier/").status_code == 404

    services.report_generate(tenant.organisation, report.pk)

    done = browser.get(f"/o/tilleuls/rapports/{report.pk}/etat/", **HTMX).content.decode()
    assert 'data-status="done"' in done and "hx-trigger" not in done
    listing = browser.get("/o/tilleuls/rapports/").content.decode()
    assert f'data-report="{report.pk}"' in listing and "Fournisseurs · XLSX · FR" in listing


def test_refusals_and_other_organisations(reported, tenant, other_tenant):
    browser = Client()
    browser.force_login(tenant.owner)
    refused = browser.post("/o/tilleuls/rapports/demander/", {"kind": "suppliers", "format": "pdf"}, **HTMX)
    assert refused.status_code == 400
    assert "Ce rapport existe aux formats : csv, xlsx." in refused.content.decode()

    with tenant.context():
        report = services.report_request(actor=Actor.for_user(tenant.owner), kind="register", format="csv")
    outsider = Client()
    outsider.force_login(other_tenant.owner)
    for url in ("/o/tilleuls/rapports/", f"/o/tilleuls/rapports/{report.pk}/etat/",
                f"/o/tilleuls/rapports/{report.pk}/fichier/", f"/o/voisin/rapports/{report.pk}/fichier/",
                f"/o/voisin/rapports/{report.pk}/etat/"):
        assert outsider.get(url).status_code == 404, url
    crossing = outsider.post("/o/voisin/rapports/demander/", {"kind": "conformity", "format": "pdf",
                                                              "processing": reported.patient.pk}, **HTMX)
    assert crossing.status_code == 404
    with other_tenant.context():
        assert Report.objects.count() == 0
