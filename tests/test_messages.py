"""The pages' message catalogues: every message the templates and code show has a translation in every language,
with the same placeholders, and no catalogue keeps a message nothing shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from smarco_kg.catalogue.classes import CLASSES
from smarco_kg.web import i18n

SOURCE = Path(i18n.__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [("web/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def shown_messages() -> set[str]:
    """Every message the pages can show: those marked in templates and code, and the catalogue's class names."""
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(str(SOURCE), METHODS, OPTIONS, keywords=KEYWORDS):
        found.update(message if isinstance(message, tuple) else (message,))
    found |= {entry.collection.capitalize() for entry in CLASSES}  # the navigation's collections
    found |= {label for entry in CLASSES for label in entry.home}  # the home page's counts
    return found


def catalogue(language: str) -> dict[str, str]:
    with (i18n.MESSAGES / f"{language}.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id and isinstance(m.id, str)}


def test_every_page_language_has_a_catalogue() -> None:
    assert {p.stem for p in i18n.MESSAGES.glob("*.po")} == set(i18n.LANGUAGES)
    assert {"en", "es", "el", "it"} <= set(i18n.LANGUAGES)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_shown_has_a_translation(language: str) -> None:
    messages = catalogue(language)
    missing = sorted(m for m in shown_messages() if not messages.get(m))
    assert not missing, f"{language}.po lacks: {missing}"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    wrong = {k: v for k, v in catalogue(language).items() if set(PLACEHOLDER.findall(k)) != set(PLACEHOLDER.findall(v))}
    assert not wrong


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_catalogue_keeps_a_message_nothing_shows_or_states_one_twice(language: str) -> None:
    text = (i18n.MESSAGES / f"{language}.po").read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.*)"$', text, flags=re.M)
    assert len(ids) == len(set(ids)), "a message is stated twice"
    assert not set(catalogue(language)) - shown_messages()


def test_the_page_language_follows_lang_then_the_browser() -> None:
    assert i18n.chrome_language("es", "it;q=0.9") == "es"
    assert i18n.chrome_language(None, "fr-FR, el;q=0.8, en;q=0.5") == "el"
    assert i18n.chrome_language("pt", "de") == "en"  # neither translated: English
    assert i18n.chrome_language(None, "es-AR") == "es"
    assert i18n.data_language(None, "pt-PT, en;q=0.1") == "pt-PT"  # the data may be in any language


def test_messages_are_drawn_in_the_language_in_use() -> None:
    i18n.use("el")
    try:
        assert i18n.gettext("Find training") == "Εύρεση κατάρτισης"
        assert i18n.gettext("EQF level %(level)s", level=4) == "Επίπεδο ΕΠΕ 4"
    finally:
        i18n.use("en")
    assert i18n.gettext("Find training") == "Find training"
