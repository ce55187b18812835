"""Harvesting another node's catalogue into a named graph of this one, then only what changed.

The first run copies every course of the node (with its specification, outcomes and owned nodes) and the
organisations they name, read through the node's REST API as N-Triples; later runs read the node's change feed
from the cursor kept in the harvest graph and copy again only the courses the changes name, removing those the
node no longer has. Every run goes through the validated write path as one write, so the harvest graph is never
half-updated; a run that finds no change writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import httpx
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef

from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM, SMARCO
from smarco_kg.ownership import Owner

PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
DCT_MODIFIED = URIRef("http://purl.org/dc/terms/modified")
CURSOR = SMARCO.harvestCursor


class HarvestError(RuntimeError):
    """The node could not be read (or answered something else than a smarco-kg node would)."""


@dataclass
class HarvestReport:
    graph: str
    cursor: int
    copied: list[str] = field(default_factory=list)  # courses copied (new or changed)
    removed: list[str] = field(default_factory=list)  # courses the node no longer has
    full: bool = False  # the whole catalogue was read (first run, or a graph-wide change upstream)
    triples: int = 0


def harvest_graph(kg: KnowledgeGraph, name: str) -> str:
    return f"{kg.settings.base_iri}graph/harvest/{re.sub(r'[^a-z0-9-]+', '-', name.lower()).strip('-')}"


def _cursor(kg: KnowledgeGraph, graph: str) -> int | None:
    rows = list(kg.store.query(f"SELECT ?c WHERE {{ GRAPH <{graph}> {{ <{graph}> <{CURSOR}> ?c }} }}").rows())
    return int(str(rows[0]["c"])) if rows else None


def _harvested_courses(kg: KnowledgeGraph, graph: str) -> set[str]:
    query = f"SELECT ?c WHERE {{ GRAPH <{graph}> {{ ?c a <{ELM.LearningOpportunity}> }} }}"
    return {str(r["c"]) for r in kg.store.query(query).rows()}


class _Node:
    """A smarco-kg node read through its REST API."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url, self.client = url.rstrip("/"), client

    def json(self, path: str, **params: str | int) -> dict:
        try:
            response = self.client.get(f"{self.url}{path}", params=params, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise HarvestError(f"{self.url}{path}: {error}") from error
        if not isinstance(body, dict):
            raise HarvestError(f"{self.url}{path}: not a JSON object")
        return body

    def changes(self, since: int) -> tuple[list[dict], int]:
        events, cursor = [], since
        while True:
            page = self.json("/api/changes", since=cursor, limit=1000)
            events += page.get("orderedItems", [])
            cursor = int(page.get("cursor", cursor))
            if "next" not in page:
                return events, cursor

    def course_ids(self) -> list[str]:
        ids, offset = [], 0
        while True:
            page = self.json("/api/courses", limit=100, offset=offset)
            ids += [str(i["id"]) for i in page.get("items", [])]
            if "next" not in page:
                return ids
            offset += 100

    def description(self, collection: str, iri: str, namespace: str) -> Graph | None:
        """The resource's own triples (embedded resources and owned nodes, not the labels of what it links to);
        None when the node does not have it."""
        local = iri.removeprefix(namespace)
        response = self.client.get(f"{self.url}/api/{collection}/{local}", params={"format": "nt"})
        if response.status_code == 404:
            return None
        try:
            response.raise_for_status()
            described = Graph().parse(data=response.text, format="nt")
        except (httpx.HTTPError, ValueError) as error:
            raise HarvestError(f"{self.url}/api/{collection}/{local}: {error}") from error
        own = Graph()
        typed = set(described.subjects(RDF.type, None))
        for s, p, o in described:
            if str(s) == iri or isinstance(s, BNode) or s in typed:
                own.add((s, p, o))
        return own


def harvest(kg: KnowledgeGraph, url: str, name: str, client: httpx.Client) -> HarvestReport:
    """Bring the node's catalogue up to date in this store's harvest graph for ``name``."""
    base = kg.settings.base_iri
    graph = harvest_graph(kg, name)
    node = _Node(url, client)
    cursor = _cursor(kg, graph)
    events, latest = node.changes(cursor or 0)
    report = HarvestReport(graph, latest)
    course_namespace, organisation_namespace = f"{base}course/", f"{base}organisation/"
    if cursor is None or any(not e.get("object") and e.get("type") != "Delete" for e in events):
        report.full = True
        wanted = set(node.course_ids())
    else:
        wanted = set()
        for event in events:
            for subject in event.get("object") or []:
                match = re.match(rf"^{re.escape(course_namespace)}[^/#?]+", str(subject))
                if match:
                    wanted.add(match.group(0))
        if not wanted:
            if latest != cursor:
                _write(kg, graph, Graph(), [], url, latest, full=False)  # only the cursor moves on
            return report
    data = Graph()
    present = _harvested_courses(kg, graph)
    for course in sorted(wanted):
        described = node.description("courses", course, course_namespace)
        if described is None:
            if course in present:
                report.removed.append(course)
            continue
        data += described
        report.copied.append(course)
    if report.full:
        report.removed = sorted(present - set(report.copied))
    # what the courses name that this store lacks (providers, certificates they stack into, QA agencies…)
    referenced = {"partners": organisation_namespace, "credentials": f"{base}credential/"}
    asked: set[URIRef] = set()
    while True:
        wanted_more = {
            (collection, o)
            for o in data.objects()
            if isinstance(o, URIRef) and o not in asked and (o, RDF.type, None) not in data
            for collection, namespace in referenced.items()
            if str(o).startswith(namespace)
        }
        if not wanted_more:
            break
        for collection, iri in sorted(wanted_more, key=lambda w: str(w[1])):
            asked.add(iri)
            if _known(kg, iri, graph):
                continue
            described = node.description(collection, str(iri), referenced[collection])
            if described is not None:
                data += described
    replaced = [] if report.full else _owned(kg, graph, set(report.copied) | set(report.removed))
    report.triples = _write(kg, graph, data, replaced, url, latest, full=report.full)
    return report


def _owned(kg: KnowledgeGraph, graph: str, courses: set[str]) -> list[str]:
    """The courses and the resources described with them in the harvest graph (specification, outcomes)."""
    if not courses:
        return []
    values = " ".join(f"<{c}>" for c in sorted(courses))
    spec, outcome = ELM.learningAchievementSpecification, ELM.learningOutcome
    query = f"""SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {values} }} GRAPH <{graph}> {{
  {{ BIND(?c AS ?s) }} UNION {{ ?c <{spec}> ?s }} UNION {{ ?c <{spec}>/<{outcome}> ?s }}
  UNION {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), CONCAT(STR(?c), "/"))) }} }} FILTER(isIRI(?s)) }}"""
    return sorted({str(r["s"]) for r in kg.store.query(query).rows()} | courses)


def _known(kg: KnowledgeGraph, iri: URIRef, harvest: str) -> bool:
    """Whether this store describes the organisation outside the harvest graph (then it is not copied)."""
    query = f"ASK {{ GRAPH ?g {{ <{iri}> a ?t }} FILTER(?g != <{harvest}>) }}"
    return kg.store.query(query).boolean


def _write(
    kg: KnowledgeGraph, graph: str, data: Graph, replaced: list[str], url: str, cursor: int, *, full: bool
) -> int:
    state = URIRef(graph)
    data.add((state, CURSOR, Literal(cursor, datatype=XSD.integer)))
    data.add((state, PROV_DERIVED, URIRef(url)))
    data.add((state, DCT_MODIFIED, Literal(dt.datetime.now(dt.UTC).replace(microsecond=0), datatype=XSD.dateTime)))
    remove = [(graph, graph)] + [(graph, c) for c in replaced]
    result = kg.commit(
        data.serialize(format="nt", encoding="utf-8"),
        rdf_syntax("ntriples"),
        actor="harvest",
        owner=Owner(graph, f"the harvest of {url}"),
        operation="replace" if full else "update",
        subjects=replaced,
        graph=graph,
        base_iri=kg.settings.base_iri,
        allowed_graphs=lambda g: g == graph,
        replace_graphs=[graph] if full else (),
        remove_resources=[] if full else remove,
    )
    return result.quads
