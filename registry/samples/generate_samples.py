"""Write the synthetic samples of the ANS list of HDS-certified hosts.

Run from the project root: `python -m registry.samples.generate_samples`. The output is the same
on every run (seeded), so a change to this script shows as a reviewable diff of the samples.

Host names mix published names of well-known hosts with invented ones; certificate numbers, dates,
transparency pages and scopes are invented (see README.md next to this file).
"""

import csv
import dataclasses
import io
import json
import random
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl

from registry.matching import normalise_certificate_number, normalise_name

SEED = 20261031
OUTPUT_DIR = Path(__file__).resolve().parent
OCTOBER_FILE = "ans_hosts_2026-10.csv"
NOVEMBER_FILE = "ans_hosts_2026-11.csv"
JSON_FILE = "ans_hosts_sample.json"
XLSX_FILE = "ans_hosts_sample.xlsx"

OCTOBER_SIZE = 300
FORMAT_SAMPLE_SIZE = 30
# The product's "today" in demos and tests; expiry bands are placed relative to it.
REFERENCE_DAY = date(2026, 11, 28)
V2_PUBLISHED = date(2024, 5, 16)
V1_LAST_ISSUE = date(2024, 11, 15)  # new applicants must use v2 from 16 November 2024
LAST_OCTOBER_ISSUE = date(2026, 10, 15)

CSV_HEADER = (
    "Raison sociale",
    "Activités",
    "Organisme certificateur",
    "N° de certificat",
    "Référentiel",
    "Date de délivrance",
    "Date de fin de validité",
    "Page de transparence",
    "Périmètre",
)
XLSX_HEADER = (
    "Nom de l'hébergeur",
    "Activities",
    "Certifying body",
    "Numéro de certificat",
    "Version du référentiel",
    "Issue date",
    "Date d'expiration",
    "Transparency page",
    "Scope",
    "Commentaire",
)

ALL = frozenset(range(1, 7))
CERTIFIER_WEIGHTS = {
    "AFNOR Certification": 25,
    "Bureau Veritas Certification": 22,
    "LSTI": 12,
    "BSI": 12,
    "LNE": 12,
    "SGS": 10,
    "DEKRA": 7,
}
ACTIVITY_SET_WEIGHTS = {
    ALL: 18,
    frozenset({5}): 16,
    frozenset({3, 4, 5, 6}): 12,
    frozenset({5, 6}): 10,
    frozenset({1, 2}): 9,
    frozenset({1, 2, 3, 4}): 8,
    frozenset({6}): 6,
    frozenset({3, 4, 5}): 5,
    frozenset({4, 5, 6}): 5,
    frozenset({1, 2, 3}): 4,
    frozenset({2, 3, 4, 5, 6}): 4,
    frozenset({1, 2, 3, 4, 6}): 3,
}

# Published names of well-known hosts, with an activity set chosen for the sample (not a claim
# about their real certificates).
WELL_KNOWN_HOSTS = {
    "3DS Outscale": frozenset({1, 2, 3, 4}),
    "Adista": ALL,
    "Amazon Web Services EMEA SARL": frozenset({1, 2, 3, 4}),
    "Atos France": frozenset({3, 4, 5, 6}),
    "Berger-Levrault": frozenset({5, 6}),
    "Bull SAS": ALL,
    "Capgemini Technology Services": frozenset({5, 6}),
    "Cegedim SA": ALL,
    "Celeste": frozenset({1, 2}),
    "Cheops Technology": ALL,
    "Claranet": frozenset({3, 4, 5, 6}),
    "Cloud Temple": ALL,
    "Coreye": ALL,
    "Data4 Services": frozenset({1, 2}),
    "Dedalus France": frozenset({5}),
    "Docaposte": ALL,
    "Doctolib": frozenset({5}),
    "Econocom Infogérance Systèmes": frozenset({5}),
    "Enovacom": frozenset({5}),
    "Equinix France": frozenset({1, 2}),
    "Euclyde Data Centers": frozenset({1, 2, 3}),
    "Evolucare Technologies": frozenset({5}),
    "Exaion": ALL,
    "Google Cloud France SARL": frozenset({1, 2, 3, 4}),
    "Hexanet": frozenset({2, 3, 4, 5, 6}),
    "IBM France": ALL,
    "Ikoula": ALL,
    "Inetum": frozenset({3, 4, 5, 6}),
    "Interxion France": frozenset({1, 2}),
    "Jaguar Network": frozenset({1, 2, 3}),
    "Kyndryl France": frozenset({5, 6}),
    "Lifen": frozenset({5}),
    "Linkbynet": frozenset({3, 4, 5, 6}),
    "Maincare Solutions": frozenset({5, 6}),
    "Microsoft Ireland Operations Limited": ALL,
    "Nerim": frozenset({1, 2, 3}),
    "Nexedi": frozenset({4, 5, 6}),
    "NumSpot": frozenset({1, 2, 3, 4}),
    "Oracle France": frozenset({1, 2, 3, 4}),
    "Orange Business Services": ALL,
    "Osiatis": frozenset({5}),
    "Sewan": frozenset({3, 4, 5}),
    "Sigma Informatique": ALL,
    "Softway Medical": frozenset({5, 6}),
    "Sopra Steria Group": frozenset({3, 4, 5, 6}),
    "Thésée DataCenter": frozenset({1, 2}),
    "Waycom": frozenset({3, 4, 5}),
    "Worldline": frozenset({3, 4, 5, 6}),
}

