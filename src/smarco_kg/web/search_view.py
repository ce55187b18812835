"""What the search page shows: a course search's results and facets in words, each facet value with the URL that
toggles it, so the page's state lives in its URL (shareable, and the back button walks it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote_plus

from babel import UnknownLocaleError
from babel.core import get_global

from smarco_kg.search import FACETS, CourseHit, CourseResults, FacetValue, Hit, Term, token
from smarco_kg.web import words
from smarco_kg.web.i18n import gettext, locale, parsed_locale


def facet_names() -> dict[str, str]:
    """Each facet's name in the page's language."""
    return {
        "skill": gettext("Skill"),
        "occupation": gettext("Occupation"),
        "eqf": gettext("EQF level"),
        "language": gettext("Language"),
        "mode": gettext("Mode"),
        "country": gettext("Country"),
        "credits": gettext("Credits"),
        "provider": gettext("Provider"),
        "aim": gettext("Aim"),
        "target_group": gettext("Target group"),
    }


def _modes() -> dict[str, str]:
    """The Europass learning modes' English labels (as the code list has them) in the page's language."""
    return {
        "online": gettext("online"),
        "blended": gettext("blended"),
        "presential": gettext("presential"),
        "workbased": gettext("work-based"),
        "research-lab based": gettext("in a research lab"),
        "project based": gettext("project-based"),
    }


def _language_name(code: str, fallback: str) -> str:
    try:
        name = locale().languages.get(parsed_locale(code.lower()).language) or fallback
    except (UnknownLocaleError, ValueError):
        return fallback
    return name[:1].upper() + name[1:]


def _country_name(code: str, fallback: str) -> str:
    alpha2 = (get_global("territory_aliases").get(code.upper()) or [code.upper()])[0]
    return locale().territories.get(alpha2, fallback)


def value_words(facet: str, value: str, label: str) -> str:
    """What a facet's value reads as in the page's language: levels, credits, languages, countries and modes in
    words; other values by their label in the data."""
    code = token(facet, value)
    if facet == "eqf":
        return words.eqf_level(code)
    if facet == "credits":
        return words.credits(code)
    if facet == "language":
        return _language_name(code, label)
    if facet == "country":
        return _country_name(code, label)
    if facet == "mode":
        return _modes().get(label.lower(), label)
    return label


@dataclass(frozen=True)
class Choice:
    """A facet value as the page shows it: a checkbox, or a link that toggles it."""

    facet: str
    value: str  # the short form the URL carries
    words: str
    count: int
    chosen: bool
    href: str  # this page with the value toggled (and back to the first page)


@dataclass(frozen=True)
class Facet:
    name: str
    key: str
    choices: list[Choice]


@dataclass(frozen=True)
class Result:
    href: str
    title: str
    title_lang: str  # set when the title is not in the page's language
    provider: str
    level: str
    credits: str
    languages: str
    modes: str
    skills: list[str]


@dataclass(frozen=True)
class Suggestion:
    kind: str
    label: str
    href: str


def state(text: str, chosen: Mapping[str, Sequence[str]], lang: str) -> list[tuple[str, str]]:
    """The page's query parameters, in a stable order."""
    pairs = [("q", text)] if text else []
    pairs += [(facet, v) for facet in FACETS for v in chosen.get(facet, ())]
    return [*pairs, ("lang", lang)]


def url(pairs: Sequence[tuple[str, str]], **extra: str | int) -> str:
    """The search page with these parameters, encoded as ``urlencode`` does (a page links each of its facet values:
    the pairs they share are encoded once)."""
    return "/search?" + "&".join([*(_pair(k, v) for k, v in pairs), *(_pair(k, str(v)) for k, v in extra.items())])


@lru_cache(maxsize=4096)
def _pair(name: str, value: str) -> str:
    return f"{quote_plus(name)}={quote_plus(value)}"


def chosen_choices(shown: Sequence[Facet]) -> list[Choice]:
    """The values chosen among ``shown``'s, in their order: the page lists them to remove one."""
    return [choice for facet in shown for choice in facet.choices if choice.chosen]


def _toggled(chosen: Mapping[str, Sequence[str]], facet: str, value: str) -> dict[str, list[str]]:
    changed = {f: list(v) for f, v in chosen.items()}
    values = changed.setdefault(facet, [])
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    return changed


def facets(results: CourseResults, text: str, chosen: Mapping[str, Sequence[str]], lang: str) -> list[Facet]:
    """Every facet that has values to offer, its values in words with their counts and toggling links.
    ``chosen``: the values as the URL gave them (a chosen value keeps the form it was given in)."""
    names = facet_names()
    shown = []
    for facet in FACETS:
        given = {v.value: _given(facet, v, chosen) for v in results.facets.get(facet, [])}
        choices = [
            Choice(
                facet,
                given[v.value],
                value_words(facet, v.value, v.label),
                v.count,
                v.chosen,
                url(state(text, _toggled(chosen, facet, given[v.value]), lang)),
            )
            for v in results.facets.get(facet, [])
            if not v.value.startswith("urn:smarco:unknown:")
        ]
        if choices:
            shown.append(Facet(names[facet], facet, choices))
    return shown


def _given(facet: str, value: FacetValue, chosen: Mapping[str, Sequence[str]]) -> str:
    """How the URL names a value: as it was given when chosen (so toggling removes it), else its short form."""
    short = token(facet, value.value)
    for raw in chosen.get(facet, ()):
        if raw in (value.value, short) or raw.lower() == short.lower():
            return raw
    return short if not value.chosen else next(iter(chosen.get(facet, ())), short)


def _listing(terms: Sequence[Term], facet: str) -> str:
    return words.listing([value_words(facet, t.value, t.label) for t in terms])


def result(hit: CourseHit, page: str | None, lang: str) -> Result:
    values = hit.values
    return Result(
        href=f"{page}?lang={lang}" if page else hit.iri,
        title=hit.title,
        title_lang=hit.title_lang if hit.title_lang and hit.title_lang.split("-")[0] != lang.split("-")[0] else "",
        provider=_listing(values.get("provider", []), "provider"),
        level=_listing(values.get("eqf", []), "eqf"),
        credits=_listing(values.get("credits", []), "credits"),
        languages=_listing(values.get("language", []), "language"),
        modes=_listing(values.get("mode", []), "mode"),
        skills=[t.label for t in hit.matched_skills],
    )


def suggestion(hit: Hit, page: str | None, lang: str) -> Suggestion:
    """A type-ahead entry: a skill or an occupation chooses that facet; a course opens its page."""
    kinds = {"skill": gettext("skill"), "occupation": gettext("occupation"), "course": gettext("course")}
    if hit.type in ("skill", "occupation"):
        href = url([(hit.type, token(hit.type, hit.iri)), ("lang", lang)])
    else:
        href = f"{page}?lang={lang}" if page else hit.iri
    return Suggestion(kinds.get(hit.type, hit.type), hit.label, href)
