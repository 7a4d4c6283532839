import datetime
import hashlib

import pytest
from celery import current_app
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hds_platform import outbox
from hds_platform.audit import Actor
from hds_platform.demo import DemoContext
from hds_platform.models import OutboxMessage
from registry import demo_data, selectors
from registry.importing import snapshots, writing
from registry.models import CertifiedHost, Change, HostCertificate, Snapshot
from registry.selectors import current_snapshot
from tests.realworker import broker
from tests.registry.conftest import (
    NOVEMBER,
    OCTOBER,
    csv_list,
    import_file,
    import_sample,
    row,
    sample,
    sample_lines,
)

Kind = Change.Kind
NO_CHANGES = dict.fromkeys(Kind.values, 0)

# The October → November differences documented in registry/samples/README.md, as change rows.
# A renewal changes the dates and the certificate (number and/or referential v1 → v2).
NOVEMBER_CHANGES = {
    *{(name, kind) for name in [
        "Armor Data Services", "Cévennes Infogérance", "Galien Systèmes SAS", "Hippocrate Cloud",
        "Iroise Hébergement", "Médoc Numérique SARL",  # renewed, same number
        "Opale Datacenter", "Pasteur IT", "Quercy Informatique", "Vercors Solutions",  # renewed, new number
    ] for kind in (Kind.DATES_CHANGED, Kind.CERTIFICATE_CHANGED)},
    ("Estérel Hébergement Santé", Kind.REMOVED),
    ("Ventoux Cloud Santé", Kind.ADDED),
    ("Hygie Sauvegarde", Kind.ADDED),
    ("Béarn Infogérance", Kind.ACTIVITIES_CHANGED),
    ("Loire Hosting", Kind.ACTIVITIES_CHANGED),
    ("Camargue Data", Kind.CERTIFIER_CHANGED),
    ("Camargue Data", Kind.DATES_CHANGED),  # new certificate from the new certifier: new dates
    ("Camargue Data", Kind.CERTIFICATE_CHANGED),  # … and a new number
}


def table_sizes():
    return {
        "snapshots": Snapshot.objects.count(),
        "hosts": CertifiedHost.objects.count(),
        "listed": CertifiedHost.objects.filter(listed=True).count(),
        "certificates": HostCertificate.objects.count(),
        "current certificates": HostCertificate.objects.filter(current=True).count(),
        "changes": Change.objects.count(),
    }


def listed_state():
    return sorted(
        HostCertificate.objects.filter(current=True).values_list(
            "host__name", "certificate_number", "certifier", "activities", "issued_on", "expires_on", "last_seen_id"
        )
    )


def change_pairs(snapshot):
    changes = Change.objects.filter(snapshot=snapshot).select_related("host")
    return {(change.host.name, change.kind) for change in changes}


def by_name(name):
    return CertifiedHost.objects.get(name=name)


# --- A first import ------------------------------------------------------------------------------


def test_first_import_creates_every_host_with_its_certificate(db):
    data = sample(OCTOBER)

    result = import_file(data, source=OCTOBER, actor_label="user:1 staff@example.org")

    snapshot = result.snapshot
    assert result.imported and not result.unchanged and not result.rejected
    assert result.counts == {**NO_CHANGES, Kind.ADDED: 300}
    assert result.listed_hosts == 300
    assert result.changed_host_ids == set(CertifiedHost.objects.values_list("id", flat=True))
    assert (snapshot.status, snapshot.format, snapshot.row_count, snapshot.source, snapshot.actor_label) == (
        "imported", "csv", 300, OCTOBER, "user:1 staff@example.org")
    assert snapshot.sha256 == hashlib.sha256(data).hexdigest()
    assert (snapshot.added_count, snapshot.removed_count, snapshot.changed_count) == (300, 0, 0)
    assert (snapshot.reason_code, snapshot.reason, snapshot.errors) == ("", "", [])
    assert table_sizes() == {"snapshots": 1, "hosts": 300, "listed": 300, "certificates": 300,
                             "current certificates": 300, "changes": 300}
    assert current_snapshot() == snapshot
    with default_storage.open(snapshot.raw_file.name) as stored:
        assert stored.read() == data
    assert snapshot.raw_file.name.startswith("registry/snapshots/")
    assert snapshot.raw_file.name.endswith(f"/{snapshot.sha256[:12]}-{OCTOBER}")


