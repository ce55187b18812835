"""Europass ELM v3 files into the catalogue: courses, their specifications and outcomes, and their organisations.

What is read, by content rather than file name: Turtle (or N-Triples), RDF/XML, JSON-LD, a signed credential
(a JAdES/JWS envelope ``{"payload": …, "signatures": […]}``, flattened or compact: the payload is taken, the
signature is not verified here) and the Europass "uploadable" wrapper ``{"credential": …}``. The two remote JSON-LD
contexts ELM uses are replaced by the vendored copies before parsing; any other remote context is refused, so
reading a file never touches the network.

What becomes what: an ``elm:LearningOpportunity`` is a course, with its ``elm:learningAchievementSpecification``
(an ``elm:LearningAchievementSpecification`` or ``elm:Qualification``) and that specification's learning outcomes.
A specification no opportunity offers (a credential's ``elm:specifiedBy``, a bare catalogue entry) is a course of
its own: the course takes its titles and description, and its language when it names only one. Organisations the
courses point at become organisation records, unless the catalogue has them already (same IRI or ``owl:sameAs``).

Every imported course, specification, outcome and organisation gets a catalogue IRI (``course/<slug>``,
``<course>/specification``, ``<course>/outcome/<n>``, ``organisation/<slug>``, the slug from its title, unique)
and keeps the original IRI as ``owl:sameAs`` (the shapes are open), except Europass's file-local ``urn:epass:…``
ids, which every credential reuses for different things. Nodes they own (credit points, locations, notes…) come
with them, as blank nodes (as in the catalogue's own data) when their ids are blank or ``urn:``. Each node keeps
the properties ELM defines for its class (the official shapes name them; for any specification, those of a
Qualification, which carries the EQF level the catalogue asks of every specification); anything else is left out
and listed. A home page that is the record's own IRI (how this catalogue's export names a course's page) is
dropped: the new record has its own page.

Nothing is invented: a SMARCO aim (which ELM cannot express) comes only from the caller, and whatever else the
catalogue's shapes require and a file lacks is reported by the validated write path, which then stores nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard
from xml.etree import ElementTree

from rdflib import OWL, RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF
from rdflib.term import BNode, Node

from smarco_kg.catalogue.write import slug
from smarco_kg.europass.official_shapes import shape_terms
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM, ROV, SMARCO
from smarco_kg.store import GraphStore
from smarco_kg.write_path import BatchProgress, WriteResult

CONTEXTS = {  # the remote contexts of ELM v3 -> the vendored copies (context/ in the ELM folder)
    "https://www.w3.org/2018/credentials/v1": "w3c-credentials-v1.jsonld",
    "http://data.europa.eu/snb/model/context/edc-ap": "edc-ap-context.jsonld",
}
SPECIFICATIONS = (ELM.LearningAchievementSpecification, ELM.Qualification)
COURSE_LIKE = (ELM.LearningOpportunity, *SPECIFICATIONS, ELM.LearningOutcome)
VALUES = (SKOS.Concept, SKOS.ConceptScheme)  # coded values: referred to by IRI, described by the code lists
LOCAL_IDS = "urn:epass:"  # Europass's per-file ids (urn:epass:org:1 in every credential): not identities
EQF = "http://data.europa.eu/snb/eqf/"  # the EQF levels scheme
_XML_START = re.compile(r"<(\?xml|!--|!DOCTYPE|[A-Za-z_][\w.-]*:?[\w.-]*[\s>])")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")


class UnreadableFile(ValueError):
    """The file is missing, not in a format read here, or not parseable: nothing was imported."""


class NothingToImport(Exception):
    """The files parse but cannot be imported as they are; ``problems`` says why, one line each."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass
class ElmImport:
    """The catalogue data an import writes, and how it maps the files' nodes (original -> catalogue IRI)."""

    data: dict[str, Graph] = field(default_factory=dict)  # graph IRI -> the triples written to it
    courses: dict[Node, URIRef] = field(default_factory=dict)  # opportunity (or lone specification) -> course
    organisations: dict[Node, URIRef] = field(default_factory=dict)  # minted records
    existing: dict[Node, URIRef] = field(default_factory=dict)  # organisations the catalogue already has
    renamed: dict[Node, URIRef] = field(default_factory=dict)  # every original main node -> its catalogue IRI
    notes: list[str] = field(default_factory=list)  # derived values, left-out triples

    def nquads(self) -> bytes:
        """The data as N-Quads: each graph's N-Triples (rdflib's escaping), its name added to every line."""
        lines = []
        for name, graph in sorted(self.data.items()):
            for line in graph.serialize(format="nt").splitlines():
                if line.strip():
                    lines.append(f"{line.rstrip().removesuffix('.').rstrip()} <{name}> .\n")
        return "".join(lines).encode("utf-8")


# -- reading -------------------------------------------------------------------------------------------------------


def read_elm(path: Path, elm_dir: Path) -> Graph:
    """The RDF of one ELM file, whatever its envelope; ``UnreadableFile`` when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UnreadableFile(f"{path}: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"{path.name}: not UTF-8 text ({error.reason})") from error
    if not text:
        raise UnreadableFile(f"{path.name}: the file is empty")
    if text[0] in "{[" or _COMPACT_JWS.match(text):
        document = _unwrap(_json(text, path.name), path.name)
        return _parse(json.dumps(_local_contexts(document, elm_dir, path.name)), "json-ld", path)
    root = _xml_root(text) if _XML_START.match(text) else None
    if root is not None:
        _require_rdf_xml(root, path.name)
        return _parse(text, "xml", path)
    return _parse(text, "turtle", path)  # Turtle may start with "<" too: an IRI, not an element


def _json(text: str, name: str) -> object:
    if _COMPACT_JWS.match(text):
        return {"compact": text}
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(f"{name}: not valid JSON ({error})") from error


def _unwrap(document: object, name: str, depth: int = 0) -> object:
    """The credential inside a JWS envelope or an uploadable wrapper (which may nest: an uploaded signed file)."""
    if depth > 3 or not isinstance(document, dict) or "@context" in document:
        return document
    if "compact" in document and len(document) == 1:
        header, payload, _ = document["compact"].split(".")
        return _unwrap(_payload({"protected": header, "payload": payload}, name), name, depth + 1)
    if "payload" in document and ("signatures" in document or "signature" in document):
        return _unwrap(_payload(document, name), name, depth + 1)
    if "credential" in document and not {"id", "type", "@id", "@type"} & set(document):
        inner = document["credential"]
        if isinstance(inner, str):
            inner = _json(inner.strip(), name)
        return _unwrap(inner, name, depth + 1)
    return document


def _payload(envelope: dict, name: str) -> object:
    """A JWS payload: JSON as it is (JAdES with ``b64: false``, as Europass seals) or base64url-encoded JSON (the
    JWS default); base64url has no ``{``, so the two cannot be confused."""
    payload = envelope.get("payload")
    if not isinstance(payload, str):
        raise UnreadableFile(f"{name}: a JWS envelope without a payload string")
    text = payload.strip()
    if not text.startswith(("{", "[")):
        try:
            text = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise UnreadableFile(f"{name}: the JWS payload is neither JSON nor base64url JSON") from error
    return _json(text.strip(), name)


def _local_contexts(node: object, elm_dir: Path, name: str) -> object:
    """The document with ELM's remote contexts inlined from the vendored copies; other remote contexts refused."""
    if isinstance(node, list):
        return [_local_contexts(item, elm_dir, name) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            entries = value if isinstance(value, list) else [value]
            inlined = [_context(entry, elm_dir, name) for entry in entries]
            out[key] = inlined if isinstance(value, list) else inlined[0]
        elif key == "@import" and isinstance(value, str):
            out[key] = _context(value, elm_dir, name)
        else:
            out[key] = _local_contexts(value, elm_dir, name)
    return out


def _context(entry: object, elm_dir: Path, name: str) -> object:
    if not isinstance(entry, str):
        return _local_contexts(entry, elm_dir, name)
    local = CONTEXTS.get(entry) or CONTEXTS.get(entry.rstrip("/"))
    if local is None:
        raise UnreadableFile(
            f"{name}: JSON-LD context {entry!r} is not one of ELM's ({', '.join(CONTEXTS)}); remote contexts are "
            "never fetched"
        )
    try:
        return json.loads((elm_dir / "context" / local).read_text(encoding="utf-8"))["@context"]
    except (OSError, ValueError, KeyError) as error:
        raise UnreadableFile(f"the vendored JSON-LD context {elm_dir / 'context' / local} cannot be read") from error


def _xml_root(text: str) -> ElementTree.Element | None:
    try:
        return ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError:
        return None


def _require_rdf_xml(root: ElementTree.Element, name: str) -> None:
    """RDF/XML, not the XML of Europass's XSDs (loq.xsd, ams.xsd), which is a different format."""
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    if not (root.tag == f"{rdf}RDF" or any(key.startswith(rdf) for key in root.attrib)):
        raise UnreadableFile(
            f"{name}: XML but not RDF/XML (root element {root.tag}); the XSD-based Europass XML (LOQ, AMS) is not "
            "read: use its RDF (Turtle, RDF/XML or JSON-LD)"
        )


def _parse(text: str, fmt: str, path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except Exception as error:  # rdflib raises many unrelated types for bad input
        what = {"json-ld": "JSON-LD", "xml": "RDF/XML", "turtle": "Turtle"}[fmt]
        raise UnreadableFile(f"{path.name}: cannot parse it as {what}: {' '.join(str(error).split())}") from error
    return graph


# -- mapping -------------------------------------------------------------------------------------------------------


def _types(data: Graph, node: Node) -> set[Node]:
    return set(data.objects(node, RDF.type))


def _sorted(nodes: Iterable[Node], data: Graph) -> list[Node]:
    """Deterministic order: by English (else any) title or name, then IRI."""
    return sorted(set(nodes), key=lambda n: (_name(data, n), str(n)))


def _name(data: Graph, node: Node) -> str:
    for prop in (DCTERMS.title, ROV.legalName, SKOS.prefLabel):
        values = [v for v in data.objects(node, prop) if isinstance(v, Literal)]
        for test in (lambda v: (v.language or "").startswith("en"), lambda v: not v.language, lambda v: True):
            chosen = sorted(str(v) for v in values if test(v))
            if chosen:
                return chosen[0]
    return ""


def _course_roots(data: Graph) -> list[tuple[Node | None, list[Node]]]:
    """(opportunity, its specifications) per course, then (None, [spec]) for specifications no opportunity offers
    and no other specification has as a part (a credential's ``elm:specifiedBy``, a bare catalogue entry)."""
    roots: list[tuple[Node | None, list[Node]]] = []
    offered: set[Node] = set()
    for opportunity in _sorted(data.subjects(RDF.type, ELM.LearningOpportunity), data):
        specs = _sorted(data.objects(opportunity, ELM.learningAchievementSpecification), data)
        offered.update(specs)
        roots.append((opportunity, specs))
    every_spec = {s for t in SPECIFICATIONS for s in data.subjects(RDF.type, t)}
    parts = {o for s in every_spec for o in data.objects(s, ELM.hasPart)} | {
        s for s in every_spec if any(o in every_spec for o in data.objects(s, ELM.isPartOf))
    }
    for spec in _sorted(every_spec - offered - parts, data):
        roots.append((None, [spec]))
    return roots


def _global(node: Node) -> TypeGuard[URIRef]:
    return isinstance(node, URIRef) and not str(node).startswith(LOCAL_IDS)


class _Planner:
    """Builds the catalogue data of one import, file by file, minting IRIs unique in the store and the import."""

    def __init__(self, store: GraphStore, base_iri: str, elm_dir: Path, graph: str | None, aims: Sequence[URIRef]):
        self.store, self.base, self.graph, self.aims = store, base_iri, graph, list(aims)
        loq, edc = shape_terms(elm_dir, "loq"), shape_terms(elm_dir, "edc")
        self.terms = {c: (loq[c].properties if c in loq else frozenset()) | edc[c].properties for c in edc}
        self.result = ElmImport()
        self.taken: set[str] = set()
        self.problems: list[str] = []

    # naming

    def mint(self, folder: str, title: str, fallback: str) -> URIRef:
        stem = slug(title) or fallback
        n = 1
        while True:
            iri = f"{self.base}{folder}/{stem}" + (f"-{n}" if n > 1 else "")
            if iri not in self.taken and not self._used(iri):
                self.taken.add(iri)
                return URIRef(iri)
            n += 1

    def _used(self, iri: str) -> bool:
        query = "ASK { { ?s ?p ?o } UNION { ?o ?p ?s } }"
        return self.store.query(query, union_default_graph=True, bindings={"s": URIRef(iri)}).boolean

    def _existing(self, original: Node, cls: URIRef) -> URIRef | None:
        """The catalogue's record of ``original``: the IRI itself, or what is ``owl:sameAs`` it."""
        if not _global(original):
            return None
        if self.store.query(f"ASK {{ ?o a <{cls}> }}", union_default_graph=True, bindings={"o": original}).boolean:
            return original
        query = f"SELECT ?x WHERE {{ ?x <{OWL.sameAs}> ?o ; a <{cls}> }} ORDER BY ?x LIMIT 1"
        rows = list(self.store.query(query, union_default_graph=True, bindings={"o": original}).rows())
        return URIRef(str(rows[0]["x"])) if rows else None

    # planning

    def add_file(self, data: Graph, name: str) -> None:
        roots = _course_roots(data)
        if not roots:
            held = sorted({str(t) for t in data.objects(None, RDF.type) if t not in VALUES})
            self.problems.append(
                f"{name}: nothing course-like: no elm:LearningOpportunity, and no elm:LearningAchievementSpecification"
                " or elm:Qualification standing on its own (a credential's achievement names it with elm:specifiedBy);"
                f" the file holds {len(data)} statement(s)"
                + (f" about: {', '.join(_short(t) for t in held)}" if held else "")
            )
            return
        courses = []
        for opportunity, specs in roots:
            original = opportunity if opportunity is not None else specs[0]
            known = self._existing(original, ELM.LearningOpportunity) or self._existing(original, SPECIFICATIONS[0])
            if known is not None:
                self.problems.append(f"{name}: <{original}> is already in the catalogue as <{known}>")
                continue
            if _global(original) and original in self.result.courses:
                self.problems.append(f"{name}: <{original}> is in another of the files too")
                continue
            title = _name(data, original) or (_name(data, specs[0]) if specs else "")
            course = self.mint("course", title, "course")
            self.result.courses[original] = course
            self._name_parts(data, course, opportunity, specs)
            courses.append((opportunity, specs, course))
        copier = _Copier(self, data)
        for opportunity, specs, course in courses:
            copier.course(opportunity, specs, course)

    def _name_parts(self, data: Graph, course: URIRef, opportunity: Node | None, specs: list[Node]) -> None:
        renamed = self.result.renamed
        if opportunity is not None:
            renamed[opportunity] = course
        n = 0
        for i, spec in enumerate(specs):
            if spec in renamed:
                continue
            renamed[spec] = URIRef(f"{course}/specification" + (f"-{i + 1}" if i else ""))
            for outcome in _sorted(data.objects(spec, ELM.learningOutcome), data):
                if outcome not in renamed:
                    n += 1
                    renamed[outcome] = URIRef(f"{course}/outcome/{n}")

    def organisation(self, data: Graph, original: Node) -> tuple[URIRef, bool]:
        """The catalogue IRI of an organisation the file describes; True when it is new (to be written)."""
        found = self.result.renamed.get(original)
        if found is not None:
            return found, original in self.result.organisations
        existing = self._existing(original, ELM.Organisation)
        if existing is not None:
            self.result.existing[original] = self.result.renamed[original] = existing
            return existing, False
        iri = self.mint("organisation", _name(data, original), "organisation")
        self.result.organisations[original] = self.result.renamed[original] = iri
        return iri, True

    def graph_of_organisation(self, iri: URIRef) -> str:
        return self.graph or f"{self.base}graph/partner/{str(iri).rsplit('/', 1)[-1]}"


def _short(iri: str) -> str:
    for prefix, namespace in (("elm", str(ELM)), ("skos", str(SKOS)), ("dct", str(DCTERMS))):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


class _Copier:
    """Copies one file's course-like nodes into the catalogue's dataset, renamed, with what ELM defines for them."""

    def __init__(self, planner: _Planner, data: Graph) -> None:
        self.planner, self.data, self.result = planner, data, planner.result
        self.owned: dict[tuple[str, Node], Node] = {}  # (graph, original) -> its copy, per graph
        self.copied: set[object] = set()

    def add(self, graph: str, triple: tuple[Node, Node, Node]) -> None:
        self.result.data.setdefault(graph, Graph()).add(triple)

    def course(self, opportunity: Node | None, specs: list[Node], course: URIRef) -> None:
        data, renamed = self.data, self.result.renamed
        provider = next(iter(_sorted(data.objects(opportunity, ELM.providedBy), data)), None) if opportunity else None
        provider_iri: URIRef | None
        if provider is not None and ELM.Organisation in _types(data, provider):
            provider_iri, _ = self.planner.organisation(data, provider)
        else:
            provider_iri = provider if isinstance(provider, URIRef) else None
        graph = self.planner.graph or (
            self.planner.graph_of_organisation(provider_iri) if provider_iri else f"{self.planner.base}graph/import/elm"
        )
        if opportunity is not None:
            self.node(opportunity, course, graph, ELM.LearningOpportunity)
        else:
            self.offer(specs[0], course, graph)
        for spec in specs:
            self.node(spec, renamed[spec], graph, ELM.LearningAchievementSpecification)
            for outcome in data.objects(spec, ELM.learningOutcome):
                if str(renamed.get(outcome, "")).startswith(f"{course}/"):
                    self.node(outcome, renamed[outcome], graph, ELM.LearningOutcome)
        self.derive_language(course, graph, opportunity, specs)
        for aim in self.planner.aims:
            self.add(graph, (course, SMARCO.aim, aim))

    def offer(self, spec: Node, course: URIRef, graph: str) -> None:
        """The opportunity a lone specification implies: the same titles and description, offering it."""
        self.add(graph, (course, RDF.type, ELM.LearningOpportunity))
        taken = []
        for prop in (DCTERMS.title, DCTERMS.description):
            for value in self.data.objects(spec, prop):
                self.add(graph, (course, prop, value))
                taken.append(_short(str(prop)))
        self.add(graph, (course, ELM.learningAchievementSpecification, self.result.renamed[spec]))
        self.result.notes.append(
            f"<{course}>: the course offering <{spec}>, which no elm:LearningOpportunity offers"
            + (f"; its {' and '.join(sorted(set(taken)))} taken from it" if taken else "")
        )

    def derive_language(self, course: URIRef, graph: str, opportunity: Node | None, specs: list[Node]) -> None:
        """The main language of instruction, when the opportunity names none and its specification only one."""
        if opportunity is not None and (opportunity, ELM.defaultLanguage, None) in self.data:
            return
        languages = {lang for spec in specs for lang in self.data.objects(spec, DCTERMS.language)}
        if len(languages) == 1:
            language = languages.pop()
            self.add(graph, (course, ELM.defaultLanguage, language))
            self.result.notes.append(
                f"<{course}>: elm:defaultLanguage <{language}>, the only language of its specification"
            )

    def node(self, original: Node, target: Node, graph: str, role: URIRef | None = None) -> None:
        """Copy ``original`` as ``target``: its types (with ``role``, the class its place in ELM implies), the ELM
        properties of its classes, and what it owns; organisations it names are planned and copied too."""
        key = original if original in self.result.renamed else (graph, original)  # a main node is copied once
        if key in self.copied:
            return
        self.copied.add(key)
        data = self.data
        types = _types(data, original)
        if role is not None:
            types.add(role)
        if ELM.Qualification in types:
            types.add(ELM.LearningAchievementSpecification)  # rdfs:subClassOf in ELM; the shapes target the latter
        for cls in sorted(types, key=str):
            self.add(graph, (target, RDF.type, cls))
        if _global(original) and original in self.result.renamed and original != target:
            self.add(graph, (target, OWL.sameAs, original))
        if types & set(SPECIFICATIONS):  # what ELM defines for a Qualification, a superset of a plain specification's
            types.add(ELM.Qualification)  # (the catalogue gives every specification an EQF level, say)
        known = [self.planner.terms[t] for t in types if isinstance(t, URIRef) and t in self.planner.terms]
        allowed = frozenset().union(*known) if known else None
        for p, o in sorted(data.predicate_objects(original), key=lambda po: (str(po[0]), str(po[1]))):
            if p == RDF.type:
                continue
            if allowed is not None and p not in allowed:
                self.result.notes.append(f"left out <{original}> <{p}>: not an ELM property of its class")
                continue
            if p == FOAF.homepage and self._self_page(original, o):
                continue
            if p == ELM.educationLevel and str(o).startswith(EQF):
                p = ELM.EQFLevel  # how a plain specification carries its EQF level in LOQ (see projection.FALLBACKS)
            value = self.value(original, p, o, graph)
            if value is not None:
                self.add(graph, (target, p, value))

    def _self_page(self, original: Node, page: Node) -> bool:
        return any(str(url) == str(original) for url in self.data.objects(page, ELM.contentUrl))

    def value(self, subject: Node, p: Node, o: Node, graph: str) -> Node | None:
        data, renamed = self.data, self.result.renamed
        if isinstance(o, Literal):
            return o
        types = _types(data, o)
        if ELM.Organisation in types:
            iri, new = self.planner.organisation(data, o)
            if new:
                self.node(o, iri, self.planner.graph_of_organisation(iri), ELM.Organisation)
            return iri
        if o in renamed:
            return renamed[o]
        if types & set(COURSE_LIKE):
            self.result.notes.append(f"left out <{subject}> <{p}> <{o}>: a part this import does not bring in")
            return None
        if (o, None, None) not in data or types & set(VALUES):
            return o if isinstance(o, URIRef) else None  # a coded value, an ESCO skill, a page: the IRI itself
        key = (graph, o)
        if key not in self.owned:
            self.owned[key] = BNode() if isinstance(o, BNode) or str(o).startswith("urn:") else o
        self.node(o, self.owned[key], graph)
        return self.owned[key]


def plan_import(
    store: GraphStore,
    files: Sequence[tuple[str, Graph]],
    base_iri: str,
    elm_dir: Path,
    *,
    graph: str | None = None,
    aims: Sequence[URIRef] = (),
) -> ElmImport:
    """The catalogue data for ``files`` ((name, parsed graph) pairs); ``NothingToImport`` when a file holds no
    course, or one the catalogue has already."""
    planner = _Planner(store, base_iri, elm_dir, graph, aims)
    for name, data in files:
        planner.add_file(data, name)
    if planner.problems:
        raise NothingToImport(f"{len(planner.problems)} problem(s)", planner.problems)
    return planner.result


def import_elm(
    kg: KnowledgeGraph,
    paths: Sequence[Path],
    base_iri: str,
    elm_dir: Path,
    *,
    graph: str | None = None,
    aims: Sequence[URIRef] = (),
    progress: BatchProgress | None = None,
    before_write: Callable[[ElmImport], None] | None = None,
) -> tuple[ElmImport, WriteResult]:
    """Read, map and commit ``paths`` through the validated write path: all of it, or (``WriteRejected``,
    ``NothingToImport``, ``UnreadableFile``) nothing. ``before_write`` sees the plan (to show the mapping)."""
    files = [(path.name, read_elm(path, elm_dir)) for path in paths]
    plan = plan_import(kg.store, files, base_iri, elm_dir, graph=graph, aims=aims)
    if before_write is not None:
        before_write(plan)
    name = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
    result = kg.commit(plan.nquads(), rdf_syntax("nquads"), progress=progress, name=name)
    return plan, result
