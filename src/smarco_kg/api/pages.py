"""Dereferenceable IRIs and HTML pages: one page per resource of every registry class, one index per collection.

**IRIs.** Minted IRIs are ``<base>course/<id>``, ``<base>credential/<id>``, ``<base>pathway/<id>``,
``<base>practice/<id>`` and ``<base>organisation/<id>`` (the registry's prefixes). The server answers the path
part (``/course/<id>`` …) and maps it onto the configured base IRI, so ``http://127.0.0.1:8000/course/x``
describes ``https://w3id.org/smarco/course/x`` whatever host the request came to (a w3id redirect points the
base at this server). ESCO skills and occupations keep their official IRIs; their pages live at
``/skills/<uuid>`` and ``/occupations/<uuid>`` and link to the ESCO IRI.

**Negotiation: direct, no 303.** The IRI itself answers with the representation asked for, ``Vary: Accept``
(and ``Accept-Language``, which picks the page's language when ``lang=`` is absent). We chose direct negotiation
over a 303 to a document IRI because these are slash IRIs of information resources (records of a catalogue),
and one round trip is kinder to browsers and crawlers. Offered, in the server's order of preference:
``text/html`` (so a browser, or a client that says ``*/*`` or nothing, gets the page), Turtle, JSON-LD,
N-Triples, RDF/XML and JSON; ``?format=html|turtle|jsonld|jsonld-full|ntriples|rdfxml|json`` overrides
``Accept``. The RDF representations are exactly those of ``/api/{collection}/{id}`` (same description, same
serialisers); an unknown id is a 404 problem document, an unacceptable ``Accept`` a 406.

**Pages.** Server-rendered (Jinja2), no JavaScript: header, nav, main and footer landmarks, one ``h1`` (the
label in the chosen language: ``?lang=``, else ``Accept-Language``, else English, else any), a language switcher
for the languages the label comes in, the description as a definition list whose linked resources show their
labels and link to their own pages, and for courses a schema.org ``Course`` in JSON-LD. Index pages
(``/courses`` …) list members by label, take the API's filters through a plain GET form, and page with
previous/next links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from smarco_kg.api import resources
from smarco_kg.api.negotiation import NotAcceptable, negotiate
from smarco_kg.api.problems import PROBLEM, Problem
from smarco_kg.config import Settings
from smarco_kg.namespaces import ELM, ESCO, SMARCO
from smarco_kg.registry import EQF, LABEL_PROPERTIES, LANGUAGE, ResourceClass, curie, local_name, registry
from smarco_kg.store import GraphStore

router = APIRouter(tags=["Pages"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")

HTML = "text/html"
OFFERED = (HTML, "text/turtle", resources.JSONLD, "application/n-triples", "application/rdf+xml", "application/json")
VARY = "Accept, Accept-Language"
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_MAX_DEPTH = 4
# The path of an IRI under the base: segments of IRI characters, none empty, no dot segments.
_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9._~%!$&'()*+,;=:@-]+"
_NODE_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
# First path segments the application answers itself: never an IRI of the catalogue.
_RESERVED = ("api", "static", "store", "sparql", "docs", "redoc", "openapi.json", "health")


class _IriPath(Convertor[str]):
    """Any path but those of the application's own routes and mounts (``/static`` is mounted after this router)."""

    regex = rf"(?!(?:{'|'.join(re.escape(r) for r in _RESERVED)})(?:/|$))[^/][^?#]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("smarco_iri", _IriPath())
# ISO 639-2/B codes of the EU language authority -> BCP 47, for schema.org inLanguage and the switcher.
_LANGUAGE_TAGS = {
    "BUL": "bg", "CES": "cs", "DAN": "da", "DEU": "de", "ELL": "el", "ENG": "en", "EST": "et", "FIN": "fi",
    "FRA": "fr", "GLE": "ga", "HRV": "hr", "HUN": "hu", "ITA": "it", "LAV": "lv", "LIT": "lt", "MLT": "mt",
    "NLD": "nl", "POL": "pl", "POR": "pt", "RON": "ro", "SLK": "sk", "SLV": "sl", "SPA": "es", "SWE": "sv",
}  # fmt: skip


