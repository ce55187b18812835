"""Query parameters as routes read them: each known, given once, numbers within bounds; 422 naming the parameter.

``lang`` is the one name for the answer's language on every path; a path that had another name for it keeps that
as an alias (``language(params, aliases=("language",))``). Filters that take a language (a course's language of
instruction: ``/api/courses?language=Spanish``) are filters, not the answer's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

from fastapi import Request

from smarco_kg.errors import BadParameter
from smarco_kg.langtag import LANGUAGE_TAG

__all__ = ["LANGUAGE_TAG", "MAX_OFFSET", "integer", "language", "page_links", "query_params", "query_values"]
MAX_OFFSET = 999_999_999  # what ``integer`` reads: nine digits at most


def query_params(request: Request, allowed: set[str]) -> dict[str, str]:
    """The query parameters, each at most once and all of them known; 422 otherwise."""
    return query_values(request, allowed)[0]


def query_values(
    request: Request, allowed: set[str], repeatable: frozenset[str] = frozenset()
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The query parameters, all of them known: (those given at most once, those in ``repeatable`` with every value
    given); 422 naming an unknown one or one given twice that may not be."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise BadParameter(
            unknown[0], values[unknown[0]][0], f"unknown parameter; this path takes {', '.join(sorted(allowed))}"
        )
    for key, given in values.items():
        if key not in repeatable and len(given) > 1:
            raise BadParameter(key, given[0], f"given {len(given)} times; give it once")
    once = {key: given[0] for key, given in values.items() if key not in repeatable}
    return once, {key: given for key, given in values.items() if key in repeatable}


def integer(params: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    """``params[name]`` as a whole number from ``low`` to ``high``, or ``default`` when it is absent."""
    raw = params.get(name)
    if raw is None:
        return default
    bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
    if not re.fullmatch(r"\d{1,9}", raw.strip()) or not (low <= int(raw) <= (high if high is not None else 10**9)):
        raise BadParameter(name, raw, f"a whole number {bounds}")
    return int(raw)


def language(params: dict[str, str], name: str = "lang", default: str = "en", aliases: Sequence[str] = ()) -> str:
    """The answer's language, a BCP 47 tag such as en, it or pt-PT: ``lang``, the one name every path takes for
    it, or an older name a path kept (``aliases``, such as ``language``); two of them that differ are a 422."""
    given = {key: params[key].strip() for key in (name, *aliases) if key in params}
    if len(set(given.values())) > 1:
        raise BadParameter(name, params.get(name), f"{' and '.join(given)} differ: give {name} alone")
    key, lang = next(iter(given.items()), (name, default))
    if not LANGUAGE_TAG.fullmatch(lang):
        raise BadParameter(key, params.get(key, lang), "a language tag such as en, it or pt-PT")
    return lang


def page_links(request: Request, offset: int, limit: int, total: int, last: bool = True) -> dict[str, str]:
    """The first, previous, next (and ``last``) pages of a paged answer: this request's address with only its
    ``offset`` changed (moved to the end, as Starlette's ``include_query_params`` puts it). The query is parsed once,
    not once per link (a twentieth of a listing's time in the server)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    base = str(request.url.replace(query=""))

    def at(value: int) -> str:
        return f"{base}?{urlencode([*kept, ('offset', str(value))])}"

    links = {"first": at(0)}
    if offset > 0:
        links["prev"] = at(max(0, min(offset - limit, total - limit)))
    if offset + limit < total:
        links["next"] = at(offset + limit)
    if last:
        links["last"] = at(max(0, (total - 1) // limit * limit))
    return links