def test_first_import_stores_the_host_and_certificate_as_published(db):
    snapshot = import_sample(OCTOBER).snapshot

    ovh = by_name("OVH SAS")
    certificate = ovh.certificates.get()
    assert (ovh.normalised_name, ovh.listed, ovh.first_seen, ovh.last_seen, ovh.removed_in) == (
        "ovh", True, snapshot, snapshot, None)
    assert {field: getattr(certificate, field) for field in [
        "certificate_number", "normalised_number", "certifier", "activities", "referential_version", "issued_on",
        "expires_on", "transparency_url", "scope", "current", "first_seen", "last_seen",
    ]} == {
        "certificate_number": "HDS-LNE-2024-0042",
        "normalised_number": "HDSLNE20240042",
        "certifier": "LNE",
        "activities": frozenset({1, 2, 3, 4, 5, 6}),
        "referential_version": "v2",
        "issued_on": datetime.date(2024, 6, 14),
        "expires_on": datetime.date(2027, 6, 13),
        "transparency_url": "https://www.ovh.fr/hds/transparence",
        "scope": "Hébergement et infogérance de l’offre cloud de confiance : datacenters de Roubaix ; Gravelines ; "
                 "Strasbourg",
        "current": True,
        "first_seen": snapshot,
        "last_seen": snapshot,
    }
    added = Change.objects.get(host=ovh)
    assert (added.snapshot, added.kind, added.before) == (snapshot, Kind.ADDED, {})
    assert added.after == {
        "name": "OVH SAS",
        "activities": [1, 2, 3, 4, 5, 6],
        "certificates": [{
            "certificate_number": "HDS-LNE-2024-0042", "certifier": "LNE", "activities": [1, 2, 3, 4, 5, 6],
            "referential_version": "v2", "issued_on": "2024-06-14", "expires_on": "2027-06-13",
            "transparency_url": "https://www.ovh.fr/hds/transparence",
        }],
    }


@pytest.mark.parametrize(("name", "format"), [("ans_hosts_sample.json", "json"), ("ans_hosts_sample.xlsx", "xlsx")])
def test_json_and_xlsx_lists_import_the_same_hosts_as_the_csv(db, name, format):
    result = import_sample(name)

    assert (result.snapshot.format, result.snapshot.row_count, result.counts[Kind.ADDED]) == (format, 30, 30)
    clever = by_name("Clever Cloud").certificates.get()
    assert (clever.certificate_number, clever.certifier, clever.activities, clever.issued_on, clever.expires_on) == (
        "BV-HDS-0456", "Bureau Veritas Certification", frozenset(range(1, 7)), datetime.date(2024, 12, 20),
        datetime.date(2027, 12, 19))


# --- October, then November ----------------------------------------------------------------------


def test_november_after_october_records_exactly_the_documented_changes(october):
    result = import_sample(NOVEMBER)

    snapshot = result.snapshot
    assert change_pairs(snapshot) == NOVEMBER_CHANGES
    assert Change.objects.filter(snapshot=snapshot).count() == len(NOVEMBER_CHANGES) == 28
    assert result.counts == {**NO_CHANGES, Kind.ADDED: 2, Kind.REMOVED: 1, Kind.ACTIVITIES_CHANGED: 2,
                             Kind.DATES_CHANGED: 11, Kind.CERTIFIER_CHANGED: 1, Kind.CERTIFICATE_CHANGED: 11}
    changed_names = {name for name, _kind in NOVEMBER_CHANGES}
    assert result.changed_host_ids == set(CertifiedHost.objects.filter(name__in=changed_names).values_list("id",
                                                                                                           flat=True))
    assert len(result.changed_host_ids) == 16
    assert (snapshot.row_count, snapshot.added_count, snapshot.removed_count, snapshot.changed_count) == (
        301, 2, 1, 13)
    assert result.listed_hosts == 301
    assert current_snapshot() == snapshot


def test_november_withdrawal_unlists_the_host_and_keeps_its_history(october, november):
    esterel = by_name("Estérel Hébergement Santé")
    certificate = esterel.certificates.get()

    assert (esterel.listed, esterel.first_seen, esterel.last_seen, esterel.removed_in) == (
        False, october.snapshot, october.snapshot, november.snapshot)
    assert (certificate.current, certificate.last_seen) == (False, october.snapshot)
    removed = Change.objects.get(host=esterel, kind=Kind.REMOVED)
    assert removed.after == {}
    assert removed.before["certificates"][0]["certificate_number"] == "AFNOR 2026/49792"


