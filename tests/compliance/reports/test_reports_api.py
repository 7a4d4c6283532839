"""Reports as jobs over the API: ask, follow, download; refusals; another organisation's report is 404."""

import pytest
from django.urls import reverse

from compliance.reports import services
from compliance.reports.models import Report, ReportStatus
from hds_platform.audit import Actor
from hds_platform.models import AuditEvent
from tests.compliance.reports.conftest import report_bytes

REPORT_FIELDS = {"id", "kind", "format", "processing", "supplier", "language", "status", "progress", "error",
                 "created_at", "started_at", "finished_at", "file", "file_name", "size", "sha256", "pages",
                 "requested_by"}


def _url(slug, *parts):
    return "/api/v1/orgs/" + slug + "/reports/" + "".join(f"{part}/" for part in parts)


def test_post_answers_202_already_done_on_the_embedded_default(reported, tenant, client_for):
    client = client_for(tenant.members["viewer"])  # a viewer may export

    response = client.post(_url("tilleuls"), {"kind": "suppliers", "format": "csv"}, format="json",
                           HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 202
    body = response.json()
    assert set(body) == REPORT_FIELDS
    report_id = body["id"]
    assert (body["kind"], body["format"], body["status"], body["progress"], body["error"], body["language"]) == (
        "suppliers", "csv", "done", 100, "", "en")
    assert body["file"] == f"http://testserver{_url('tilleuls', report_id, 'file')}"
    assert body["requested_by"] == tenant.members["viewer"].full_name
    download = client.get(body["file"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == f'attachment; filename="{body["file_name"]}"'
    assert download["Cache-Control"] == "private, no-store"
    content = b"".join(download.streaming_content)
    assert content.startswith("\ufeffSupplier;SIREN;SIRET".encode())  # in the requester's language
    assert len(content) == body["size"]
    listing = client.get(_url("tilleuls")).json()
    assert [r["id"] for r in listing["results"]] == [report_id]
    assert client.get(_url("tilleuls", report_id)).json()["status"] == "done"
    with tenant.context():
        assert AuditEvent.objects.filter(action="report.requested", target_id=str(report_id)).count() == 1


@pytest.mark.parametrize(("payload", "field", "code"), [
    ({"kind": "suppliers", "format": "pdf"}, "format", "report_format_unsupported"),
    ({"kind": "register", "format": "csv", "processing": "PATIENT"}, "processing", "report_scope_unsupported"),
    ({"kind": "conformity", "format": "pdf", "supplier": "SUPPLIER"}, "supplier", "report_scope_unsupported"),
    ({"kind": "evidence_pack", "format": "zip", "processing": "PATIENT", "supplier": "SUPPLIER"}, "supplier",
     "report_scope_unsupported"),
    ({"kind": "invoice", "format": "pdf"}, "kind", "invalid_choice"),
])
def test_requests_outside_the_table_are_refused(reported, tenant, client_for, payload, field, code):
    values = {"PATIENT": reported.patient.pk, "SUPPLIER": reported.sovereign.pk}
    payload = {key: values.get(value, value) for key, value in payload.items()}

    response = client_for(tenant.owner).post(_url("tilleuls"), payload, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field][0]["code"] == code
    with tenant.context():
        assert Report.objects.count() == 0


def test_another_organisations_report_and_processing_answer_404(reported, tenant, other_tenant, client_for):
    with tenant.context():
        report = services.report_request(actor=Actor.for_user(tenant.owner), kind="register", format="csv")
    outsider = client_for(other_tenant.owner)

    assert outsider.get(_url("tilleuls", report.pk)).status_code == 404
    assert outsider.get(_url("voisin", report.pk)).status_code == 404
    assert outsider.get(_url("voisin", report.pk, "file")).status_code == 404
    refused = outsider.post(_url("voisin"), {"kind": "conformity", "format": "pdf",
                                             "processing": reported.patient.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["processing"][0]["code"] == "does_not_exist"
    with other_tenant.context():
        assert Report.objects.count() == 0


def test_a_token_asks_and_downloads(reported, tenant, client_for):
    client = client_for(token=tenant.token(scope="read"))

    body = client.post(_url("tilleuls"), {"kind": "register", "format": "xlsx"}, format="json").json()

    assert body["status"] == "done"
    assert client.get(body["file"]).status_code == 200


def test_generation_is_a_job_with_progress_and_runs_once(reported, tenant, monkeypatch):
    with tenant.context():
        report = services.report_request(actor=Actor.for_user(tenant.owner), kind="register", format="pdf",
                                         run_now=False)
    assert (report.status, report.progress, report.file.name) == (ReportStatus.PENDING, 0, "")
    seen = []
    original = services._Progress.__call__

    def spy(self, percent):
        original(self, percent)
        with tenant.context():
            seen.append(Report.objects.get(pk=report.pk).progress)

    monkeypatch.setattr(services._Progress, "__call__", spy)

    from compliance.reports.tasks import generate_report
    assert generate_report.run(tenant.organisation.pk, report.pk) is True

    with tenant.context():
        report.refresh_from_db()
        assert (report.status, report.progress, report.pages) == (ReportStatus.DONE, 100, 4)
        stored, data = report.file.name, report_bytes(report)
    assert seen == [10, 95]
    # Run again (a re-delivered message): nothing to do, nothing rewritten.
    assert generate_report.run(tenant.organisation.pk, report.pk) is False
    with tenant.context():
        report.refresh_from_db()
        assert report.file.name == stored and report_bytes(report) == data


def test_a_failure_is_recorded_and_not_retried_forever(reported, tenant, monkeypatch):
    from compliance.reports.generation import suppliers

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(suppliers, "write", broken)
    with tenant.context():
        report = services.report_request(actor=Actor.for_user(tenant.owner), kind="suppliers", format="csv")

    assert report.status == ReportStatus.FAILED
    assert report.error == ("La génération a échoué (RuntimeError). Réessayez ; si l'échec persiste, "
                            "contactez le support.")
    assert report.file.name == ""
    with tenant.context():
        assert services.report_generate(tenant.organisation, report.pk) is None


def test_reports_route_is_on_the_reports_queue(settings):
    from celery import current_app

    route = current_app.amqp.router.route({}, "compliance.reports.tasks.generate_report")
    assert route["queue"].name == "reports"
    assert reverse("report-list", kwargs={"org": "tilleuls"}) == "/api/v1/orgs/tilleuls/reports/"


@pytest.mark.postgres
def test_every_kind_generates_under_row_level_security(reported, tenant, other_tenant, client_for):
    """As the runtime role (subject to the policies), every kind and format is generated, and reads
    nothing of another organisation."""
    from django.db import connection

    from tests.rls_support import app_connection_as_runtime_role, require_roles

    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    require_roles()
    with other_tenant.context():
        from tests.compliance import builders

        builders.supplier("Fournisseur du voisin")
    client = client_for(tenant.owner)
    with app_connection_as_runtime_role():
        for kind, fmt in (("conformity", "pdf"), ("register", "pdf"), ("register", "xlsx"), ("suppliers", "csv"),
                          ("evidence_pack", "zip")):
            body = client.post(_url("tilleuls"), {"kind": kind, "format": fmt}, format="json").json()
            assert (kind, fmt, body["status"], body["error"]) == (kind, fmt, "done", "")
            content = b"".join(client.get(body["file"]).streaming_content)
            assert len(content) == body["size"]
            if fmt == "csv":
                assert "Fournisseur du voisin" not in content.decode("utf-8-sig")