# Invented names that the changes between the two versions apply to (see README.md).
RENEWED_SAME_NUMBER = (
    "Armor Data Services",
    "Cévennes Infogérance",
    "Galien Systèmes SAS",
    "Hippocrate Cloud",
    "Iroise Hébergement",
    "Médoc Numérique SARL",
)
RENEWED_NEW_NUMBER = (
    "Opale Datacenter",
    "Pasteur IT",
    "Quercy Informatique",
    "Vercors Solutions",
)
WITHDRAWN = "Estérel Hébergement Santé"
ADDED = ("Ventoux Cloud Santé", "Hygie Sauvegarde")
ACTIVITY_ADDED = "Béarn Infogérance"
CERTIFIER_CHANGED = "Camargue Data"
NARROWED = "Loire Hosting"
WITHOUT_TRANSPARENCY_PAGE = ("Artois Numérique", "Velay Systèmes", "Sologne Informatique")

PLACE_WORDS = (
    "Alpes", "Aquitaine", "Ardennes", "Atlantique", "Auvergne", "Azur", "Beauce", "Bretagne",
    "Brie", "Champagne", "Charente", "Corsica", "Dauphiné", "Flandre", "Garonne", "Gascogne",
    "Hainaut", "Jura", "Limousin", "Lorraine", "Méditerranée", "Mont-Blanc", "Morvan",
    "Normandie", "Occitanie", "Oise", "Périgord", "Picardie", "Poitou", "Provence", "Pyrénées",
    "Rhône", "Sarthe", "Savoie", "Seine", "Touraine", "Vendée", "Vosges", "Asclépios", "Esculape",
    "Hygiée", "Panacée", "Avicenne", "Vésale", "Paré", "Laennec", "Bichat", "Calmette", "Pinel",
)
NAME_WORDS_BY_PROFILE = {
    "physical": ("Datacenter", "Data Centers", "Colocation", "Infra", "Réseaux", "Télécom"),
    "cloud": ("Cloud", "Hébergement", "Hosting", "Data", "Numérique", "IT", "Cloud Santé"),
    "managed": (
        "Infogérance", "Services", "Informatique", "Systèmes", "Solutions", "Médical IT",
        "e-Santé", "Digital", "Technologies", "Santé Connect",
    ),
    "backup": ("Sauvegarde", "Backup", "Archives Numériques", "Sauvegarde Santé"),
}
LEGAL_FORM_WEIGHTS = {"": 60, "SAS": 14, "SARL": 7, "S.A.S.": 5, "SA": 5, "SASU": 4, "EURL": 2,
                      "S.A.R.L.": 3}
CITIES = (
    "Paris", "Lyon", "Lille", "Marseille", "Bordeaux", "Toulouse", "Nantes", "Rennes",
    "Strasbourg", "Montpellier", "Nice", "Grenoble", "Dijon", "Clermont-Ferrand", "Rouen", "Reims",
    "Tours", "Limoges", "Brest", "Caen", "Metz", "Nancy", "Orléans", "Angers", "Poitiers", "Pau",
    "Besançon", "Amiens", "Perpignan", "Roubaix", "Gravelines", "Saint-Denis", "Aubervilliers",
    "Marcoussis", "Val-de-Reuil",
)