def test_november_renewal_with_a_new_number_keeps_the_old_certificate_as_not_current(october, november):
    opale = by_name("Opale Datacenter")

    assert list(opale.certificates.order_by("id").values_list(
        "certificate_number", "referential_version", "expires_on", "current", "first_seen", "last_seen"
    )) == [
        ("HDS-LNE-2023-0406", "v1", datetime.date(2026, 11, 3), False, october.snapshot.pk, october.snapshot.pk),
        ("HDS-LNE-2026-5685", "v2", datetime.date(2029, 10, 15), True, november.snapshot.pk, november.snapshot.pk),
    ]
    dates = Change.objects.get(host=opale, kind=Kind.DATES_CHANGED)
    assert [(c["certificate_number"], c["issued_on"], c["expires_on"]) for c in dates.before["certificates"]] == [
        ("HDS-LNE-2023-0406", "2023-11-04", "2026-11-03")]
    assert [(c["certificate_number"], c["issued_on"], c["expires_on"]) for c in dates.after["certificates"]] == [
        ("HDS-LNE-2026-5685", "2026-10-16", "2029-10-15")]


def test_november_renewal_with_the_same_number_updates_the_certificate_in_place(october, november):
    armor = by_name("Armor Data Services")

    assert list(armor.certificates.values_list(
        "certificate_number", "referential_version", "issued_on", "expires_on", "current", "first_seen", "last_seen"
    )) == [("AFNOR 2023/89198", "v2", datetime.date(2026, 11, 15), datetime.date(2029, 11, 14), True,
            october.snapshot.pk, november.snapshot.pk)]


def test_november_activity_and_certifier_changes_carry_before_and_after(october, november):
    bearn = Change.objects.get(host__name="Béarn Infogérance", snapshot=november.snapshot)
    camargue = Change.objects.get(host__name="Camargue Data", kind=Kind.CERTIFIER_CHANGED)

    assert (bearn.kind, bearn.before["activities"], bearn.after["activities"]) == (
        Kind.ACTIVITIES_CHANGED, [5], [5, 6])
    assert camargue.before["certificates"] == [{
        "certificate_number": "AFNOR 2026/82729", "certifier": "AFNOR Certification", "activities": [1, 2, 3, 4, 5, 6],
        "referential_version": "v2", "issued_on": "2026-07-02", "expires_on": "2029-07-01",
        "transparency_url": "https://www.camargue-data.com/fr/hds-transparence",
    }]
    assert camargue.after["certificates"] == [{
        "certificate_number": "BV-HDS-4707", "certifier": "Bureau Veritas Certification",
        "activities": [1, 2, 3, 4, 5, 6], "referential_version": "v2", "issued_on": "2026-11-09",
        "expires_on": "2029-11-08", "transparency_url": "https://www.camargue-data.com/fr/hds-transparence",
    }]


def test_unchanged_hosts_keep_their_rows_and_are_seen_again(october, november):
    ovh = by_name("OVH SAS")
    certificate = ovh.certificates.get()

    assert (ovh.first_seen, ovh.last_seen, ovh.listed) == (october.snapshot, november.snapshot, True)
    assert (certificate.first_seen, certificate.last_seen, certificate.current) == (
        october.snapshot, november.snapshot, True)
    assert Change.objects.filter(host=ovh).count() == 1  # added in October only


def test_october_again_after_november_is_a_new_import_that_reverses_the_changes(october, november):
    result = import_file(sample(OCTOBER), source="again.csv")

    assert result.imported
    pairs = change_pairs(result.snapshot)
    assert ("Estérel Hébergement Santé", Kind.ADDED) in pairs
    assert {("Ventoux Cloud Santé", Kind.REMOVED), ("Hygie Sauvegarde", Kind.REMOVED)} <= pairs
    esterel = by_name("Estérel Hébergement Santé")
    assert (esterel.listed, esterel.removed_in, esterel.last_seen) == (True, None, result.snapshot)
    assert esterel.certificates.get().current is True
    opale = by_name("Opale Datacenter")
    assert list(opale.certificates.filter(current=True).values_list("certificate_number", flat=True)) == [
        "HDS-LNE-2023-0406"]
    assert opale.certificates.count() == 2


