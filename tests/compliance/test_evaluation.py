"""Storing evaluations: what is written, when, and what is skipped."""

from datetime import date

from compliance import evaluation, services
from compliance.conformity import SELF
from compliance.loader import load_inputs
from compliance.models import ConformityResult, ConformityStatusChange
from tests.compliance import builders
from tests.compliance.builders import ACTOR


def test_digest_is_stable_and_follows_the_inputs_not_the_date(tenant):
    with tenant.context():
        supplier = builders.supplier()
        processing = builders.processing()
        link = builders.link(processing, supplier, activities=[3, 1, 2])
        first = load_inputs([processing.pk], date(2026, 11, 28))[processing.pk]
        again = load_inputs([processing.pk], date(2027, 1, 1))[processing.pk]
        assert evaluation.inputs_digest(first) == evaluation.inputs_digest(again)
        services.chain_link_update(link=link, actor=ACTOR, activities=[1, 2])
        changed = load_inputs([processing.pk], date(2026, 11, 28))[processing.pk]
        assert evaluation.inputs_digest(changed) != evaluation.inputs_digest(first)


def test_the_loader_orders_what_the_digest_hashes(tenant, media):
    """Links by id, actors by key, certificates grouped by actor in the order of the keys as text
    (suppliers' ids before ``self``) then by id: the digest hashes this order."""
    with tenant.context():
        first, second = builders.supplier("Premier"), builders.supplier("Second")
        processing = builders.processing()
        second_certificate = builders.certificate(second, activities=[1, 2])
        own_certificate = builders.certificate(None, activities=[5])
        first_certificates = [builders.certificate(first, activities=[n]) for n in (3, 4)]
        builders.evidence("iso27001_certificate", supplier=first, certificate=first_certificates[1])
        builders.evidence("hosting_contract", supplier=second)
        builders.evidence("dpa", supplier=first, processing=processing)
        builders.evidence("dpa", supplier=second, processing=builders.processing("Autre"))
        for supplier, activities in ((second, [1, 2]), (None, [5]), (first, [3, 4])):
            builders.link(processing, supplier, activities=activities)
        data = load_inputs([processing.pk], date(2026, 11, 28))[processing.pk]
    assert [(link.actor, link.has_hosting_contract, link.has_dpa) for link in data.links] == [
        (second.pk, True, False), (SELF, False, False), (first.pk, False, True)]
    assert list(data.actors) == [first.pk, second.pk]
    assert [(certificate.id, certificate.actor, certificate.has_document) for certificate in data.certificates] == [
        (first_certificates[0].pk, first.pk, False), (first_certificates[1].pk, first.pk, True),
        (second_certificate.pk, second.pk, False), (own_certificate.pk, SELF, False)]


def test_a_new_date_reevaluates_and_a_certificate_lapsing_changes_the_status(tenant, media):
    with tenant.context():
        supplier = builders.supplier()
        builders.certificate(supplier, activities=[1, 2, 3, 4, 5], expires_on=date(2027, 1, 31))
        builders.evidence("hosting_contract", supplier=supplier)
        builders.evidence("dpa", supplier=supplier)
        processing = builders.processing()
        builders.link(processing, supplier, activities=[1, 2, 3, 4, 5])
        evaluation.evaluate_processings([processing.pk], on=date(2026, 11, 28))
        result = ConformityResult.objects.get()
        assert (result.status, result.evaluated_on) == ("compliant", date(2026, 11, 28))
        evaluation.evaluate_processings([processing.pk], on=date(2027, 2, 1))
        result.refresh_from_db()
        assert (result.status, result.evaluated_on) == ("non_compliant", date(2027, 2, 1))
        change = ConformityStatusChange.objects.order_by("-id").first()
        assert (change.from_status, change.to_status) == ("compliant", "non_compliant")
        assert "validity.certificate_expired" in change.appeared
        assert "evidence.certificate_expiring" in change.disappeared


def test_unchanged_inputs_on_the_same_date_write_nothing_unless_forced(tenant, frozen):
    with tenant.context():
        processing = builders.processing()
        first = evaluation.evaluate_processing(processing)
        frozen.shift(60)
        assert evaluation.evaluate_processing(processing).evaluated_at == first.evaluated_at
        assert ConformityResult.objects.get().evaluated_at == first.evaluated_at
        forced = evaluation.evaluate_processing(processing, force=True)
        assert forced.evaluated_at > first.evaluated_at
        assert ConformityStatusChange.objects.count() == 1  # the status never changed


def test_deleted_and_foreign_processings_are_skipped(tenant, other_tenant):
    with other_tenant.context():
        foreign = builders.processing("Ailleurs")
    with tenant.context():
        own = builders.processing()
        results = evaluation.evaluate_processings([own.pk, foreign.pk, 987654])
        assert list(results) == [own.pk]
        assert ConformityResult.objects.count() == 1
    assert ConformityResult.all_organisations.count() == 1