@dataclass(frozen=True)
class Host:
    """One row of a published list, with the notations it is written in."""

    name: str
    activities: frozenset[int]
    activities_text: str
    certifier: str
    certificate_number: str
    referential: str
    issued_on: date
    expires_on: date
    iso_dates: bool
    transparency_url: str
    scope: str


# Hosts other tests and demos rely on: every field is written out.
FIXED_HOSTS = (
    Host("OVH SAS", ALL, "1 à 6", "LNE", "HDS-LNE-2024-0042", "V2", date(2024, 6, 14),
         date(2027, 6, 13), False, "https://www.ovh.fr/hds/transparence",
         "Hébergement et infogérance de l’offre cloud de confiance : datacenters de Roubaix ; "
         "Gravelines ; Strasbourg"),
    Host("Scaleway", frozenset({1, 2, 3, 4}), "1, 2, 3, 4", "AFNOR Certification",
         "AFNOR 2025/40317", "V2", date(2025, 3, 3), date(2028, 3, 2), False,
         "https://www.scaleway.fr/hds/transparence",
         "Infrastructures physiques et virtuelles, plateforme d’hébergement (régions fr-par)"),
    Host("Clever Cloud", ALL, "1 à 6", "Bureau Veritas Certification", "BV-HDS-0456", "V2",
         date(2024, 12, 20), date(2027, 12, 19), False,
         "https://www.clever-cloud.fr/hds/transparence",
         "Plateforme d’hébergement applicatif et services managés, datacenters de Paris"),
    Host("Scalingo", ALL, "1,2,3,4,5,6", "LNE", "HDS-LNE-2025-0088", "V2", date(2025, 2, 10),
         date(2028, 2, 9), False, "https://scalingo.fr/transparence-hds",
         "Plateforme d’hébergement applicatif (PaaS), régions osc-fr1 et osc-secnum-fr1"),
    Host("Datacenter Lumière SAS", frozenset({1, 2}), "1 et 2", "SGS", "FR25/80412", "V2",
         date(2025, 4, 22), date(2028, 4, 21), False,
         "https://www.datacenter-lumiere.fr/hds/transparence",
         "Hébergement physique des infrastructures – datacenter de Lyon"),
    Host("Sauvegarde Santé Services", frozenset({6}), "6", "DEKRA", "DEKRA.HDS.24.0311", "V2",
         date(2024, 9, 2), date(2027, 9, 1), False,
         "https://www.sauvegarde-sante-services.fr/hds/transparence",
         "Sauvegarde externalisée des données de santé, site secondaire à Nantes"),
    Host("InfoGérance Médicale", frozenset({5, 6}), "5 et 6", "LSTI", "LSTI-HDS-2025-214",
         "V2", date(2025, 7, 7), date(2028, 7, 6), False,
         "https://www.infogerance-medicale.fr/hds/transparence",
         "Administration, exploitation et sauvegarde des systèmes d’information de santé"),
)


def three_years_from(issued_on: date) -> date:
    return issued_on.replace(year=issued_on.year + 3) - timedelta(days=1)


def of(city: str) -> str:
    """French "de", elided before a vowel: "de Lyon", "d’Angers"."""
    return f"d’{city}" if city[0] in "AEIOUÉ" else f"de {city}"


def profile(activities: frozenset[int]) -> str:
    if activities == {6}:
        return "backup"
    if activities <= {1, 2, 3}:
        return "physical"
    if 3 in activities and (1 in activities or 2 in activities):
        return "cloud"
    return "managed"