# --- The same file twice -------------------------------------------------------------------------


def test_the_same_file_twice_is_a_no_op(october):
    before = table_sizes()
    state = listed_state()
    stored = default_storage.listdir(october.snapshot.raw_file.name.rsplit("/", 1)[0])[1]

    again = import_file(sample(OCTOBER), source="copie.csv")

    assert again.unchanged and not again.imported and not again.rejected
    assert again.snapshot == october.snapshot
    assert (again.counts, again.changed_host_ids, again.listed_hosts) == (NO_CHANGES, frozenset(), 300)
    assert table_sizes() == before
    assert listed_state() == state
    assert default_storage.listdir(october.snapshot.raw_file.name.rsplit("/", 1)[0])[1] == stored


# --- Rejections: nothing changes -----------------------------------------------------------------

REJECTIONS = [
    pytest.param(b"", "empty_file", "Le fichier est vide.", [], id="empty"),
    pytest.param(b"Raison sociale;Activit\xe9s\r\n\r\n", "empty_file",
                 "Le fichier ne contient aucune ligne d'hébergeur après l'en-tête.", [], id="header-only"),
    pytest.param(b"Fournisseur;Adresse\nOVH;Roubaix\n", "no_recognised_columns",
                 "Aucune colonne reconnue dans le fichier. Colonnes attendues, par exemple : « Raison sociale », "
                 "« N° de certificat », « Organisme certificateur », « Activités », « Date de délivrance », "
                 "« Date de fin de validité », « Référentiel », « Page de transparence », « Périmètre ».",
                 [], id="no-columns"),
    pytest.param(b"Raison sociale;Organisme certificateur\nOVH;LNE\n", "missing_required_column",
                 "Colonne obligatoire absente : activités (par exemple « Activités »).", [], id="missing-column"),
    pytest.param(
        csv_list(row("Alpha Santé"), row("Beta Cloud", activities="5, 7"), row("Gamma IT", expires="31/02/2028")),
        "row_errors",
        "2 lignes illisibles : la liste n'a pas été importée, corrigez le fichier ou attendez la prochaine "
        "publication.",
        [{"line": 3, "reason": "colonne « Activités » : activité 7 inconnue dans « 5, 7 » (les activités HDS sont "
                               "numérotées de 1 à 6)"},
         {"line": 4, "reason": "colonne « Date de fin de validité » : « 31/02/2028 » n'est pas une date valide "
                               "(jour ou mois inexistant)"}],
        id="row-errors",
    ),
    pytest.param(
        csv_list(row("Alpha Santé", number="A-1"), row("ALPHA SANTE SAS", number="a 1"),
                 row("Beta Cloud", number=""), row("Beta Cloud", number="", activities="5")),
        "row_errors",
        "2 lignes illisibles : la liste n'a pas été importée, corrigez le fichier ou attendez la prochaine "
        "publication.",
        [{"line": 3, "reason": "même hébergeur et même numéro de certificat (a 1) que la ligne 2 : impossible de "
                               "savoir quelle ligne est la bonne"},
         {"line": 5, "reason": "même hébergeur que la ligne 4, sans numéro de certificat dans les deux cas : "
                               "impossible de savoir quelle ligne est la bonne"}],
        id="duplicates",
    ),
    pytest.param(
        csv_list(row("Alpha Santé", certifier="L" * 201)),
        "row_errors",
        "1 ligne illisible : la liste n'a pas été importée, corrigez le fichier ou attendez la prochaine "
        "publication.",
        [{"line": 2, "reason": "colonne « Organisme certificateur » : 201 caractères, 200 au plus"}],
        id="too-long",
    ),
]


@pytest.mark.parametrize(("data", "code", "reason", "errors"), REJECTIONS)
def test_a_rejected_file_is_kept_with_its_reason_and_the_current_list_stays(october, data, code, reason, errors):
    before = table_sizes()
    state = listed_state()

    result = import_file(data, source="broken.csv", actor_label="task:refresh_registry")

    assert result.rejected and not result.imported
    assert (result.reason_code, result.reason, result.snapshot.errors) == (code, reason, errors)
    assert (result.counts, result.changed_host_ids, result.listed_hosts) == (NO_CHANGES, frozenset(), 300)
    rejected = Snapshot.objects.get(status="rejected")
    assert rejected == result.snapshot
    assert (rejected.source, rejected.reason_code, rejected.reason, rejected.errors, rejected.actor_label) == (
        "broken.csv", code, reason, errors, "task:refresh_registry")
    with default_storage.open(rejected.raw_file.name) as stored:
        assert stored.read() == data
    assert table_sizes() == {**before, "snapshots": before["snapshots"] + 1}
    assert listed_state() == state
    assert current_snapshot() == october.snapshot


