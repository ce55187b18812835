"""RDF syntaxes and SPARQL result formats: names, media types and file extensions in one table."""

from dataclasses import dataclass
from pathlib import Path


class UnknownFormatError(ValueError):
    """Raised for a format name, media type or file extension smarco-kg does not read or write."""


@dataclass(frozen=True)
class RdfSyntax:
    name: str
    media_type: str
    extensions: tuple[str, ...]
    datasets: bool  # carries named graphs (N-Quads, TriG) rather than one graph
    aliases: tuple[str, ...] = ()
    rdflib_name: str = ""  # the name rdflib's parsers and serializers know it by


RDF_SYNTAXES: tuple[RdfSyntax, ...] = (
    RdfSyntax("turtle", "text/turtle", (".ttl",), False, ("ttl",), "turtle"),
    RdfSyntax("ntriples", "application/n-triples", (".nt",), False, ("nt", "n-triples"), "nt"),
    RdfSyntax("nquads", "application/n-quads", (".nq",), True, ("nq", "n-quads"), "nquads"),
    RdfSyntax("trig", "application/trig", (".trig",), True, (), "trig"),
    RdfSyntax("jsonld", "application/ld+json", (".jsonld", ".json"), True, ("json-ld",), "json-ld"),
    RdfSyntax("rdfxml", "application/rdf+xml", (".rdf", ".owl", ".xml"), False, ("xml", "rdf/xml", "rdf-xml"), "xml"),
)


def rdf_syntax(name_or_media_type: str) -> RdfSyntax:
    """The syntax named by a short name (``ttl``), a media type (``text/turtle``) or an alias."""
    key = name_or_media_type.split(";")[0].strip().lower()
    for syntax in RDF_SYNTAXES:
        if key in (syntax.name, syntax.media_type, *syntax.aliases):
            return syntax
    known = ", ".join(s.name for s in RDF_SYNTAXES)
    raise UnknownFormatError(f"unknown RDF format {name_or_media_type!r}; use one of {known}")


def rdf_syntax_for_path(path: Path) -> RdfSyntax:
    """The syntax a file's extension says it is in (``.ttl`` is Turtle, ``.trig`` TriG…)."""
    suffix = path.suffix.lower()
    for syntax in RDF_SYNTAXES:
        if suffix in syntax.extensions:
            return syntax
    known = ", ".join(ext for s in RDF_SYNTAXES for ext in s.extensions)
    raise UnknownFormatError(f"cannot tell the RDF format of {path.name!r} from its extension; use one of {known}")


@dataclass(frozen=True)
class ResultFormat:
    """A SPARQL query results format (for SELECT and ASK)."""

    name: str
    media_type: str


RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("json", "application/sparql-results+json"),
    ResultFormat("xml", "application/sparql-results+xml"),
    ResultFormat("csv", "text/csv"),
    ResultFormat("tsv", "text/tab-separated-values"),
)


def result_format(name_or_media_type: str) -> ResultFormat:
    key = name_or_media_type.split(";")[0].strip().lower()
    for fmt in RESULT_FORMATS:
        if key in (fmt.name, fmt.media_type):
            return fmt
    known = ", ".join(f.name for f in RESULT_FORMATS)
    raise UnknownFormatError(f"unknown results format {name_or_media_type!r}; use one of {known}")
