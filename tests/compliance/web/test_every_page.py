"""Every page, found from the URL configuration (tests/web_pages.py), opens in French and in English,
and the English one holds no French sentence of the interface."""

import gettext
import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings

from tests.web_pages import KNOWN_PAGES, build_world, candidate_urls, is_page

CATALOGUE = Path(settings.BASE_DIR) / "hds_platform" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
# Below this length a msgid ("Date", "Type", "SIREN", "Action") is a word both languages share.
SHORTEST_PHRASE = 14
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{[^}]*\}")


def french_phrases() -> dict[str, str]:
    """The interface's French phrases (the longest literal part of each translated msgid) → msgid."""
    with CATALOGUE.open("rb") as file:
        catalogue = gettext.GNUTranslations(file)._catalog
    phrases = {}
    for msgid, msgstr in catalogue.items():
        if isinstance(msgid, tuple):  # a plural form: its singular msgid is there too
            msgid = msgid[0]
        if not msgid or msgid == msgstr:
            continue
        part = max(PLACEHOLDER.split(msgid), key=len).strip()
        if len(part) >= SHORTEST_PHRASE:
            phrases[part] = msgid
    return phrases


# ("!" alone stands for a warning state beside its label, in both languages.)
FRENCH_PUNCTUATION = re.compile(r"\S+[ \u00a0\u202f][:;?](?=\s|$)|[«»]")
INLINE_TAG = re.compile(r"</?(?:span|a|strong|em|b|i|code|small|abbr|del|ins)\b[^>]*>")
TEXT_ATTRIBUTES = re.compile(r'\s(?:aria-label|title|placeholder|alt|hx-confirm|data-confirm)="([^"]*)"')


def visible_text(content: bytes) -> str:
    """What a person reads or hears: the text between tags and the attributes read out, decoded."""
    html = content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<span aria-hidden="true">[^<]*</span>', " ", html)  # symbols beside their words
    attributes = " ".join(TEXT_ATTRIBUTES.findall(html))
    html = INLINE_TAG.sub("", html)  # "Save<span> : x</span>" reads "Save : x", not "Save  : x"
    text = re.sub(r"<[^>]+>", " ", html) + " " + attributes
    return " ".join(unescape(text).split())


@pytest.fixture
def world(tenant, media):
    return build_world(tenant)


def test_every_page_is_found_and_opens_in_both_languages(client, tenant, world):
    client.force_login(tenant.owner)
    found = {}
    for language in ("fr", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for name, url in candidate_urls(world).items():
            response = client.get(url)
            assert response.status_code < 500, (name, url, response.status_code)
            if is_page(response):
                found.setdefault(name, set()).add(language)
                assert f'<html lang="{language}">' in response.content.decode(), (name, language)
    assert KNOWN_PAGES <= set(found), sorted(KNOWN_PAGES - set(found))
    assert all(languages == {"fr", "en"} for languages in found.values())


def test_no_french_phrase_of_the_interface_on_an_english_page(client, tenant, world):
    phrases = french_phrases()
    assert len(phrases) > 300  # the catalogue was read
    client.force_login(tenant.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    untranslated = {}
    for name, url in candidate_urls(world).items():
        response = client.get(url)
        if not is_page(response):
            continue
        text = visible_text(response.content)
        hits = sorted(phrase for phrase in phrases if phrase in text)
        # French typography: a space before a colon, semicolon or question mark; guillemets.
        hits += sorted({match.group(0) for match in FRENCH_PUNCTUATION.finditer(text)})
        if hits:
            untranslated[name] = hits
    assert untranslated == {}


def test_the_english_check_catches_a_french_phrase():
    phrases = french_phrases()
    page = "<html><body><p>Hello</p><button aria-label=\"Chaîne d'hébergement\">x</button></body></html>"
    assert [phrase for phrase in phrases if phrase in visible_text(page.encode())] == ["Chaîne d'hébergement"]
    assert [m.group(0) for m in FRENCH_PUNCTUATION.finditer("Status : ok; « x » Why ? 10:30")] == [
        "Status :", "«", "»", "Why ?"]