def test_a_rejected_file_before_any_list_leaves_nothing_but_its_snapshot(db):
    result = import_file(b"", source="vide.csv")

    assert result.rejected
    assert table_sizes() == {"snapshots": 1, "hosts": 0, "listed": 0, "certificates": 0,
                             "current certificates": 0, "changes": 0}
    assert current_snapshot() is None


def test_row_errors_stored_are_capped_and_the_reason_counts_them_all(db, monkeypatch):
    monkeypatch.setattr(snapshots, "MAX_STORED_ERRORS", 3)
    data = csv_list(*(row(f"Hébergeur {n}", activities="9") for n in range(5)))

    result = import_file(data)

    assert result.reason.startswith("5 lignes illisibles")
    assert [error["line"] for error in result.snapshot.errors] == [2, 3, 4]
    assert result.snapshot.row_count == 5


def without(lines, count):
    return "\r\n".join([sample(OCTOBER).decode("cp1252").splitlines()[0], *lines[count:]]).encode("cp1252")


def test_removing_more_than_the_allowed_share_is_rejected(october):
    before = table_sizes()
    state = listed_state()

    result = import_file(without(sample_lines(), 61), source="short.csv")  # 61 of 300 = 20.3 %

    assert result.rejected
    assert result.reason_code == "too_many_removals"
    assert result.reason == (
        "Cet import retirerait 61 hébergeurs sur les 300 de la liste actuelle (20%), au-delà du maximum de 20% : "
        "le fichier est probablement incomplet. La liste actuelle est conservée."
    )
    assert (result.snapshot.format, result.snapshot.row_count, result.snapshot.errors) == ("csv", 239, [])
    assert table_sizes() == {**before, "snapshots": before["snapshots"] + 1}
    assert listed_state() == state
    assert current_snapshot() == october.snapshot


def test_removing_exactly_the_allowed_share_is_imported(october):
    result = import_file(without(sample_lines(), 60), source="short.csv")  # 60 of 300 = 20 %

    assert result.imported
    assert result.counts[Kind.REMOVED] == 60
    assert result.listed_hosts == 240


def test_the_allowed_share_comes_from_settings_or_the_caller(october, settings):
    settings.REGISTRY_MAX_REMOVED_SHARE = 0.05
    assert import_file(without(sample_lines(), 16)).reason_code == "too_many_removals"

    result = import_file(without(sample_lines(), 16), max_removed_share=0.10)

    assert result.imported
    assert result.counts[Kind.REMOVED] == 16


def test_a_failure_while_writing_leaves_nothing_behind(october, monkeypatch):
    before = table_sizes()
    state = listed_state()
    stored_before = set(default_storage.listdir(october.snapshot.raw_file.name.rsplit("/", 1)[0])[1])

    insert_rows = writing.insert_rows

    def fail_on_changes(model, rows):  # hosts and certificates are written by then
        if model is Change:
            raise RuntimeError("disk full")
        insert_rows(model, rows)

    monkeypatch.setattr(writing, "insert_rows", fail_on_changes)
    with pytest.raises(RuntimeError, match="disk full"):
        import_sample(NOVEMBER)

    assert table_sizes() == before
    assert listed_state() == state
    assert set(default_storage.listdir(october.snapshot.raw_file.name.rsplit("/", 1)[0])[1]) == stored_before


# --- Each change kind, on small lists ------------------------------------------------------------

BASE = [
    row("Alpha Santé SAS", activities="1 à 4", certifier="LNE", number="HDS-LNE-2025-0001"),
    row("Beta Cloud", activities="5", certifier="SGS", number="FR25/00002"),
    row("Gamma Sauvegarde", activities="6", certifier="DEKRA", number="DEKRA.HDS.25.0003"),
    row("Delta Infogérance", activities="5, 6", certifier="BSI", number="HDS 000004"),
    row("Epsilon Data", activities="1, 2", certifier="LSTI", number="LSTI-HDS-2025-005"),
]


