"""Punctuation in the page's language: French sets a (non-breaking) space before « : » and « ; »,
English none. Templates write ``{% colon %}`` and ``list|join_items`` instead of a literal " : "."""

from django import template
from django.utils import translation

register = template.Library()


def _french() -> bool:
    return not (translation.get_language() or "fr").startswith("en")


@register.simple_tag
def colon() -> str:
    return "\u00a0:" if _french() else ":"


@register.simple_tag
def semicolon() -> str:
    return "\u202f;" if _french() else ";"


@register.filter
def join_items(values) -> str:
    """Items of a list separated by a semicolon, spaced the way the page's language spaces it."""
    return ("\u202f; " if _french() else "; ").join(str(value) for value in values or ())
