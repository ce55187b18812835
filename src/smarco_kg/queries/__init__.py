"""Named queries: ``queries/*.rq`` files whose ``#+`` header makes them typed, paginated REST queries.

A file is a SPARQL query that begins with a header of ``#+`` comment lines, YAML-like, in the spirit of grlc::

    #+ summary: Courses per ESCO skill
    #+ description: Each skill the catalogue teaches and the courses that teach it.
    #+ tags: [courses, esco]
    #+ params:
    #+   - name: skill
    #+     type: iri
    #+     description: An ESCO skill; without it, every skill.
    #+     example: http://data.europa.eu/esco/skill/…
    #+ pagination: 50

Keys: ``summary`` (required), ``description``, ``tags`` (``[a, b]`` or ``- a`` lines), ``params`` (a list of
``name``, ``type``, ``description``, ``required``, ``default``, ``example``, ``enum``) and ``pagination`` (the
default page size; the query must then end with ``ORDER BY``). Types: iri, string, langstring (``text@en``),
integer, decimal, date (``YYYY-MM-DD``), enum (a string from ``enum: [a, b]``), the concept types skill,
occupation, language, country, organisation, aim and credential (a concept by IRI, id, code or label in any
language, found in the store as the collections' filters find it, bound as its IRI) and skill-label (a skill's
label in any language, bound as the store writes it). Every query also takes ``lang``: labels are then looked for
in that language only. A description may go on
over more-indented lines. Values may be quoted (``"…"``) when they hold ``[``, ``,`` or leading spaces.

Each parameter binds the SPARQL variable of its name (``skill`` binds ``?skill``) through the store's
``bindings`` (pyoxigraph ``substitutions``): values are RDF terms, never pasted into the query text. A
parameter left out leaves its variable unbound, which the query must read as "any" (a triple pattern matches
anything; a filter uses ``COALESCE(?minEcts, 0)``), unless the header gives a default. Rules checked at load,
because pyoxigraph binds reliably only then: in a SELECT the variable is projected (named in the SELECT
clause, which also keeps a group key bound); it is not tested with ``BOUND()``, used in a ``BIND`` or assigned
with ``AS``. A paginated query ends with ``ORDER BY`` (a total order: end it with a key that is unique per
row) and no ``LIMIT``, ``OFFSET`` or trailing ``VALUES``: the registry appends ``LIMIT`` and ``OFFSET`` to the
query's own solution modifiers, so the order of the rows is the order SPARQL guarantees, not that of a
sub-select, which SPARQL does not keep. A request value that does not fit its type, or that a store would
refuse (a language tag that is not BCP 47, an integer beyond 64 bits, a control character), is a
``ParameterError`` (HTTP 422) naming the parameter and the value.

Anything malformed stops loading with a ``QueryFileError`` naming the file and the line. The header is read by
``header``, the query's text checked against it by ``checks``, and a request's values bound by ``model``.
"""

from smarco_kg.queries.header import header_fields
from smarco_kg.queries.model import (
    CONCEPT_TYPES,
    LABEL_TYPES,
    MAX_LIMIT,
    TYPES,
    NamedQuery,
    ParameterError,
    QueryFileError,
)
from smarco_kg.queries.registry import QueryRegistry, load_queries, load_query

__all__ = [
    "CONCEPT_TYPES",
    "LABEL_TYPES",
    "MAX_LIMIT",
    "TYPES",
    "NamedQuery",
    "ParameterError",
    "QueryFileError",
    "QueryRegistry",
    "header_fields",
    "load_queries",
    "load_query",
]
