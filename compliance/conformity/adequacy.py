"""Adequacy decisions (GDPR art. 45) as data with dates, read on the evaluation date.

A decision applies by itself: a remote access or a transfer to a country whose decision is in
force needs no other basis, and nobody has to type "adequacy". Decisions have dates and can
lapse (the United Kingdom's decisions of 2021 carried a sunset clause), so each entry says when
it applies; a country may have several entries in turn. Some decisions cover only part of a
country's recipients: Canada's, commercial organisations subject to PIPEDA; Japan's, business
operators under the APPI; the United States', only organisations certified under the EU-US Data
Privacy Framework, which is why that one needs the recipient's certification recorded.

The decisions adopted under Directive 95/46/EC stay in force under GDPR art. 45(9). `in_force_from`
is the date of the decision (its notification date is not recorded); `in_force_until` is the last
day it applies, None while it has no end date. The renewal of the United Kingdom's decisions,
adopted on 19 December 2025 until 27 December 2031, is cited by its date: its number was not
confirmed when this table was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class AdequacyDecision:
    country: str
    reference_fr: str
    reference_en: str
    in_force_from: date
    in_force_until: date | None = None
    scope_fr: str = ""  # the recipients it covers, when not the whole country
    scope_en: str = ""
    requires_certification: bool = False  # covers only recipients certified under a framework (DPF)

    def in_force_on(self, on: date) -> bool:
        return self.in_force_from <= on and (self.in_force_until is None or on <= self.in_force_until)

    def cited_fr(self) -> str:
        scope = f", {self.scope_fr}" if self.scope_fr else ""
        return f"{self.country} : {self.reference_fr}{scope}"

    def cited_en(self) -> str:
        scope = f", {self.scope_en}" if self.scope_en else ""
        return f"{self.country}: {self.reference_en}{scope}"


def _decision(country, reference_fr, reference_en, in_force_from, in_force_until=None, **scope):
    return AdequacyDecision(country, reference_fr, reference_en, in_force_from, in_force_until, **scope)


DPF_SCOPE = {
    "scope_fr": "organisations certifiées au Data Privacy Framework UE–États-Unis",
    "scope_en": "organisations certified under the EU–US Data Privacy Framework",
    "requires_certification": True,
}

ADEQUACY_DECISIONS = (
    _decision("AD", "décision 2010/625/UE du 19 octobre 2010", "Decision 2010/625/EU of 19 October 2010",
              date(2010, 10, 19)),
    _decision("AR", "décision 2003/490/CE du 30 juin 2003", "Decision 2003/490/EC of 30 June 2003",
              date(2003, 6, 30)),
    _decision("CA", "décision 2002/2/CE du 20 décembre 2001", "Decision 2002/2/EC of 20 December 2001",
              date(2001, 12, 20), scope_fr="organisations commerciales soumises à la LPRPDE",
              scope_en="commercial organisations subject to PIPEDA"),
    _decision("CH", "décision 2000/518/CE du 26 juillet 2000", "Decision 2000/518/EC of 26 July 2000",
              date(2000, 7, 26)),
    _decision("FO", "décision 2010/146/UE du 5 mars 2010", "Decision 2010/146/EU of 5 March 2010",
              date(2010, 3, 5)),
    _decision("GB", "décision d'exécution (UE) 2021/1772 du 28 juin 2021, prorogée jusqu'au 27/12/2025",
              "Implementing Decision (EU) 2021/1772 of 28 June 2021, extended until 2025-12-27",
              date(2021, 6, 28), date(2025, 12, 27)),
    _decision("GB", "décision de renouvellement de la Commission du 19 décembre 2025",
              "Commission renewal decision of 19 December 2025",
              date(2025, 12, 19), date(2031, 12, 27)),
    _decision("GG", "décision 2003/821/CE du 21 novembre 2003", "Decision 2003/821/EC of 21 November 2003",
              date(2003, 11, 21)),
    _decision("IL", "décision 2011/61/UE du 31 janvier 2011", "Decision 2011/61/EU of 31 January 2011",
              date(2011, 1, 31)),
    _decision("IM", "décision 2004/411/CE du 28 avril 2004", "Decision 2004/411/EC of 28 April 2004",
              date(2004, 4, 28)),
    _decision("JE", "décision 2008/393/CE du 8 mai 2008", "Decision 2008/393/EC of 8 May 2008",
              date(2008, 5, 8)),
    _decision("JP", "décision d'exécution (UE) 2019/419 du 23 janvier 2019",
              "Implementing Decision (EU) 2019/419 of 23 January 2019", date(2019, 1, 23),
              scope_fr="opérateurs privés soumis à l'APPI", scope_en="business operators subject to the APPI"),
    _decision("KR", "décision d'exécution (UE) 2022/254 du 17 décembre 2021",
              "Implementing Decision (EU) 2022/254 of 17 December 2021", date(2021, 12, 17)),
    _decision("NZ", "décision d'exécution 2013/65/UE du 19 décembre 2012",
              "Implementing Decision 2013/65/EU of 19 December 2012", date(2012, 12, 19)),
    _decision("US", "décision d'exécution (UE) 2023/1795 du 10 juillet 2023",
              "Implementing Decision (EU) 2023/1795 of 10 July 2023", date(2023, 7, 10), **DPF_SCOPE),
    _decision("UY", "décision d'exécution 2012/484/UE du 21 août 2012",
              "Implementing Decision 2012/484/EU of 21 August 2012", date(2012, 8, 21)),
)



def _by_country(decisions: tuple[AdequacyDecision, ...]) -> dict[str, tuple[AdequacyDecision, ...]]:
    by_country: dict[str, tuple[AdequacyDecision, ...]] = {}
    for decision in decisions:
        by_country[decision.country] = (*by_country.get(decision.country, ()), decision)
    return by_country


_BY_COUNTRY = _by_country(ADEQUACY_DECISIONS)


def adequacy_decision(country: str, on: date) -> AdequacyDecision | None:
    """The country's adequacy decision in force on `on` (the latest adopted when two overlap)."""
    in_force = [decision for decision in _BY_COUNTRY.get(country, ()) if decision.in_force_on(on)]
    return max(in_force, key=lambda decision: decision.in_force_from) if in_force else None


def adequate_for(country: str, on: date, *, certified: bool) -> bool:
    """True when a decision in force covers a recipient in `country`, `certified` under the
    framework the decision requires (the DPF for the United States)."""
    decision = adequacy_decision(country, on)
    return decision is not None and (certified or not decision.requires_certification)


def decision_changes_on(country: str, on: date) -> Iterator[date]:
    """The dates after `on` on which the country's decision in force may change: a decision takes
    effect, or one lapses (the day after its last day)."""
    for decision in _BY_COUNTRY.get(country, ()):
        if decision.in_force_from > on:
            yield decision.in_force_from
        if decision.in_force_until is not None and decision.in_force_until >= on:
            yield decision.in_force_until + timedelta(days=1)
