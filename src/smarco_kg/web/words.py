"""What people read instead of codes: workloads in hours, credits, EQF levels, dates and lists, in the page's language.

The graph states a course's workload as an ISO 8601 duration (``P2DT2H``), its credits as a number and a system
IRI, its level as a concept; a page says "50 hours", "3 ECTS", "EQF level 4". Babel gives the plural rules and
number formats of each language.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.core import Locale, get_global
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from smarco_kg.web.i18n import gettext, locale

_DURATION = re.compile(
    r"P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
# A workload's days, weeks, months and years are counted as elapsed time (24-hour days), which is how the
# catalogue's durations are written: 50 hours of learning is P2DT2H.
_HOURS_IN = {
    "years": 8766.0,
    "months": 730.5,
    "weeks": 168.0,
    "days": 24.0,
    "hours": 1.0,
    "minutes": 1 / 60,
    "seconds": 1 / 3600,
}


def duration_hours(duration: str) -> float | None:
    """The hours an ISO 8601 duration stands for, or None if it is not one."""
    match = _DURATION.fullmatch(duration.strip())
    if not match or duration.strip() in ("P", "PT"):
        return None
    return sum(float(v) * _HOURS_IN[k] for k, v in match.groupdict().items() if v)


def hours(duration: str) -> str:
    """``P2DT2H`` → "50 hours" ("50 horas", "50 ώρες"); a value that is no duration is shown as it is."""
    total = duration_hours(duration)
    if total is None:
        return duration
    rounded = round(total) if total >= 10 else round(total, 1)
    return format_unit(rounded, "duration-hour", length="long", locale=locale())


def number(value: float | int | str) -> str:
    """A number in the page's language (``1,500`` in English, ``1.500`` in Spanish)."""
    try:
        parsed = float(value)
    except (TypeError, ValueError):
        return str(value)
    return _decimal(int(parsed) if parsed.is_integer() else parsed, locale())


@lru_cache(maxsize=8192)
def _decimal(value: int | float, in_locale: Locale) -> str:
    """Babel's number in a locale: about 40 µs each, and a search page says a hundred counts (0, 1, 2…)."""
    return format_decimal(value, locale=in_locale)


def credits(points: float | int | str, system: str = "ECTS") -> str:
    """``3`` → "3 ECTS" (the system's short name stays as it is written in every language)."""
    return f"{number(points)}\u00a0{system}"


def eqf_level(level: int | str) -> str:
    """``4`` → "EQF level 4" in the page's language."""
    return gettext("EQF level %(level)s", level=level)


def day(value: date | datetime | str) -> str:
    """A date in the page's language, in words ("4 December 2026")."""
    if isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value[:10]), format="long", locale=locale())
        except ValueError:
            return value
    return format_date(value, format="long", locale=locale())


def listing(items: list[str]) -> str:
    """``["English", "Spanish"]`` → "English and Spanish", in the page's language."""
    return format_list(items, locale=locale()) if items else ""


def _code(value: str) -> str:
    """The code at the end of an authority IRI (``…/language/SPA`` → ``SPA``), or the value itself."""
    return value.rstrip("/").rsplit("/", 1)[-1]


def language(value: str) -> str:
    """A language by its EU authority IRI or three-letter code (``…/language/SPA``, ``ELL``) → "Spanish", "Greek",
    named in the page's language; a code Babel does not know is shown as it is."""
    code = _code(value)
    tag = get_global("language_aliases").get(code.lower(), code.lower())
    name = locale().languages.get(tag) if isinstance(tag, str) else None
    return name[:1].upper() + name[1:] if name else code


def iso_639_1(value: str) -> str:
    """The two-letter code of a language given by its EU authority IRI or three-letter code (``…/SPA`` → ``es``);
    the code in lower case when there is none."""
    code = _code(value).lower()
    tag = get_global("language_aliases").get(code, code)
    return tag if isinstance(tag, str) else code


def country(value: str) -> str:
    """A country by its EU authority IRI or three-letter code (``…/country/ESP``) → "Spain" in the page's language."""
    code = _code(value).upper()
    aliases = get_global("territory_aliases").get(code, [code])
    territory = aliases[0] if isinstance(aliases, list) and aliases else code
    return locale().territories.get(territory, code)


def language_name(tag: str) -> str:
    """A language tag's name in the page's language (``es`` → "Spanish" in English, "español" in Spanish); the tag
    as it is when Babel does not know it."""
    try:
        name = locale(tag).get_display_name(locale()) if tag else None
    except ValueError:
        name = None
    if not name or locale(tag).language != tag.split("-")[0].lower():
        return tag
    return name


def in_language(tag: str) -> str:
    """The note beside a label shown in another language than the page's: "(in English)"."""
    return gettext("(in %(language)s)", language=language_name(tag))


def percent(part: int, whole: int) -> str:
    """``43`` of ``347`` → "12.4%" in the page's language ("12,4 %" in Spanish), one decimal; never a fraction."""
    share = Decimal(round(100 * part / whole, 1) if whole else 0) / 100
    return format_percent(share.quantize(Decimal("0.001")), locale=locale(), decimal_quantization=False)
