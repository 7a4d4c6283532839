"""The catalogue's legal references (written in French, as the texts are cited in France) worded
for an English reader: the same articles, the connecting words and the names of the texts in English."""

from __future__ import annotations

# Longest first: a phrase is replaced before the words inside it.
_ENGLISH = (
    ("Arrêté du 26 avril 2024", "Order of 26 April 2024"),
    ("référentiel de certification HDS", "HDS certification referential"),
    ("Référentiel HDS v2, exigence", "HDS referential v2, requirement"),
    ("référentiel HDS v2, exigence", "HDS referential v2, requirement"),
    ("référentiel HDS v2", "HDS referential v2"),
    ("CA Montpellier, 13 juin 2024, RG n°", "Montpellier Court of Appeal, 13 June 2024, docket no."),
    ("délibération CNIL n°", "CNIL deliberation no."),
    ("décision d'exécution (UE)", "Implementing Decision (EU)"),
    ("considérant", "recital"),
    ("RGPD", "GDPR"),
    (" et ", " and "),
    (" à ", " to "),
    (" ; ", "; "),
)


def legal_reference(reference: str, lang: str = "fr") -> str:
    if lang != "en":
        return reference
    for french, english in _ENGLISH:
        reference = reference.replace(french, english)
    return reference