# -- the registry, mapped onto paths ----------------------------------------------------------------------------


def _own(entry: ResourceClass) -> bool:
    """Whether the class's IRIs are minted under the base IRI (else they are external, ESCO's)."""
    return not entry.prefix.startswith(("http://", "https://"))


def _member_path(entry: ResourceClass) -> str:
    return f"/{entry.prefix}{{id}}" if _own(entry) else f"/{entry.collection}/{{id}}"


def page_of(base_iri: str, iri: Node) -> str | None:
    """The path of the page describing ``iri``, or None when no page does."""
    found = resources.member_of(base_iri, iri) if isinstance(iri, URIRef) else None
    if found is None:
        return None
    entry, local = found
    return f"/{entry.prefix}{local}" if _own(entry) else f"/{entry.collection}/{local}"


def node_path(base_iri: str, iri: Node) -> str | None:
    """The path at which an IRI under the base IRI answers (``<base>course/x/outcome/1`` -> ``/course/x/outcome/1``),
    or None for IRIs elsewhere, hash IRIs and IRIs with a query."""
    if not isinstance(iri, URIRef) or not str(iri).startswith(base_iri):
        return None
    local = str(iri)[len(base_iri) :]
    if not local or set("#?").intersection(local) or not _NODE_PATH.fullmatch(local):
        return None
    return f"/{local}"


# -- languages --------------------------------------------------------------------------------------------------


def _accept_language(header: str | None) -> str | None:
    best: tuple[float, int, str] | None = None
    for order, part in enumerate((header or "").split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        if not tag or tag == "*" or not _LANG.fullmatch(tag):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (q, -order) > best[:2]):
            best = (q, -order, tag)
    return best[2] if best else None


def chosen_language(request: Request) -> str:
    """``?lang=``, else the client's preferred language, else English."""
    lang = request.query_params.get("lang", "").strip()
    if lang and not _LANG.fullmatch(lang):
        raise Problem(422, "bad value for 'lang'", f"lang={lang!r}: a language tag such as en, it or pt-PT")
    return lang or _accept_language(request.headers.get("accept-language")) or "en"


def label_of(graph: Graph, node: Node, lang: str) -> Literal | None:
    for prop in LABEL_PROPERTIES:
        values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
        if values:
            return resources._pick_label(values, lang)
    return None


def _name(graph: Graph, node: Node, lang: str) -> str:
    label = label_of(graph, node, lang)
    if label is not None:
        return str(label)
    return curie(node) if isinstance(node, URIRef) else "(unnamed)"


# -- the page model ---------------------------------------------------------------------------------------------


@dataclass
class ValueView:
    text: str
    href: str | None = None  # a page of ours, or the external IRI
    external: bool = False
    lang: str | None = None
    children: list[PropertyView] = field(default_factory=list)


@dataclass
class PropertyView:
    name: str
    iri: str
    values: list[ValueView]


