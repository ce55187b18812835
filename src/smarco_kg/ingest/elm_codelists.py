"""ELM v3 controlled vocabularies as SKOS, built from the vendored XSD code lists.

The Europass lists are published as SKOS only on EU Vocabularies, and no copy is available offline.
The ELM shapes never look a concept up: they check only that a coded value is a ``skos:Concept``,
that its ``skos:inScheme`` is the expected scheme IRI and that the scheme is a ``skos:ConceptScheme``.
The XSD enumerations (IRI + English label) are therefore enough to type every coded value, to
validate exports and to fill UI pick-lists (vendor NOTES.md, "Namespaces and IRIs" and section 6.8).

Scheme IRIs follow the published conventions rather than anything inside the XSDs:

* Europass lists: ``http://data.europa.eu/snb/{list}/{code}`` is in
  ``http://data.europa.eu/snb/{list}/25831c2``;
* EU authority tables: ``http://publications.europa.eu/resource/authority/{table}/{code}`` is in
  ``http://publications.europa.eu/resource/authority/{table}``.

Enumerated IRIs outside these two families (NUTS codes, the LOQ "topic" and "status" individuals) have
no scheme under these rules and are left out of the graph.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TypeGuard
from urllib.parse import urlsplit

from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

__all__ = ["EUROPASS_LISTS", "EU_AUTHORITY_TABLES", "CodelistError", "codelist_graph", "scheme_for"]

log = logging.getLogger(__name__)

_XS = "{http://www.w3.org/2001/XMLSchema}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DEFAULT_LANG = "en"

_SNB_PREFIX = "http://data.europa.eu/snb/"
_SNB_SCHEME_VERSION = "25831c2"
_AUTHORITY_PREFIX = "http://publications.europa.eu/resource/authority/"

#: Europass list segments whose scheme is ``…/snb/{list}/25831c2`` (vendor NOTES.md, "Namespaces and IRIs").
#: Closed on purpose: the shapes check the exact scheme IRI, so an unknown list must not get a guessed one.
EUROPASS_LISTS: frozenset[str] = frozenset(
    {
        "credential", "eqf", "isced-f", "qdr", "learning-opportunity", "learning-assessment", "assessment",
        "learning-setting", "learning-activity", "learning-schedule", "education-credit", "accreditation",
        "entitlement", "entitlement-status", "target-group", "skill-type", "skill-reuse-level", "encoding",
        "evidence-type", "supervision-verification", "dcf", "claim-type", "verification",
        "verification-status",
    }
)  # fmt: skip

#: EU authority tables used by ELM; the scheme is the table IRI itself.
EU_AUTHORITY_TABLES: frozenset[str] = frozenset({"language", "country", "atu", "currency", "file-type"})

# File stems whose sentence-cased form would hide an acronym.
_TITLE_OVERRIDES = {"eqf": "EQF", "nqf": "NQF", "isced-f": "ISCED-F", "atu": "ATU"}


class CodelistError(ValueError):
    """The code-list directory or one of its XSD files cannot be read."""


def scheme_for(concept_iri: str) -> str:
    """Return the concept-scheme IRI of an ELM code-list concept.

    ELM exports must state ``skos:inScheme`` with the exact scheme IRI the shapes expect, and that IRI
    follows from the concept IRI alone. Raises ValueError for IRIs of any other family or list.
    """
    for prefix, known in ((_SNB_PREFIX, EUROPASS_LISTS), (_AUTHORITY_PREFIX, EU_AUTHORITY_TABLES)):
        if not concept_iri.startswith(prefix):
            continue
        parts = urlsplit(concept_iri)
        segments = concept_iri[len(prefix) :].split("/")
        if parts.query or parts.fragment or len(segments) != 2:
            break
        name, code = segments
        if name not in known or not code or (prefix == _SNB_PREFIX and code == _SNB_SCHEME_VERSION):
            break
        return f"{prefix}{name}/{_SNB_SCHEME_VERSION}" if prefix == _SNB_PREFIX else f"{prefix}{name}"
    raise ValueError(f"not a Europass-list or EU-authority-table concept IRI: {concept_iri!r}")


def _is_iri(value: str | None) -> TypeGuard[str]:
    """True for absolute http(s) IRIs: code lists of plain strings have no SKOS counterpart."""
    if not value:
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _title(stem: str) -> str:
    """Readable scheme title from an XSD file name, e.g. ``europass-modes`` -> ``Europass modes``."""
    if stem in _TITLE_OVERRIDES:
        return _TITLE_OVERRIDES[stem]
    text = stem.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def _labels(enumeration: ET.Element) -> list[tuple[str, str]]:
    """(label, language) pairs of an enumeration, whitespace-normalised; empty documentation is dropped."""
    labels = []
    for doc in enumeration.iterfind(f"{_XS}annotation/{_XS}documentation"):
        text = " ".join("".join(doc.itertext()).split())
        if text:
            labels.append((text, (doc.get(_XML_LANG) or _DEFAULT_LANG).strip().lower()))
    return labels


def _parse(path: Path) -> ET.Element:
    """Parse one XSD, reporting the file in the error so a broken vendor drop is easy to locate."""
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise CodelistError(f"{path}: not well-formed XML: {exc}") from exc
    except OSError as exc:
        raise CodelistError(f"{path}: cannot be read: {exc}") from exc


def codelist_graph(xsd_dir: Path) -> Graph:
    """Build one SKOS graph of every IRI enumeration in the ``*.xsd`` files of ``xsd_dir``.

    Each concept gets ``a skos:Concept``, ``skos:inScheme`` (see :func:`scheme_for`), ``skos:notation``
    (last path segment) and one ``skos:prefLabel`` per language (further labels in the same language
    become ``skos:altLabel``); each scheme gets ``a skos:ConceptScheme`` and an English ``dct:title``
    derived from the first file (in name order) that contributes to it. Files without IRI enumerations
    and IRIs outside the two scheme families are skipped. Raises CodelistError for a missing directory
    or a file that is not well-formed XML.
    """
    xsd_dir = Path(xsd_dir)
    if not xsd_dir.is_dir():
        raise CodelistError(f"{xsd_dir}: code-list directory not found")

    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    titled: set[URIRef] = set()

    for path in sorted(xsd_dir.glob("*.xsd")):
        root = _parse(path)
        unmapped = 0
        for enumeration in root.iter(f"{_XS}enumeration"):
            value = enumeration.get("value")
            if not _is_iri(value):
                continue
            iri = value.strip()
            try:
                scheme = URIRef(scheme_for(iri))
            except ValueError:
                unmapped += 1
                continue
            concept = URIRef(iri)
            graph.add((concept, RDF.type, SKOS.Concept))
            graph.add((concept, SKOS.inScheme, scheme))
            graph.add((concept, SKOS.notation, Literal(iri.rsplit("/", 1)[-1])))
            pref = {o for o in graph.objects(concept, SKOS.prefLabel) if isinstance(o, Literal)}  # all are: added below
            for text, lang in _labels(enumeration):
                label = Literal(text, lang=lang)
                if label in pref:
                    continue
                if any(existing.language == lang for existing in pref):
                    graph.add((concept, SKOS.altLabel, label))
                else:
                    graph.add((concept, SKOS.prefLabel, label))
                    pref.add(label)
            if scheme not in titled:
                titled.add(scheme)
                graph.add((scheme, RDF.type, SKOS.ConceptScheme))
                graph.add((scheme, DCTERMS.title, Literal(_title(path.stem), lang=_DEFAULT_LANG)))
        if unmapped:
            log.info("%s: skipped %d IRIs outside the Europass/EU-authority scheme families", path.name, unmapped)
    return graph
