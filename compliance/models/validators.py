"""Checks a single value can make about itself: countries, VAT numbers, lists, transfers and
remote-access bases."""


from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from stdnum.eu import vat as stdnum_vat
from stdnum.fr import tva as stdnum_tva

from compliance.models.choices import ContractClause, RemoteAccessBasis


def validate_country(value: str) -> None:
    if value and value not in countries:
        raise ValidationError(_("%(value)s n'est pas un code pays ISO 3166 alpha-2."),
                              code="invalid_country", params={"value": value})


def validate_country_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Attendu : une liste de codes pays."), code="invalid_country_list")
    for code in value:
        validate_country(code)
    if len(set(value)) != len(value):
        raise ValidationError(_("Un pays figure deux fois dans la liste."), code="duplicate_country")


def validate_vat_number(value: str) -> None:
    """A French TVA number (FR + key + SIREN) or any EU VAT number python-stdnum knows."""
    if not value:
        return
    compact = value.replace(" ", "").upper()
    valid = stdnum_tva.is_valid(compact) if compact.startswith("FR") else stdnum_vat.is_valid(compact)
    if not valid:
        raise ValidationError(_("%(value)s n'est pas un numéro de TVA intracommunautaire valide."),
                              code="invalid_vat", params={"value": value})


def validate_text_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Attendu : une liste de textes."), code="invalid_list")


def validate_transfers(value) -> None:
    """``[{"country": "US", "safeguard": "CCT 2021/914"}, …]`` (GDPR art. 30(1)(e))."""
    if not isinstance(value, list):
        raise ValidationError(_("Attendu : une liste de transferts."), code="invalid_transfers")
    for item in value:
        if not isinstance(item, dict) or set(item) - {"country", "safeguard"} or "country" not in item:
            raise ValidationError(_("Un transfert s'écrit {\"country\": …, \"safeguard\": …}."),
                                  code="invalid_transfers")
        if not isinstance(item.get("safeguard", ""), str):
            raise ValidationError(_("La garantie d'un transfert est un texte."), code="invalid_transfers")
        validate_country(item["country"] if isinstance(item["country"], str) else "?")


def validate_remote_access(value) -> None:
    """``[{"country": "US", "basis": "safeguards"}, …]``; basis one of adequacy, safeguards, ""."""
    if not isinstance(value, list):
        raise ValidationError(_("Attendu : une liste d'accès à distance."), code="invalid_remote_access")
    seen = set()
    for item in value:
        if not isinstance(item, dict) or set(item) - {"country", "basis"} or not isinstance(item.get("country"), str):
            raise ValidationError(_("Un accès à distance s'écrit {\"country\": …, \"basis\": …}."),
                                  code="invalid_remote_access")
        if item.get("basis", "") not in RemoteAccessBasis.values:
            raise ValidationError(_("Base juridique inconnue : %(basis)s."), code="invalid_remote_access",
                                  params={"basis": item.get("basis")})
        validate_country(item["country"])
        if item["country"] in seen:
            raise ValidationError(_("Un pays figure deux fois dans la liste."), code="duplicate_country")
        seen.add(item["country"])


def validate_contract_clauses(value) -> None:
    """``None`` (not checked yet) or a list of R.1111-11 clause codes, each once."""
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Attendu : une liste de clauses."), code="invalid_contract_clauses")
    unknown = [code for code in value if code not in ContractClause.values]
    if unknown:
        raise ValidationError(_("Clause inconnue : %(codes)s."), code="unknown_contract_clause",
                              params={"codes": ", ".join(unknown)})
    if len(set(value)) != len(value):
        raise ValidationError(_("Une clause figure deux fois dans la liste."), code="duplicate_contract_clause")