class SampleBuilder:
    """Draws the invented parts of the rows, keeping names and certificate numbers unique."""

    def __init__(self, seed: int):
        # Seeded for reproducible sample data, not for anything secret.
        self.rng = random.Random(seed)  # noqa: S311
        self.names: set[str] = set()
        self.numbers: set[str] = set()

    def pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def claim_name(self, name: str) -> bool:
        key = normalise_name(name)
        if key in self.names:
            return False
        self.names.add(key)
        return True

    def invented_name(self, activities: frozenset[int]) -> str:
        while True:
            place = self.rng.choice(PLACE_WORDS)
            word = self.rng.choice(NAME_WORDS_BY_PROFILE[profile(activities)])
            pattern = self.rng.randint(1, 10)
            if pattern == 1:
                name = f"{place}-{word}"
            elif pattern == 2:
                name = f"L’Hébergeur {place}" if profile(activities) != "backup" else f"{place} {word}"
            elif pattern == 3:
                initials = "".join(self.rng.choice("ABCDEFGHIJKLMNPRSTV") for _ in range(3))
                name = f"{initials} {word}"
            elif pattern == 4:
                name = f"Groupe {place} {word}"
            else:
                name = f"{place} {word}"
            legal_form = self.pick(LEGAL_FORM_WEIGHTS)
            name = f"{name} {legal_form}".strip()
            if self.claim_name(name):
                return name

    def certificate_number(self, certifier: str, issued_on: date) -> str:
        year, rng = issued_on.year, self.rng
        formats = {
            "AFNOR Certification": lambda: f"AFNOR {year}/{rng.randint(10000, 99999)}",
            "Bureau Veritas Certification": lambda: f"BV-HDS-{rng.randint(1, 9999):04d}",
            "LSTI": lambda: f"LSTI-HDS-{year}-{rng.randint(100, 999)}",
            "BSI": lambda: f"HDS {rng.randint(700000, 799999)}",
            "LNE": lambda: f"HDS-LNE-{year}-{rng.randint(1, 9999):04d}",
            "SGS": lambda: f"FR{year % 100:02d}/{rng.randint(10000, 99999)}",
            "DEKRA": lambda: f"DEKRA.HDS.{year % 100:02d}.{rng.randint(1, 9999):04d}",
        }
        while True:
            number = formats[certifier]()
            if normalise_certificate_number(number) not in self.numbers:
                self.numbers.add(normalise_certificate_number(number))
                return number

    def activities_text(self, activities: frozenset[int]) -> str:
        numbers = sorted(activities)
        first, last = numbers[0], numbers[-1]
        contiguous = numbers == list(range(first, last + 1))
        options = [", ".join(map(str, numbers)), ",".join(map(str, numbers))]
        if len(numbers) == 1:
            options += [str(first), str(first), f"Activité {first}"]
        elif len(numbers) == 2:
            options += [f"{first} et {last}", f"{first};{last}", f"{first}/{last}"]
        else:
            options += [
                f"Activités {' '.join(map(str, numbers))}",
                ";".join(map(str, numbers)),
                "/".join(map(str, numbers)),
            ]
        if contiguous and len(numbers) >= 3:
            options += [f"{first} à {last}"] * 3 + [f"{first}-{last}", f"{first} – {last}",
                                                    f"{first} a {last}"]
        if activities == ALL:
            options.append("Toutes (1 à 6)")
        if activities == {1, 2, 3, 4, 6}:
            options = ["1-4 et 6", "1 à 4 et 6", "1, 2, 3, 4, 6"]
        return self.rng.choice(options)

    def scope(self, name: str, activities: frozenset[int]) -> str:
        city, other_city = self.rng.sample(CITIES, 2)
        brand = " ".join(word for word in name.split() if word not in LEGAL_FORM_WEIGHTS)
        return {
            "physical": f"Hébergement physique des infrastructures – datacenter {of(city)}",
            "cloud": f"Offre cloud de santé « {brand} » : datacenters {of(city)} ; {other_city}",
            "managed": f"Infogérance des plateformes de données de santé « {brand} » ({city})",
            "backup": f"Sauvegarde externalisée des données de santé, site secondaire à {city}",
        }[profile(activities)]

    def transparency_url(self, name: str) -> str:
        slug = re.sub(r"\s+", "-", normalise_name(name))
        return self.rng.choice((
            f"https://www.{slug}.fr/hds/transparence",
            f"https://{slug}.fr/transparence-hds",
            f"https://www.{slug}.com/fr/hds-transparence",
        ))

    def referential_text(self, issued_on: date) -> str:
        if issued_on < V2_PUBLISHED or (issued_on <= V1_LAST_ISSUE and self.rng.random() < 0.2):
            return "V1"
        return self.pick({"V2": 93, "HDS v2": 4, "2024": 3})

    def host(
        self,
        name: str,
        activities: frozenset[int],
        issued_on: date,
        *,
        certifier: str | None = None,
        referential: str | None = None,
        with_transparency_page: bool = True,
    ) -> Host:
        certifier = certifier or self.pick(CERTIFIER_WEIGHTS)
        return Host(
            name=name,
            activities=activities,
            activities_text=self.activities_text(activities),
            certifier=certifier,
            certificate_number=self.certificate_number(certifier, issued_on),
            referential=referential or self.referential_text(issued_on),
            issued_on=issued_on,
            expires_on=three_years_from(issued_on),
            iso_dates=self.rng.random() < 0.12,
            transparency_url=self.transparency_url(name) if with_transparency_page else "",
            scope=self.scope(name, activities),
        )

    def recent_issue_day(self) -> date:
        return self.day_between(V2_PUBLISHED, LAST_OCTOBER_ISSUE)


