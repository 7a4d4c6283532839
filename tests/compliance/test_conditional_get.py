"""Conditional GET of the conformity answer and the summary: 200 with an ETag, 304 while nothing
changed, 200 with a new ETag after a change."""

from datetime import date

import pytest

from compliance import services
from tests.compliance import builders


@pytest.fixture
def evaluated(tenant, frozen):
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain", siren="732829320")
        builders.certificate(supplier, activities=[1, 2, 3, 4])
        processing = builders.processing("Dossier patient")
        builders.link(processing, supplier, activities=[1, 2, 3, 4])
    return processing


def _answer_url(tenant, processing):
    return f"/api/v1/orgs/{tenant.organisation.slug}/processings/{processing.pk}/conformity/"


def test_conformity_answer_200_then_304_then_200_after_a_change(tenant, client_for, evaluated, frozen, media,
                                                                django_capture_on_commit_callbacks):
    client = client_for(token=tenant.token(scope="read"))
    url = _answer_url(tenant, evaluated)
    first = client.get(url)
    tag = first["ETag"]
    assert first.status_code == 200 and tag.startswith('"') and len(tag) == 34
    again = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", tag)
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", {tag}').status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200

    # A token is answered in English by default; in French the messages, hence the tag, differ.
    french = client.get(url, HTTP_IF_NONE_MATCH=tag, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 200 and french["ETag"] != tag  # the messages are in another language

    with django_capture_on_commit_callbacks(execute=True), tenant.context():  # the re-evaluation after commit
        builders.evidence("dpa", supplier=evaluated.links.get().supplier, title="DPA",
                          file=builders.pdf_upload("dpa.pdf"), valid_until=date(2029, 1, 14))
    changed = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert changed["ETag"] != tag
    assert changed.json()["inputs_digest"] != first.json()["inputs_digest"]
    assert client.get(url, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


def test_reevaluating_now_changes_the_tag(tenant, client_for, evaluated, frozen):
    client = client_for(user=tenant.members["editor"])
    url = _answer_url(tenant, evaluated)
    tag = client.get(url)["ETag"]
    frozen.shift(1500)  # within the session's 30 idle minutes
    assert client.post(url).status_code == 200  # same inputs, evaluated again 25 minutes later
    after = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert after.status_code == 200 and after["ETag"] != tag


def test_summary_200_then_304_then_200_after_a_change(tenant, client_for, evaluated, frozen):
    client = client_for(user=tenant.members["viewer"])
    url = f"/api/v1/orgs/{tenant.organisation.slug}/conformity/"
    first = client.get(url)
    assert first.status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with tenant.context():
        services.processing_create(actor=builders.ACTOR, name="Nouveau traitement")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["processings"] == first.json()["processings"] + 1


def test_a_known_tag_opens_nothing_in_another_organisation(tenant, other_tenant, client_for, evaluated):
    tag = client_for(token=tenant.token(scope="read")).get(_answer_url(tenant, evaluated))["ETag"]
    outsider = client_for(token=other_tenant.token(scope="read"))
    response = outsider.get(f"/api/v1/orgs/{other_tenant.organisation.slug}/processings/{evaluated.pk}/conformity/",
                            HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 404
    assert outsider.get(_answer_url(tenant, evaluated), HTTP_IF_NONE_MATCH=tag).status_code == 404