class _Builder:
    def __init__(self, graph: Graph, root: URIRef, base_iri: str, lang: str) -> None:
        self.graph, self.root, self.base_iri, self.lang = graph, root, base_iri, lang
        self.seen: set[Node] = {root}

    def link(self, node: URIRef) -> ValueView:
        page = page_of(self.base_iri, node) or node_path(self.base_iri, node)
        text = _name(self.graph, node, self.lang)
        label = label_of(self.graph, node, self.lang)
        lang = label.language if label is not None else None
        return ValueView(text, page or str(node), external=page is None, lang=lang)

    def properties(self, node: Node, depth: int) -> list[PropertyView]:
        by_property: dict[URIRef, list[Node]] = {}
        for p, o in self.graph.predicate_objects(node):
            by_property.setdefault(p, []).append(o)  # type: ignore[arg-type]
        views = []
        for prop in sorted(by_property, key=lambda p: curie(p)):
            views.append(PropertyView(curie(prop), str(prop), self.values(by_property[prop], depth)))
        return views

    def values(self, objects: list[Node], depth: int) -> list[ValueView]:
        literals = [o for o in objects if isinstance(o, Literal)]
        shown: list[ValueView] = []
        if literals and all(v.language for v in literals):
            picked = resources._pick_label(literals, self.lang)
            literals = [picked] if picked is not None else []
        for value in sorted(literals, key=str):
            shown.append(ValueView(str(value), lang=value.language))
        nodes = sorted((o for o in objects if not isinstance(o, Literal)), key=lambda n: _name(self.graph, n, "en"))
        for node in nodes:
            described = any(p not in LABEL_PROPERTIES for p in self.graph.predicates(node))  # not only its label
            if described and node not in self.seen and depth < _MAX_DEPTH and page_of(self.base_iri, node) is None:
                self.seen.add(node)
                view = self.link(node) if isinstance(node, URIRef) else ValueView("")
                if isinstance(node, URIRef) and view.external and str(node).startswith(self.base_iri):
                    view.href, view.external = node_path(self.base_iri, node), False  # a part with its own page
                view.children = self.properties(node, depth + 1)
                shown.append(view)
            elif isinstance(node, URIRef):
                shown.append(self.link(node))
            else:
                shown.append(ValueView("(blank node)"))
        return shown


def _languages(graph: Graph, root: URIRef, entry: ResourceClass) -> list[str]:
    return sorted({v.language for v in graph.objects(root, entry.label) if isinstance(v, Literal) and v.language})


def _skills(graph: Graph) -> list[URIRef]:
    return sorted({o for o in graph.objects(None, ELM.relatedESCOSkill) if isinstance(o, URIRef)}, key=str)


_INCOMING = f"""SELECT DISTINCT ?s ?label WHERE {{
  {{ ?s <{ELM.learningAchievementSpecification}>?/<{ELM.learningOutcome}>/<{ELM.relatedESCOSkill}> ?r }}
  UNION {{ ?s <{SMARCO.relatedSkill}>|<{ESCO.relatedEssentialSkill}>|<{ESCO.relatedOptionalSkill}>
            |<{SMARCO.targetOccupation}>|<{ELM.providedBy}>|<{SMARCO.contributedBy}>|<{SMARCO.targetCredential}>
            |<{ELM.learningAchievementSpecification}> ?r }}
  OPTIONAL {{ ?s ?lp ?label . FILTER(?lp IN ({", ".join(f"<{p}>" for p in LABEL_PROPERTIES)})) }}
}} LIMIT 5000"""


def incoming(store: GraphStore, base_iri: str, iri: URIRef, lang: str) -> list[tuple[str, list[ValueView]]]:
    """What links to ``iri`` (courses teaching a skill, occupations needing it, a partner's courses…), by
    collection."""
    labels: dict[Node, list[Literal]] = {}
    for row in store.query(_INCOMING, union_default_graph=True, bindings={"r": iri}).rows():
        values = labels.setdefault(row["s"], [])
        if isinstance(row.get("label"), Literal):
            values.append(row["label"])
    groups: dict[str, list[ValueView]] = {}
    for entry in registry(base_iri):
        namespace = entry.namespace(base_iri)
        for node, values in labels.items():
            page = page_of(base_iri, node)
            if page is None or node == iri or not str(node).startswith(namespace):
                continue
            label = resources._pick_label(values, lang)
            text = str(label) if label is not None else local_name(str(node))
            groups.setdefault(entry.collection, []).append(
                ValueView(text, page, lang=label.language if label is not None else None)
            )
    return [(name, sorted(views, key=lambda v: v.text.lower())) for name, views in groups.items()]


def _language_tag(iri: Node) -> str:
    code = str(iri)[len(LANGUAGE) :] if str(iri).startswith(LANGUAGE) else local_name(str(iri))
    return _LANGUAGE_TAGS.get(code.upper(), code.lower())


