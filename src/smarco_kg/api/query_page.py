"""The query page people get when a browser opens ``/sparql``: an editor, the example queries, results.

The page is server-rendered; a small script (``static/sparql.js``, no CDN) runs the query with a POST to
``/sparql`` and shows the results. The example queries are the ``queries/*.rq`` files; each begins with a
comment header of ``#+ key: value`` lines (see ``smarco_kg.queries``), of which the page reads ``summary`` and
``description``; the same files are the named queries of ``/api/queries``.

Share links: the page keeps the current query in its own URL fragment, ``/sparql#query=<percent-encoded
query>``. A fragment never reaches the server, so it cannot collide with the SPARQL protocol, where
``GET /sparql?query=…`` runs the query and answers with results, not with this page; opening such a link
loads the page, fills the editor and runs the query. ``/sparql?example=<name>`` opens the page with one of
the examples in the editor (this one works without JavaScript too).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from smarco_kg import __version__
from smarco_kg.api.templating import html_page
from smarco_kg.formats import RDF_SYNTAXES, RESULT_FORMATS
from smarco_kg.namespaces import PREFIXES
from smarco_kg.queries import header_fields

# The download links: results formats for SELECT/ASK, RDF syntaxes for CONSTRUCT/DESCRIBE, by short name.
RESULT_DOWNLOADS = tuple((f.name, f.media_type) for f in RESULT_FORMATS)
GRAPH_DOWNLOADS = tuple(
    (name, syntax.media_type)
    for name in ("ttl", "nt", "jsonld", "rdfxml", "nq", "trig")
    for syntax in RDF_SYNTAXES
    if name in (syntax.name, *syntax.aliases)
)

DEFAULT_QUERY = """\
# The courses in the catalogue: title, provider and EQF level. Ctrl+Enter runs the query.
SELECT ?course ?title ?provider ?eqfLevel
WHERE {
  ?course a elm:LearningOpportunity ;
          dct:title ?title ;
          elm:providedBy/skos:prefLabel ?provider ;
          elm:learningAchievementSpecification/elm:EQFLevel/skos:notation ?eqfLevel .
  FILTER(langMatches(lang(?title), "en") && langMatches(lang(?provider), "en"))
}
ORDER BY ?title
LIMIT 100
"""


@dataclass(frozen=True)
class Example:
    """One named example query: ``name`` is the file's stem, ``text`` the whole file (header included)."""

    name: str
    summary: str
    description: str
    text: str


def parse_header(text: str) -> dict[str, str]:
    """The top-level ``#+ key: value`` fields of a query's header, by key (first one wins), read leniently by
    the named-query registry's own header reader (``smarco_kg.queries``), so there is one header syntax."""
    return header_fields(text)


def load_examples(directory: Path) -> list[Example]:
    """The example queries in ``directory`` (``*.rq``), in file-name order; an absent directory gives none."""
    examples = []
    for path in sorted(directory.glob("*.rq")) if directory.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        header = parse_header(text)
        summary = header.get("summary") or path.stem.replace("-", " ")
        examples.append(Example(path.stem, summary, header.get("description", ""), text))
    return examples


def prefix_block() -> str:
    """``PREFIX`` lines for every prefix the project speaks, aligned for reading."""
    width = max(len(prefix) for prefix in PREFIXES) + 1
    return "".join(f"PREFIX {prefix + ':':<{width}} <{iri}>\n" for prefix, iri in PREFIXES.items())


def query_page(request: Request) -> HTMLResponse:
    settings = request.app.state.kg.settings
    examples = load_examples(settings.queries_dir)
    chosen = request.query_params.get("example")
    given = request.query_params.get("query")
    selected = next((e for e in examples if e.name == chosen), None)
    if selected is not None:
        query = selected.text
    elif given:
        query = given
    else:
        query = prefix_block() + "\n" + DEFAULT_QUERY
    context = {
        "version": __version__,
        "query": query,
        "examples": examples,
        "examples_data": [asdict(e) for e in examples],
        "selected": selected.name if selected else "",
        "prefixes": PREFIXES,
        "timeout": f"{settings.query_timeout:g}",
        "result_downloads": RESULT_DOWNLOADS,
        "graph_downloads": GRAPH_DOWNLOADS,
    }
    return html_page(request, "sparql.html", context)
