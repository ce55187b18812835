"""The pages' languages: which one a visitor gets, and the translated messages of each, from one catalogue per language.

The catalogues are gettext ``.po`` files in ``web/messages`` (one per language, the form translators and their tools
know), read with Babel and compiled in memory when first needed, so no build step stands between an edited file
and the page. Chrome is translated into the languages that have a catalogue; the data's own labels may be in any
language the graph carries, and the page says when it falls back (``words.py``).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

MESSAGES = Path(__file__).resolve().parent / "messages"
SOURCE_LANGUAGE = "en"
# The languages the page chrome is translated into, in the order the language switcher shows them.
LANGUAGES: tuple[str, ...] = ("en", "es", "el", "it")
_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")

_current: ContextVar[str] = ContextVar("smarco_kg_page_language", default=SOURCE_LANGUAGE)


def is_language_tag(tag: str) -> bool:
    """A syntactically acceptable BCP 47 tag (the simple forms pages and labels use)."""
    return bool(_TAG.fullmatch(tag))


def preferred(accept_language: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, best first (q=0 and ``*`` left out, ties in the header's order)."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate((accept_language or "").split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        if not tag or tag == "*" or not is_language_tag(tag):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, order, tag))
    return [tag for _, _, tag in sorted(ranked)]


def data_language(asked: str | None, accept_language: str | None) -> str:
    """The language the data's labels are wanted in: ``?lang=`` as asked, else the browser's first, else English."""
    if asked:
        return asked
    tags = preferred(accept_language)
    return tags[0] if tags else SOURCE_LANGUAGE


def chrome_language(asked: str | None, accept_language: str | None) -> str:
    """The catalogue the page chrome is drawn from: the first of ``?lang=`` and the browser's languages we translate
    into (a region is ignored: ``es-AR`` gets Spanish), else English."""
    for tag in ([asked] if asked else []) + preferred(accept_language):
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return SOURCE_LANGUAGE


@cache
def translations(language: str) -> Translations:
    """The compiled catalogue of ``language`` (English is the source: its catalogue may leave texts as they are)."""
    path = MESSAGES / f"{language}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def use(language: str) -> None:
    """Make ``language`` the one the current request's messages are drawn from."""
    _current.set(language if language in LANGUAGES else SOURCE_LANGUAGE)


def current() -> str:
    return _current.get()


def gettext(message: str, **values: object) -> str:
    """``message`` in the current request's language, with ``%(name)s`` placeholders filled from ``values``."""
    text = translations(current()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def locale(language: str | None = None) -> Locale:
    """Babel's locale for ``language`` (default: the current one); an unknown tag falls back to English."""
    try:
        return parsed_locale((language or current()).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return parsed_locale(SOURCE_LANGUAGE)


@lru_cache(maxsize=512)
def parsed_locale(identifier: str) -> Locale:
    """``Locale.parse``, kept: Babel builds a new locale each time (an eighth of a search page's time went to
    parsing the page's language for every number it wrote). Unknown or malformed identifiers raise as there."""
    return Locale.parse(identifier)


def language_name(tag: str, in_language: str | None = None) -> str:
    """A language's own name, as its speakers write it (for the language switcher: ``español``, ``Ελληνικά``)."""
    name = locale(tag).get_display_name(in_language or tag) or tag
    return name[:1].upper() + name[1:]