def course_jsonld(graph: Graph, root: URIRef, base_iri: str, lang: str) -> dict:
    """The schema.org ``Course`` search engines read: name, description, provider, languages, credential, skills,
    EQF level."""

    def text(node: Node, prop: URIRef) -> str | None:
        values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
        picked = resources._pick_label(values, lang) if values else None
        return str(picked) if picked is not None else None

    body: dict = {"@context": "https://schema.org", "@type": "Course", "@id": str(root), "url": str(root)}
    body["name"] = _name(graph, root, lang)
    if description := text(root, DCTERMS.description):
        body["description"] = description
    providers = [
        {"@type": "Organization", "@id": str(o), "name": _name(graph, o, lang), "url": str(o)}
        for o in sorted(graph.objects(root, ELM.providedBy), key=str)
    ]
    if providers:
        body["provider"] = providers[0] if len(providers) == 1 else providers
    specifications = list(graph.objects(root, ELM.learningAchievementSpecification))
    languages = {_language_tag(o) for o in graph.objects(root, ELM.defaultLanguage)}
    for spec in specifications:
        languages |= {_language_tag(o) for o in graph.objects(spec, DCTERMS.language)}
    if languages:
        body["inLanguage"] = sorted(languages)[0] if len(languages) == 1 else sorted(languages)
    credentials = [
        {"@type": "EducationalOccupationalCredential", "@id": str(s), "name": _name(graph, s, lang), "url": str(s)}
        for s in specifications
        if str(s).startswith(f"{base_iri}credential/")
        or any(t in (SMARCO.MicroCredential, SMARCO.Certificate) for t in graph.objects(s, RDF.type))
    ]
    if credentials:
        body["educationalCredentialAwarded"] = credentials[0] if len(credentials) == 1 else credentials
    skills = [
        {"@type": "DefinedTerm", "@id": str(s), "name": _name(graph, s, lang), "url": str(s),
         "inDefinedTermSet": "http://data.europa.eu/esco/concept-scheme/skills"}
        for s in _skills(graph)
    ]  # fmt: skip
    if skills:
        body["teaches"] = skills
    levels = sorted({str(o) for spec in specifications for o in graph.objects(spec, ELM.EQFLevel)})
    if levels:
        level = levels[0]
        number = level[len(EQF) :] if level.startswith(EQF) else local_name(level)
        body["educationalLevel"] = {
            "@type": "DefinedTerm",
            "name": f"EQF level {number}",
            "termCode": number,
            "url": level,
            "inDefinedTermSet": "https://europa.eu/europass/en/european-qualifications-framework-eqf",
        }
    return body