def import_lines(lines, **kwargs):
    result = import_file(csv_list(*lines), **kwargs)
    assert result.imported, result.reason
    return result


@pytest.fixture
def base(db):
    return import_lines(BASE)


def changes_of(result):
    return sorted((change.host.name, change.kind) for change in
                  Change.objects.filter(snapshot=result.snapshot).select_related("host"))


@pytest.mark.parametrize(("edited", "expected"), [
    (row("Alpha Santé SAS", activities="1, 2, 3", number="HDS-LNE-2025-0001"), [Kind.ACTIVITIES_CHANGED]),
    (row("Alpha Santé SAS", activities="1 à 4", number="HDS-LNE-2025-0001", expires="30/01/2028"),
     [Kind.DATES_CHANGED]),
    (row("Alpha Santé SAS", activities="1 à 4", certifier="Bureau Veritas Certification",
         number="HDS-LNE-2025-0001"), [Kind.CERTIFIER_CHANGED]),
    (row("Alpha Santé SAS", activities="1 à 4", number="HDS-LNE-2025-0099"), [Kind.CERTIFICATE_CHANGED]),
    (row("Alpha Santé SAS", activities="1 à 4", number="HDS-LNE-2025-0001", version="V1"),
     [Kind.CERTIFICATE_CHANGED]),
    (row("Alpha Santé SAS", activities="1 à 4", number="HDS-LNE-2025-0001", url="https://alpha.fr/transparence"),
     [Kind.CERTIFICATE_CHANGED]),
    (row("Alpha Santé SAS", activities="1 à 6", certifier="AFNOR Certification", number="AFNOR 2026/1",
         issued="01/01/2026", expires="31/12/2028"),
     [Kind.ACTIVITIES_CHANGED, Kind.CERTIFICATE_CHANGED, Kind.CERTIFIER_CHANGED, Kind.DATES_CHANGED]),
])
def test_each_kind_of_modification(base, edited, expected):
    result = import_lines([edited, *BASE[1:]])

    assert changes_of(result) == [("Alpha Santé SAS", kind) for kind in sorted(expected)]
    assert result.counts == {**NO_CHANGES, **dict.fromkeys(expected, 1)}
    assert result.changed_host_ids == {by_name("Alpha Santé SAS").pk}
    assert result.snapshot.changed_count == 1


def test_spelling_changes_that_keep_the_same_meaning_are_not_changes(base):
    alpha = row("ALPHA SANTÉ S.A.S.", activities="1, 2, 3, 4", number="hds lne 2025 0001",
                issued="2025-02-01", expires="2028-01-31")

    result = import_lines([alpha, *BASE[1:]])

    assert changes_of(result) == []
    assert result.changed_host_ids == frozenset()
    host = CertifiedHost.objects.get(normalised_name="alpha sante")
    assert (host.name, host.certificates.get().certificate_number) == ("ALPHA SANTÉ S.A.S.", "hds lne 2025 0001")


def test_a_new_host_is_added(base):
    result = import_lines([*BASE, row("Zeta Hébergement", number="Z-6")])

    assert changes_of(result) == [("Zeta Hébergement", Kind.ADDED)]
    zeta = by_name("Zeta Hébergement")
    assert (zeta.first_seen, zeta.last_seen, zeta.listed) == (result.snapshot, result.snapshot, True)
    assert result.changed_host_ids == {zeta.pk}


def test_a_host_absent_from_the_list_is_removed(base):
    result = import_lines(BASE[:4], max_removed_share=0.5)

    assert changes_of(result) == [("Epsilon Data", Kind.REMOVED)]
    epsilon = by_name("Epsilon Data")
    assert (epsilon.listed, epsilon.removed_in, epsilon.last_seen) == (False, result.snapshot, base.snapshot)
    assert epsilon.certificates.get().current is False


def test_a_removed_host_that_comes_back_is_added_again(base):
    import_lines(BASE[:4], max_removed_share=0.5)

    result = import_lines(BASE)

    assert changes_of(result) == [("Epsilon Data", Kind.ADDED)]
    epsilon = by_name("Epsilon Data")
    assert (epsilon.listed, epsilon.removed_in, epsilon.first_seen) == (True, None, base.snapshot)
    assert list(epsilon.certificates.values_list("current", "last_seen")) == [(True, result.snapshot.pk)]


