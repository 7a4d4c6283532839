"""WeasyPrint's URL fetcher serves our static files and data: URIs, and nothing else."""

import io

import pytest
from pypdf import PdfReader

from compliance.reports import pdf


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:8000/admin/",
    "https://evil.example/x.css",
    "https://maillon.invalid/media/evidence/1/secret.pdf",
    "https://maillon.invalid/static/../../etc/passwd",
    "https://maillon.invalid/static/%2e%2e/%2e%2e/etc/passwd",
    "https://maillon.invalid/static/reports/missing.css",
])
def test_everything_but_static_files_is_refused(url):
    with pytest.raises(pdf.ResourceRefused):
        pdf.StaticOnlyFetcher().fetch(url)


def test_static_files_and_data_uris_are_served():
    fetcher = pdf.StaticOnlyFetcher()

    css = fetcher.fetch("https://maillon.invalid/static/reports/report.css")
    assert css.content_type == "text/css" and css.read().startswith(b"/* The printed reports")
    assert fetcher.fetch("data:text/plain;base64,TWFpbGxvbg==").read() == b"Maillon"


def test_markup_that_reaches_the_html_fetches_nothing(tmp_path, caplog, settings):
    """Should hostile markup ever escape the templates, the fetcher still refuses its resources."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    (tmp_path / "hostile.html").write_text(
        '{% load static %}<link rel="stylesheet" href="{% static \'reports/report.css\' %}">'
        '<link rel="stylesheet" href="file:///etc/passwd"><img src="http://127.0.0.1:1/x.png">'
        '<img src="file:///etc/hostname"><p>Maillon</p>')
    out = io.BytesIO()

    assert pdf.render("hostile.html", {}, out) == 1

    refused = sorted(r.getMessage() for r in caplog.records if r.getMessage().startswith("report: refused"))
    assert refused == ["report: refused resource file:///etc/hostname", "report: refused resource file:///etc/passwd",
                       "report: refused resource http://127.0.0.1:1/x.png"]
    assert "Maillon" in PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