def _script_json(body: dict) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no ``<!--``."""
    text = json.dumps(body, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# -- the answers ------------------------------------------------------------------------------------------------


def _wants(request: Request) -> resources._Representation | None:
    """None for HTML, else the RDF representation asked for by ``format=`` or ``Accept``; 406 when none fits."""
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt.strip().lower() in ("html", HTML):
            return None
        return resources._representation(request, fmt)
    try:
        media_type = negotiate(request.headers.get("accept"), OFFERED)
    except NotAcceptable as error:
        raise Problem(406, "no acceptable representation", str(error), offered=list(OFFERED)) from error
    return None if media_type == HTML else resources._representation(request, None)


async def _resource_page(request: Request, collection: str, local: str) -> Response:
    setup = resources._setup(request, collection)
    representation = _wants(request)
    lang = chosen_language(request)
    entry = setup.entry
    iri = entry.iri(setup.base_iri, local)
    graph = await run_in_threadpool(resources.describe, setup.store, entry, iri) if iri is not None else None
    if graph is None:
        detail = f"{iri or local} is not a {entry.name} of this catalogue"
        raise Problem(404, f"no such {entry.name}", detail, headers={"Vary": VARY})
    assert iri is not None
    if representation is not None:
        body, media_type = resources._render(graph, iri, setup, representation, request)
        return Response(body, media_type=media_type, headers={"Vary": VARY})
    builder = _Builder(graph, iri, setup.base_iri, lang)
    linked_from = await run_in_threadpool(incoming, setup.store, setup.base_iri, iri, lang)
    label = label_of(graph, iri, lang)
    context = {
        "kind": entry.name,
        "collection": collection,
        "part_of": [],
        "iri": str(iri),
        "title": str(label) if label is not None else local,
        "title_lang": label.language if label is not None else None,
        "lang": lang,
        "languages": _languages(graph, iri, entry),
        "types": [curie(t) for t in sorted(graph.objects(iri, RDF.type), key=str)],
        "properties": builder.properties(iri, 0),
        "skills": sorted((builder.link(s) for s in _skills(graph)), key=lambda v: v.text.lower()),
        "external": not _own(entry),
        "incoming": linked_from,
        "formats": [("Turtle", "turtle"), ("JSON-LD", "jsonld"), ("N-Triples", "ntriples"), ("RDF/XML", "rdfxml")],
        "jsonld": _script_json(course_jsonld(graph, iri, setup.base_iri, lang)) if collection == "courses" else None,
        "collections": _collections(setup.base_iri),
        "api": f"/api/{collection}/{local}",
    }
    return templates.TemplateResponse(request, "resource.html", context, headers={"Vary": VARY})


def describe_node(store: GraphStore, iri: URIRef) -> Graph | None:
    """Any node's own description: its triples, the blank nodes it owns (three deep) and the labels of what it
    links to, as ``resources.describe`` gives a member's; None when the store has no triple about it."""
    graph = resources.read_description(store, [iri])
    return graph if (iri, None, None) in graph else None


_PARENTS = f"""SELECT DISTINCT ?s ?label WHERE {{
  ?s ?p ?r . FILTER(isIRI(?s) && ?s != ?r && ?p != <{RDF.type}>)
  OPTIONAL {{ ?s ?lp ?label . FILTER(?lp IN ({", ".join(f"<{p}>" for p in LABEL_PROPERTIES)})) }}
}} LIMIT 5000"""


def part_of(store: GraphStore, base_iri: str, iri: URIRef, lang: str) -> list[ValueView]:
    """The pages a node is part of: the resources under the base IRI that link to it and whose IRI its own IRI
    belongs to the same record (``course/x/outcome/1`` -> ``course/x/specification`` -> ``course/x``), nearest
    first, up to the registry member that holds them; when none does, whatever under the base IRI links to it."""
    chain: list[ValueView] = []
    seen: set[Node] = {iri}
    current = iri
    fallback: list[ValueView] = []
    for _ in range(_MAX_DEPTH):
        labels: dict[Node, list[Literal]] = {}
        for row in store.query(_PARENTS, union_default_graph=True, bindings={"r": current}).rows():
            values = labels.setdefault(row["s"], [])
            if isinstance(row.get("label"), Literal):
                values.append(row["label"])
        views = {}
        for node, values in labels.items():
            href = page_of(base_iri, node) or node_path(base_iri, node)
            if href is None or node in seen:
                continue
            label = resources._pick_label(values, lang)
            text = str(label) if label is not None else curie(node)
            views[node] = ValueView(text, href, lang=label.language if label is not None else None)
        owners = sorted((n for n in views if _same_record(base_iri, n, iri)), key=lambda n: (-_prefix(n, iri), str(n)))
        if current == iri and not owners:
            fallback = sorted(views.values(), key=lambda v: v.text.lower())
        if not owners:
            break
        chain.append(views[owners[0]])
        seen.add(owners[0])
        if page_of(base_iri, owners[0]) is not None:
            break  # a registry member: the record this node belongs to
        current = owners[0]  # type: ignore[assignment]
    return chain or fallback


def _record(base_iri: str, iri: Node) -> str:
    """The first two segments of an IRI under the base: the record it belongs to (``course/x``)."""
    return "/".join(str(iri)[len(base_iri) :].split("/")[:2])