def october_hosts(builder: SampleBuilder) -> list[Host]:
    hosts = list(FIXED_HOSTS)
    for host in FIXED_HOSTS:
        builder.claim_name(host.name)
        builder.numbers.add(normalise_certificate_number(host.certificate_number))
    for name in [*WELL_KNOWN_HOSTS, *RENEWED_SAME_NUMBER, *RENEWED_NEW_NUMBER, WITHDRAWN, *ADDED,
                 ACTIVITY_ADDED, CERTIFIER_CHANGED, NARROWED, *WITHOUT_TRANSPARENCY_PAGE]:
        if not builder.claim_name(name):
            raise ValueError(f"duplicate sample name: {name}")
    for name, activities in WELL_KNOWN_HOSTS.items():
        hosts.append(builder.host(name, activities, builder.day_between(
            V1_LAST_ISSUE + timedelta(days=1), LAST_OCTOBER_ISSUE)))

    # Certificates that expire before the November list unless renewed: issued in November 2023.
    for name in (*RENEWED_SAME_NUMBER, *RENEWED_NEW_NUMBER):
        activities = builder.pick(ACTIVITY_SET_WEIGHTS)
        hosts.append(builder.host(name, activities,
                                  builder.day_between(date(2023, 11, 4), date(2023, 11, 28))))
    hosts += [
        builder.host(WITHDRAWN, frozenset({3, 4, 5, 6}), builder.recent_issue_day()),
        builder.host(ACTIVITY_ADDED, frozenset({5}), builder.recent_issue_day()),
        builder.host(CERTIFIER_CHANGED, ALL, builder.recent_issue_day(),
                     certifier="AFNOR Certification"),
        builder.host(NARROWED, frozenset({1, 2, 3, 4}), builder.recent_issue_day()),
    ]
    for name in WITHOUT_TRANSPARENCY_PAGE:
        hosts.append(builder.host(name, builder.pick(ACTIVITY_SET_WEIGHTS),
                                  builder.recent_issue_day(), referential="V2",
                                  with_transparency_page=False))

    # The rest: invented hosts, a few with certificates expiring soon after REFERENCE_DAY.
    issue_bands = (
        [(REFERENCE_DAY - timedelta(days=1095), REFERENCE_DAY - timedelta(days=1066))] * 5  # 30 days
        + [(REFERENCE_DAY - timedelta(days=1065), REFERENCE_DAY - timedelta(days=1006))] * 12
        + [(date(2024, 2, 27), V1_LAST_ISSUE)] * 10
    )
    while len(hosts) < OCTOBER_SIZE:
        activities = builder.pick(ACTIVITY_SET_WEIGHTS)
        band = issue_bands.pop(0) if issue_bands else (V2_PUBLISHED, LAST_OCTOBER_ISSUE)
        hosts.append(builder.host(builder.invented_name(activities), activities,
                                  builder.day_between(*band)))
    return sorted(hosts, key=lambda host: normalise_name(host.name))


def november_hosts(builder: SampleBuilder, october: list[Host]) -> list[Host]:
    by_name = {host.name: host for host in october}

    def renewed(host: Host, *, new_number: bool) -> Host:
        issued_on = host.expires_on - timedelta(days=builder.rng.randint(5, 20))
        number = (builder.certificate_number(host.certifier, issued_on) if new_number
                  else host.certificate_number)
        return dataclasses.replace(host, certificate_number=number, referential="V2",
                                   issued_on=issued_on, expires_on=three_years_from(issued_on))

    changes = {name: renewed(by_name[name], new_number=False) for name in RENEWED_SAME_NUMBER}
    changes |= {name: renewed(by_name[name], new_number=True) for name in RENEWED_NEW_NUMBER}
    widened = by_name[ACTIVITY_ADDED].activities | {6}
    changes[ACTIVITY_ADDED] = dataclasses.replace(
        by_name[ACTIVITY_ADDED], activities=widened,
        activities_text=builder.activities_text(widened),
    )
    transferred_on = date(2026, 11, 9)
    changes[CERTIFIER_CHANGED] = dataclasses.replace(
        by_name[CERTIFIER_CHANGED],
        certifier="Bureau Veritas Certification",
        certificate_number=builder.certificate_number("Bureau Veritas Certification",
                                                      transferred_on),
        referential="V2",
        issued_on=transferred_on,
        expires_on=three_years_from(transferred_on),
    )
    narrowed = frozenset({1, 2})
    changes[NARROWED] = dataclasses.replace(
        by_name[NARROWED], activities=narrowed, activities_text=builder.activities_text(narrowed),
    )
    hosts = [changes.get(host.name, host) for host in october if host.name != WITHDRAWN]
    hosts += [
        builder.host(ADDED[0], ALL, date(2026, 11, 3), referential="V2"),
        builder.host(ADDED[1], frozenset({6}), date(2026, 11, 17), referential="V2"),
    ]
    return sorted(hosts, key=lambda host: normalise_name(host.name))