def test_a_host_published_under_a_new_name_with_its_certificate_number_is_renamed(base):
    renamed = row("Beta Cloud Santé", activities="5", certifier="SGS", number="FR25/00002")

    result = import_lines([BASE[0], renamed, *BASE[2:]])

    host = CertifiedHost.objects.get(normalised_name="beta cloud sante")
    assert changes_of(result) == [("Beta Cloud Santé", Kind.RENAMED)]
    change = Change.objects.get(snapshot=result.snapshot)
    assert (change.before["name"], change.after["name"]) == ("Beta Cloud", "Beta Cloud Santé")
    assert (host.first_seen, host.listed, CertifiedHost.objects.count()) == (base.snapshot, True, 5)
    assert host.certificates.get().first_seen == base.snapshot


def test_a_certificate_number_claimed_by_two_new_names_is_not_a_rename(base):
    first = row("Beta Cloud Santé", activities="5", certifier="SGS", number="FR25/00002")
    second = row("Beta Cloud Europe", activities="5", certifier="SGS", number="FR25/00002")

    result = import_lines([BASE[0], first, second, *BASE[2:]], max_removed_share=0.5)

    assert changes_of(result) == [("Beta Cloud", Kind.REMOVED), ("Beta Cloud Europe", Kind.ADDED),
                                  ("Beta Cloud Santé", Kind.ADDED)]


def test_a_host_may_hold_several_certificates(db):
    result = import_lines([
        row("Alpha Santé", activities="1, 2", certifier="LNE", number="A-1"),
        row("Alpha Santé SAS", activities="5", certifier="SGS", number="A-2", expires="31/01/2029"),
    ])

    alpha = by_name("Alpha Santé")
    assert list(alpha.certificates.order_by("certificate_number").values_list("certificate_number", "current")) == [
        ("A-1", True), ("A-2", True)]
    assert Change.objects.get(snapshot=result.snapshot).after["activities"] == [1, 2, 5]

    result = import_lines([row("Alpha Santé", activities="1, 2", certifier="LNE", number="A-1")])

    assert changes_of(result) == [("Alpha Santé", Kind.ACTIVITIES_CHANGED), ("Alpha Santé", Kind.CERTIFICATE_CHANGED),
                                  ("Alpha Santé", Kind.CERTIFIER_CHANGED), ("Alpha Santé", Kind.DATES_CHANGED)]
    assert list(alpha.certificates.order_by("certificate_number").values_list("certificate_number", "current")) == [
        ("A-1", True), ("A-2", False)]


def test_a_transparency_page_that_is_not_a_web_address_is_left_blank(db):
    import_lines([
        row("Alpha Santé", number="A-1", url="Non communiquée"),
        row("Beta Cloud", number="B-1", url="www.beta-cloud.fr/hds"),
        row("Gamma IT", number="C-1", url="javascript:alert(1)"),
    ])

    assert dict(HostCertificate.objects.values_list("certificate_number", "transparency_url")) == {
        "A-1": "", "B-1": "https://www.beta-cloud.fr/hds", "C-1": ""}


# --- Cost and side effects -----------------------------------------------------------------------


def test_an_import_costs_a_bounded_number_of_queries_whatever_the_rows(october):
    with CaptureQueriesContext(connection) as queries:
        import_sample(NOVEMBER)

    # 301 rows, 16 hosts changed: a per-row query would need hundreds.
    assert len(queries) <= 30, [query["sql"][:80] for query in queries]