def _same_record(base_iri: str, node: Node, iri: Node) -> bool:
    return str(node).startswith(base_iri) and _record(base_iri, node) == _record(base_iri, iri)


def _prefix(node: Node, iri: Node) -> int:
    """How many characters ``node`` shares with ``iri`` from the start: the nearer owner shares more."""
    shared = 0
    for a, b in zip(str(node), str(iri), strict=False):
        if a != b:
            break
        shared += 1
    return shared


def _words(iri: Node) -> str:
    """A class's local name in words: ``LearningAchievementSpecification`` -> learning achievement specification."""
    name = local_name(str(iri))
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower() or "resource"


async def _node_page(request: Request, path: str) -> Response:
    """Any IRI under the base IRI the store describes, by the same negotiation as the members' pages."""
    setup = resources._setup(request, "courses")  # for the store, base IRI and JSON-LD vocabulary
    representation = _wants(request)
    lang = chosen_language(request)
    base_iri = setup.base_iri
    iri = URIRef(base_iri + path)
    graph = None
    if _NODE_PATH.fullmatch(path) and node_path(base_iri, iri) is not None:
        graph = await run_in_threadpool(describe_node, setup.store, iri)
    if graph is None:
        raise Problem(404, "no such resource", f"{iri} is not described in this catalogue", headers={"Vary": VARY})
    if representation is not None:
        body, media_type = resources._render(graph, iri, setup, representation, request)
        return Response(body, media_type=media_type, headers={"Vary": VARY})
    builder = _Builder(graph, iri, base_iri, lang)
    label = label_of(graph, iri, lang)
    types = sorted(graph.objects(iri, RDF.type), key=str)
    parents = await run_in_threadpool(part_of, setup.store, base_iri, iri, lang)
    collection = next(
        (e.collection for e in resources._entries(base_iri).values() if _own(e) and path.startswith(e.prefix)), None
    )
    languages = sorted(
        {v.language for p in LABEL_PROPERTIES for v in graph.objects(iri, p) if isinstance(v, Literal) and v.language}
    )
    context = {
        "kind": _words(types[0]) if types else "resource",
        "collection": collection,
        "iri": str(iri),
        "title": str(label) if label is not None else path,
        "title_lang": label.language if label is not None else None,
        "lang": lang,
        "languages": languages,
        "types": [curie(t) for t in types],
        "properties": builder.properties(iri, 0),
        "skills": sorted((builder.link(s) for s in _skills(graph)), key=lambda v: v.text.lower()),
        "external": False,
        "incoming": [],
        "part_of": parents,
        "formats": [("Turtle", "turtle"), ("JSON-LD", "jsonld"), ("N-Triples", "ntriples"), ("RDF/XML", "rdfxml")],
        "jsonld": None,
        "collections": _collections(base_iri),
        "api": None,
    }
    return templates.TemplateResponse(request, "resource.html", context, headers={"Vary": VARY})


def _collections(base_iri: str) -> list[tuple[str, str]]:
    return [(entry.collection, f"/{entry.collection}") for entry in registry(base_iri)]