def format_day(day: date, iso: bool) -> str:
    return day.isoformat() if iso else day.strftime("%d/%m/%Y")


def csv_bytes(hosts: list[Host]) -> bytes:
    """The list as the ANS page export gives it: semicolons, Windows-1252, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for host in hosts:
        writer.writerow((
            host.name,
            host.activities_text,
            host.certifier,
            host.certificate_number,
            host.referential,
            format_day(host.issued_on, host.iso_dates),
            format_day(host.expires_on, host.iso_dates),
            host.transparency_url,
            host.scope,
        ))
    return buffer.getvalue().encode("cp1252")


def format_sample(builder: SampleBuilder, hosts: list[Host]) -> list[Host]:
    """The fixed hosts and a seeded choice of others, in list order."""
    fixed_names = {host.name for host in FIXED_HOSTS}
    others = [host for host in hosts if host.name not in fixed_names]
    chosen = fixed_names | {
        host.name for host in builder.rng.sample(others, FORMAT_SAMPLE_SIZE - len(fixed_names))
    }
    return [host for host in hosts if host.name in chosen]


def json_bytes(hosts: list[Host]) -> bytes:
    document = {
        "source": "Synthetic sample of the ANS list of HDS-certified hosts",
        "updated_on": "2026-10-31",
        "hosts": [
            {
                "name": host.name,
                "activities": sorted(host.activities),
                "certifier": host.certifier,
                "certificate_number": host.certificate_number,
                "referential_version": host.referential,
                "issued_on": host.issued_on.isoformat(),
                "expires_on": host.expires_on.isoformat(),
                "transparency_url": host.transparency_url or None,
                "scope": host.scope,
            }
            for host in hosts
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def xlsx_bytes(hosts: list[Host]) -> bytes:
    """A workbook with a title above the header, mixed header languages and date cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Hébergeurs"
    sheet.append(["Liste des hébergeurs certifiés HDS (extrait synthétique) – au 31/10/2026"])
    sheet.append([])
    sheet.append(XLSX_HEADER)
    for host in hosts:
        single = len(host.activities) == 1
        sheet.append([
            host.name,
            next(iter(host.activities)) if single else host.activities_text,
            host.certifier,
            host.certificate_number,
            host.referential,
            host.issued_on,
            host.expires_on,
            host.transparency_url or None,
            host.scope,
            "Renouvellement en cours" if host.expires_on <= date(2027, 2, 26) else None,
        ])
    for row in sheet.iter_rows(min_row=4, min_col=6, max_col=7):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    fixed_time = datetime(2026, 10, 31)
    workbook.properties.creator = "Maillon sample generator"
    workbook.properties.created = fixed_time
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_fixed_timestamps(buffer.getvalue(), fixed_time)


def _with_fixed_timestamps(xlsx: bytes, moment: datetime) -> bytes:
    """openpyxl stamps the save time in the archive and in docProps; pin both."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, \
            zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                                 content)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6]),
                            content, compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


def build_samples() -> dict[str, bytes]:
    """File name -> content of every sample."""
    builder = SampleBuilder(SEED)
    october = october_hosts(builder)
    november = november_hosts(builder, october)
    sample = format_sample(builder, october)
    return {
        OCTOBER_FILE: csv_bytes(october),
        NOVEMBER_FILE: csv_bytes(november),
        JSON_FILE: json_bytes(sample),
        XLSX_FILE: xlsx_bytes(sample),
    }


def main() -> None:
    for filename, content in build_samples().items():
        (OUTPUT_DIR / filename).write_bytes(content)
        print(f"{filename}: {len(content)} bytes")


if __name__ == "__main__":
    main()
