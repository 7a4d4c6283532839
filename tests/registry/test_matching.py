import pytest

from registry.matching import (
    NameMatch,
    normalise_certificate_number,
    normalise_name,
    rank_names,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("OVH SAS", "ovh"),
        ("Clever Cloud S.A.S.", "clever cloud"),
        ("Clever Cloud S.A.S", "clever cloud"),
        ("Société Générale", "societe generale"),
        ("  Scaleway  ", "scaleway"),
        ("SAS Dupont & Fils", "dupont fils"),
        ("Médoc Numérique S.A.R.L.", "medoc numerique"),
        ("Azur IT SASU", "azur it"),
        ("Hébergement Côte d’Opale EURL", "hebergement cote d opale"),
        ("Cegedim SA", "cegedim"),
        ("Atos SE", "atos"),
        ("Amazon Web Services EMEA SARL", "amazon web services emea"),
        ("Microsoft Ireland Operations Limited", "microsoft ireland operations"),
        ("Oracle Corp.", "oracle"),
        ("IBM Corporation", "ibm"),
        ("Example Inc.", "example"),
        ("Example Ltd", "example"),
        ("Beispiel GmbH", "beispiel"),
        ("Voorbeeld B.V.", "voorbeeld"),
        ("Esempio S.p.A.", "esempio"),
        ("Esempio SRL", "esempio"),
        ("Example LLC", "example"),
        ("Santé Connect GIE", "sante connect"),
        ("Durand SNC", "durand"),
        ("Durand SCA", "durand"),
        ("Durand SCS", "durand"),
        ("Groupe Cegedim", "groupe cegedim"),
        ("3DS Outscale", "3ds outscale"),
        ("InfoGérance Médicale", "infogerance medicale"),
        ("Cœur-Santé", "coeur sante"),
        ("E.Leclerc", "e leclerc"),
        ("SA", "sa"),
        ("", ""),
    ],
)
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("HDS-LNE-2024-0123", "HDSLNE20240123"),
        ("hds lne 2024 0123", "HDSLNE20240123"),
        ("AFNOR 2023/78901", "AFNOR202378901"),
        ("dekra.hds.24.0311", "DEKRAHDS240311"),
        ("BV_HDS_0456", "BVHDS0456"),
        (" FR25/80412 ", "FR2580412"),
        ("", ""),
    ],
)
def test_normalise_certificate_number(number, expected):
    assert normalise_certificate_number(number) == expected


HOSTS = [
    (1, "ovh"),
    (2, "clever cloud"),
    (3, "scaleway"),
    (4, "scalingo"),
    (5, "datacenter lumiere"),
    (6, "sauvegarde sante services"),
    (7, "infogerance medicale"),
    (8, "amazon web services emea"),
]


@pytest.mark.parametrize(
    ("name", "key", "candidate"),
    [
        ("OVH SAS", 1, "ovh"),
        ("ovh", 1, "ovh"),
        ("Clever-Cloud S.A.S.", 2, "clever cloud"),
        ("Datacenter Lumière", 5, "datacenter lumiere"),
        ("INFOGÉRANCE MÉDICALE SARL", 7, "infogerance medicale"),
    ],
)
def test_rank_names_equal_normalised_name_scores_100_first(name, key, candidate):
    matches = rank_names(name, HOSTS)

    assert matches[0] == NameMatch(key=key, name=candidate, score=100.0)


def test_rank_names_fuzzy_suggestions_above_the_threshold():
    [scaleway] = rank_names("Scalway", HOSTS)
    assert (scaleway.key, scaleway.name) == (3, "scaleway")
    assert scaleway.score == pytest.approx(93.3333, abs=0.0001)
    assert rank_names("OVHcloud", HOSTS) == [NameMatch(key=1, name="ovh", score=90.0)]
    assert rank_names("Amazon Web Services", HOSTS) == [
        NameMatch(key=8, name="amazon web services emea", score=95.0),
    ]
    assert rank_names("Sauvegarde Santé", HOSTS) == [
        NameMatch(key=6, name="sauvegarde sante services", score=90.0),
    ]


@pytest.mark.parametrize("name", ["Boulangerie Martin", "AWS", "Cabinet médical du Parc", "", "  "])
def test_rank_names_excludes_unrelated_names(name):
    assert rank_names(name, HOSTS) == []


def test_rank_names_sorted_by_score_then_name_and_limited():
    candidates = [
        ("s", "azur data services"),
        ("c", "azur data cloud"),
        ("a", "azur data"),
        ("x", "armor data"),
        ("b", "bretagne cloud"),
    ]

    matches = rank_names("Azur Data SAS", candidates)

    assert [(match.key, match.name, match.score) for match in matches] == [
        ("a", "azur data", 100.0),
        ("c", "azur data cloud", 90.0),
        ("s", "azur data services", 90.0),
    ]
    assert [match.key for match in rank_names("Azur Data SAS", candidates, limit=2)] == ["a", "c"]
    assert [match.key for match in rank_names("Azur Data", candidates, min_score=70.0)] == [
        "a", "c", "s", "x"
    ]


def test_rank_names_min_score_is_inclusive():
    candidates = [("n", "nerix")]

    assert rank_names("Nerim", candidates) == [NameMatch(key="n", name="nerix", score=80.0)]
    assert rank_names("Nerim", candidates, min_score=80.1) == []


def test_rank_names_keys_are_kept_as_given_and_empty_candidates_ignored():
    key = ("host", 42)

    assert rank_names("Scalingo", [(key, "scalingo"), ("empty", "")]) == [
        NameMatch(key=key, name="scalingo", score=100.0)
    ]
    assert rank_names("Scalingo", []) == []