def test_the_fan_out_is_recorded_with_the_snapshot_only_when_hosts_changed(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = import_sample(OCTOBER)
        assert list(OutboxMessage.objects.values_list("task_name", "args", "dispatched_at")) == [
            ("registry.tasks.after_import", [first.snapshot.pk], None)]
    assert OutboxMessage.objects.get().dispatched_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        import_sample(OCTOBER)  # unchanged
        import_file(b"")  # rejected
        same_rows = import_file(sample(OCTOBER).replace(b"\r\n", b"\n"), source="same-rows.csv")
    assert (same_rows.imported, same_rows.changed_host_ids) == (True, frozenset())  # imported, nothing changed
    assert list(OutboxMessage.objects.values_list("task_name", "args")) == [
        ("registry.tasks.after_import", [first.snapshot.pk])]


@pytest.fixture
def after_import_runs(monkeypatch):
    """The snapshots ``registry.tasks.after_import`` ran for (it starts by reading their changes)."""
    runs = []
    changed_host_ids = selectors.changed_host_ids

    def recorded(snapshot_id):
        runs.append(snapshot_id)
        return changed_host_ids(snapshot_id)

    monkeypatch.setattr(selectors, "changed_host_ids", recorded)
    return runs


@pytest.fixture
def tasks_in_process():
    """The embedded mode (``CELERY_TASK_ALWAYS_EAGER``): a task sent runs at once, in this process."""
    conf = current_app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = saved


def assert_imported_and_kept(result):
    """The import succeeded and committed: its snapshot, its raw file and its pending fan-out."""
    assert (result.status, result.counts[Kind.ADDED]) == ("imported", 300)
    snapshot = Snapshot.objects.get()
    assert (snapshot.pk, snapshot.status, current_snapshot()) == (result.snapshot.pk, "imported", snapshot)
    assert default_storage.open(snapshot.raw_file.name).read() == sample(OCTOBER)
    assert CertifiedHost.objects.filter(listed=True).count() == 300
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args, message.dispatched_at, message.attempts) == (
        "registry.tasks.after_import", [snapshot.pk], None, 1)
    return message


def test_an_import_whose_fan_out_finds_the_broker_down_succeeds_and_the_relay_sends_it_later(
    transactional_db, after_import_runs,
):
    # No test transaction around the import: its own transaction commits, then the fan-out is sent.
    with broker("redis://127.0.0.1:1/0"):  # not eager, and nothing listens on port 1
        result = import_sample(OCTOBER)

    message = assert_imported_and_kept(result)
    assert message.last_error.startswith("OperationalError: ")
    assert after_import_runs == []

    assert outbox.relay_pending(ignore_backoff=True) == 1

    assert after_import_runs == [result.snapshot.pk]
    message.refresh_from_db()
    assert (message.dispatched_at is not None, message.attempts, message.last_error) == (True, 2, "")
    assert default_storage.exists(result.snapshot.raw_file.name)


def test_an_import_whose_fan_out_fails_in_process_succeeds_and_the_relay_runs_it_again(
    transactional_db, after_import_runs, tasks_in_process, monkeypatch,
):
    def unavailable(snapshot_id):
        after_import_runs.append(snapshot_id)
        raise RuntimeError("database of the organisations unavailable")

    with monkeypatch.context() as failing:
        failing.setattr(selectors, "changed_host_ids", unavailable)
        result = import_sample(OCTOBER)

    message = assert_imported_and_kept(result)
    assert message.last_error == "RuntimeError: database of the organisations unavailable"
    assert after_import_runs == [result.snapshot.pk]

    assert outbox.relay_pending(ignore_backoff=True) == 1

    assert after_import_runs == [result.snapshot.pk, result.snapshot.pk]
    message.refresh_from_db()
    assert (message.dispatched_at is not None, message.attempts, message.last_error) == (True, 2, "")
    assert default_storage.exists(result.snapshot.raw_file.name)


def test_raw_files_are_deleted_only_when_their_transaction_did_not_commit(transactional_db):
    with pytest.raises(RuntimeError, match="before the commit"):
        with snapshots.raw_files_kept_once_committed() as stored:
            rolled_back = default_storage.save("registry/snapshots/rolled-back.csv", ContentFile(b"a"))
            stored.append(rolled_back)
            raise RuntimeError("failed before the commit")

    def fail_after_commit():
        raise RuntimeError("failed after the commit")

    with pytest.raises(RuntimeError, match="after the commit"):
        with snapshots.raw_files_kept_once_committed() as stored:
            committed = default_storage.save("registry/snapshots/committed.csv", ContentFile(b"b"))
            stored.append(committed)
            transaction.on_commit(fail_after_commit)

    assert (default_storage.exists(rolled_back), default_storage.exists(committed)) == (False, True)


def test_the_demo_imports_the_october_list_once(db):
    context = DemoContext(owner=None, actor=Actor.system("demo"))

    demo_data.load(context)
    demo_data.load(context)

    snapshot = Snapshot.objects.get()
    assert (snapshot.source, snapshot.status, snapshot.actor_label) == (OCTOBER, "imported", "demo")
    assert CertifiedHost.objects.filter(listed=True).count() == 300