async def _index_page(request: Request, collection: str) -> Response:
    setup = resources._setup(request, collection)
    entry = setup.entry
    lang = chosen_language(request)
    params = {k: v for k, v in request.query_params.items() if v.strip()}  # a GET form sends empty fields too
    error, members, total, status = None, [], 0, 200
    limit = offset = 0
    try:
        known = {f.name for f in entry.filters} | {"limit", "offset", "lang"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise resources._bad(unknown[0], params[unknown[0]], f"unknown parameter; use {', '.join(sorted(known))}")
        limit = resources._integer(params, "limit", resources.DEFAULT_LIMIT, 1, resources.MAX_LIMIT)
        offset = resources._integer(params, "offset", 0, 0, None)
        generation = resources.service(request).generation
        page = await run_in_threadpool(resources._list, setup, params, limit, offset, lang, generation)
        members = [ValueView(_name(page.graph, m, lang), page_of(setup.base_iri, m) or str(m)) for m in page.members]
        total = page.total
    except Problem as problem:
        error, status = problem.detail or problem.title, problem.status
    links = {}
    if offset > 0:
        links["previous"] = _relative(request, offset=max(0, offset - limit))
    if offset + limit < total:
        links["next"] = _relative(request, offset=offset + limit)
    context = {
        "entry": entry,
        "lang": lang,
        "filters": [(f, params.get(f.name, "")) for f in entry.filters],
        "members": members,
        "links": links,
        "offset": offset,
        "total": total,
        "error": error,
        "collections": _collections(setup.base_iri),
        "api": f"/api/{collection}",
        "limit": params.get("limit", ""),
    }
    return templates.TemplateResponse(request, "collection.html", context, status_code=status, headers={"Vary": VARY})


# -- routes -----------------------------------------------------------------------------------------------------


def _relative(request: Request, **params: int) -> str:
    url = request.url.include_query_params(**params)
    return f"{url.path}?{url.query}"


def wants_html(request: Request) -> bool:
    """Whether a browser is asking: HTML named in ``Accept`` and preferred over JSON."""
    accept = request.headers.get("accept")
    if not accept or "html" not in accept.lower():
        return False
    try:
        return negotiate(accept, (HTML, PROBLEM, "application/json")) == HTML
    except NotAcceptable:
        return False


def problem_page(request: Request, problem: Problem) -> Response:
    """The problem as an HTML page for a browser (same status and headers), else its problem document."""
    headers = {**problem.headers, "Vary": VARY}
    if not wants_html(request):
        response = problem.response()
        response.headers["Vary"] = VARY
        return response
    context = {
        "status": problem.status,
        "problem_title": problem.title,
        "detail": problem.detail,
        "collections": _collections(Settings().base_iri),
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=problem.status, headers=headers)


def _answering(handler: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """``handler`` with its problems answered as :func:`problem_page` does."""

    async def answer(request: Request, *args: str) -> Response:
        try:
            return await handler(request, *args)
        except Problem as problem:
            return problem_page(request, problem)

    return answer


def _route(path: str, endpoint: Callable[..., Awaitable[Response]], *, methods: list[str], **options: object) -> None:
    """A GET route in the OpenAPI description, and the same for HEAD (same headers, no body) out of it."""
    router.add_api_route(path, endpoint, methods=methods, **options)  # type: ignore[arg-type]
    hidden = {**options, "name": f"{options['name']}_head", "include_in_schema": False}
    router.add_api_route(path, endpoint, methods=["HEAD"], **hidden)  # type: ignore[arg-type]


def _add_routes(entry: ResourceClass) -> None:
    collection = entry.collection

    async def resource_page(request: Request, id: str) -> Response:
        return await _answering(_resource_page)(request, collection, id)

    async def index_page(request: Request) -> Response:
        return await _answering(_index_page)(request, collection)

    _route(
        _member_path(entry),
        resource_page,
        methods=["GET"],
        name=f"page_{collection}",
        summary=f"One {entry.name}: an HTML page, or its RDF by Accept or format= (direct negotiation, Vary: Accept)",
        response_class=HTMLResponse,
    )
    _route(
        f"/{collection}",
        index_page,
        methods=["GET"],
        name=f"index_{collection}",
        summary=f"The {collection}, as an HTML page with the API's filters",
        response_class=HTMLResponse,
    )


async def node_page(request: Request, path: str) -> Response:
    return await _answering(_node_page)(request, path)


def _build() -> None:
    for entry in registry(Settings().base_iri):
        _add_routes(entry)
    _route(  # last: after every other page route
        "/{path:smarco_iri}",
        node_page,
        methods=["GET"],
        name="page_node",
        summary="Any other IRI under the base IRI (course/{id}/specification, course/{id}/outcome/{n}…): an HTML "
        "page, or its own description in RDF by Accept or format=; 404 when the store does not describe it",
        response_class=HTMLResponse,
    )


_build()
