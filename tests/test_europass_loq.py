"""Courses exported as ELM v3 for Europass QDR: every demo course, alone and all together, conforms to the
official LOQ shapes from the shared folder (LOQ-constraints + LOQ-constraints-mdr, run with pySHACL); the closed
shapes see no project triple; the traps of the vendored files are handled in code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from smarco_kg.catalogue import Catalogue
from smarco_kg.config import PROJECT_ROOT, Settings
from smarco_kg.europass.loq import FORMATS, NotExportable, export_courses, serialize
from smarco_kg.europass.official_shapes import PROFILES, check, profile, shape_terms
from smarco_kg.store import GraphStore, store_for
from tests.backends import Template, store_arguments
from tests.server import LiveServer, describe, live_server, problem

ELM = Namespace("http://data.europa.eu/snb/model/elm/")
SCHEMA = Namespace("https://schema.org/")
BASE = "https://w3id.org/smarco/"
ELM_DIR = Settings().elm_dir
COURSE = URIRef(f"{BASE}course/urban-data-platforms")
PARTNER = "cefriel"
NQF = URIRef("http://data.europa.eu/snb/qdr/c_009d9566")  # a concept of the QDR (NQF) list
ISCED = URIRef("http://data.europa.eu/snb/isced-f/0613")
EXTRA = f"""PREFIX schema: <https://schema.org/>
INSERT DATA {{ GRAPH <{BASE}graph/partner/{PARTNER}> {{ <{COURSE}> schema:keywords "smart city" . }} }}"""


def _courses(store: GraphStore) -> list[URIRef]:
    query = (
        f"SELECT ?c WHERE {{ ?c a <{ELM.LearningOpportunity}> FILTER(STRSTARTS(STR(?c), '{BASE}course/')) }} "
        "ORDER BY ?c"
    )
    return [URIRef(str(r["c"])) for r in store.query(query, union_default_graph=True).rows()]


@pytest.fixture(scope="module")
def store(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """A private demo store with one project triple (schema:keywords) on a course, which LOQ must not see."""
    path = tmp_path_factory.mktemp("loq") / "store"
    with _demo_template.provision(path) as settings, store_for(settings) as opened:
        opened.update(EXTRA)
        yield opened


def export(store: GraphStore, courses: list[URIRef], **options: bool):  # -> LoqExport
    entries = Catalogue(BASE, PROJECT_ROOT / "shapes").entries
    return export_courses(store, courses, entries["courses"], entries["partners"], ELM_DIR, BASE, **options)


def official(data: Graph) -> tuple[bool, str]:
    """pySHACL with the two official LOQ files, read here from the shared folder (the regex trap handled by the
    profile loader, which the next test checks against the raw files)."""
    conforms, _, text = validate(data, shacl_graph=profile(ELM_DIR, "loq"), inference="none", do_owl_imports=False)
    return conforms, text


# -- the vendored files and their traps -------------------------------------------------------------------------------


def test_the_raw_loq_shapes_crash_pyshacl_and_the_loaded_profile_differs_only_in_its_regexes(store: GraphStore) -> None:
    raw = Graph()
    for relative in PROFILES["loq"]:
        raw.parse(ELM_DIR / "shapes" / relative)
    data = export(store, [COURSE]).graph  # a conforming export: its homepage URL meets the regex
    with pytest.raises(Exception):  # noqa: B017 (re.error inside pySHACL, whatever it wraps it in)
        validate(data, shacl_graph=raw, inference="none", do_owl_imports=False)
    loaded = profile(ELM_DIR, "loq")
    owl_imports = URIRef("http://www.w3.org/2002/07/owl#imports")
    assert len(loaded) == len([t for t in raw if t[1] != owl_imports])
    assert not list(loaded.triples((None, owl_imports, None)))
    sh_pattern = URIRef("http://www.w3.org/ns/shacl#pattern")
    raw_patterns, loaded_patterns = set(raw.objects(None, sh_pattern)), set(loaded.objects(None, sh_pattern))
    rewritten = raw_patterns - loaded_patterns
    assert rewritten and all(str(p).startswith("^(?i)") or "\\p{L}" in str(p) for p in rewritten)
    assert len(raw_patterns - rewritten) + len(rewritten) == len(loaded_patterns)


def test_the_shapes_are_closed_and_the_las_shape_deactivated_as_the_notes_say() -> None:
    terms = shape_terms(ELM_DIR, "loq")
    assert terms[ELM.LearningOpportunity].closed and terms[ELM.Qualification].closed
    assert terms[ELM.LearningAchievementSpecification].deactivated
    assert len(terms) == 33


# -- conformance ---------------------------------------------------------------------------------------------------


def test_every_demo_course_alone_conforms_to_the_official_loq_shapes(store: GraphStore) -> None:
    courses = _courses(store)
    assert len(courses) == 36
    for course in courses:
        result = export(store, [course])
        conforms, text = official(result.graph)
        assert conforms, f"{course}:\n{text}"
        assert (course, RDF.type, ELM.LearningOpportunity) in result.graph


def test_all_demo_courses_together_conform(store: GraphStore) -> None:
    result = export(store, _courses(store))
    conforms, text = official(result.graph)
    assert conforms, text
    assert len(set(result.graph.subjects(RDF.type, ELM.LearningOpportunity))) == 36
    assert result.left_out and all("SMARCO concept" in line for line in result.left_out)


def test_no_project_triple_reaches_the_export(store: GraphStore) -> None:
    result = export(store, [COURSE])
    terms = shape_terms(ELM_DIR, "loq")
    for s, p, _ in result.graph:
        if p == RDF.type:
            continue
        classes = set(result.graph.objects(s, RDF.type))
        allowed = set().union(*(terms[c].properties for c in classes if c in terms))
        assert p in allowed, f"{s} {p} is not in its LOQ shape"
    assert not list(result.graph.triples((None, SCHEMA.keywords, None)))
    assert not [o for o in result.graph.objects() if str(o).startswith("https://w3id.org/smarco/ontology#")]


def test_the_export_carries_the_course_its_specification_outcomes_provider_and_concepts(store: GraphStore) -> None:
    g = export(store, [COURSE]).graph
    spec = g.value(COURSE, ELM.learningAchievementSpecification)
    assert (spec, RDF.type, ELM.LearningAchievementSpecification) in g
    outcomes = list(g.objects(spec, ELM.learningOutcome))
    skills = [s for o in outcomes for s in g.objects(o, ELM.relatedESCOSkill)]
    assert len(outcomes) >= 2 and skills
    for skill in skills:  # ESCO skills without a scheme (LOQ-mdr accepts none of ESCO's real scheme IRIs)
        assert (skill, RDF.type, SKOS.Concept) in g and g.value(skill, SKOS.prefLabel) is not None
        assert not list(g.objects(skill, SKOS.inScheme))
    provider = g.value(COURSE, ELM.providedBy)
    assert g.value(provider, URIRef("http://www.w3.org/ns/regorg#legalName")) == Literal(
        "Cefriel S.c.a r.l.", lang="it"
    )
    address = g.value(g.value(provider, ELM.location), ELM.address)
    country = g.value(address, ELM.countryCode)
    assert str(country).endswith("/country/ITA")
    level = g.value(spec, ELM.educationLevel)  # a plain specification's EQF level, as LOQ lets it carry one
    assert str(level) == "http://data.europa.eu/snb/eqf/6" and g.value(spec, ELM.EQFLevel) is None
    for concept in (country, level, g.value(COURSE, ELM.defaultLanguage)):
        assert concept is not None
        scheme = g.value(concept, SKOS.inScheme)
        assert (concept, RDF.type, SKOS.Concept) in g and (scheme, RDF.type, SKOS.ConceptScheme) in g
    homepage = g.value(COURSE, URIRef("http://xmlns.com/foaf/0.1/homepage"))
    assert str(g.value(homepage, ELM.contentUrl)) == str(COURSE)


def test_a_course_lacking_what_a_qdr_qualification_needs_is_reported_not_exported(store: GraphStore) -> None:
    with pytest.raises(NotExportable) as raised:
        export(store, [COURSE], qualification=True)
    paths = {p.path for p in raised.value.problems}
    assert {str(ELM.NQFLevel), str(ELM.ISCEDFCode)} <= paths
    assert export(store, [COURSE]).notes, "the plain export says why it is not a Qualification"


def test_a_course_with_nqf_and_isced_levels_is_exported_as_a_qualification(store: GraphStore) -> None:
    course = URIRef(f"{BASE}course/iot-for-smart-cities")
    row = next(
        store.query(
            f"SELECT ?g ?s WHERE {{ GRAPH ?g {{ <{course}> <{ELM.learningAchievementSpecification}> ?s }} }}"
        ).rows()
    )
    graph, spec = row["g"], row["s"]
    store.update(
        f"INSERT DATA {{ GRAPH <{graph}> {{ <{spec}> <{ELM.NQFLevel}> <{NQF}> ; <{ELM.ISCEDFCode}> <{ISCED}> }} }}"
    )
    try:
        result = export(store, [course])
        assert (spec, RDF.type, ELM.Qualification) in result.graph and not result.notes
        conforms, text = official(result.graph)
        assert conforms, text
    finally:
        store.update(
            f"DELETE DATA {{ GRAPH <{graph}> {{ <{spec}> <{ELM.NQFLevel}> <{NQF}> ; <{ELM.ISCEDFCode}> <{ISCED}> }} }}"
        )


def test_a_provider_without_a_location_makes_the_course_not_exportable(store: GraphStore) -> None:
    provider = f"{BASE}organisation/cefriel"
    graph = f"{BASE}graph/partner/{PARTNER}"
    saved = Graph()
    for row in store.query(
        f"CONSTRUCT {{ <{provider}> <{ELM.location}> ?l . ?l ?p ?o . ?o ?p2 ?o2 }} WHERE {{ GRAPH <{graph}> {{ "
        f"<{provider}> <{ELM.location}> ?l . ?l ?p ?o . OPTIONAL {{ ?o ?p2 ?o2 }} }} }}"
    ).triples():
        saved.add(row)
    store.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ <{provider}> <{ELM.location}> ?l }} }}")
    try:
        with pytest.raises(NotExportable) as raised:
            export(store, [COURSE])
        assert any(p.path == str(ELM.location) for p in raised.value.problems)
    finally:
        store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {saved.serialize(format='nt')} }} }}")
    assert check(export(store, [COURSE]).graph, ELM_DIR, "loq") == []


@pytest.mark.parametrize("fmt", ["ttl", "rdfxml", "jsonld", "nt"])
def test_every_format_carries_the_same_graph(store: GraphStore, fmt: str) -> None:
    result = export(store, [COURSE])
    body, _ = serialize(result.graph, fmt)
    assert isomorphic(Graph().parse(data=body, format=FORMATS[fmt][0]), result.graph)


# -- over HTTP and the command line ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("loq-api"), partner=PARTNER) as server:
        yield server


@pytest.mark.parametrize(
    ("accept", "params", "media_type", "parser"),
    [
        ("application/ld+json", {}, "application/ld+json", "json-ld"),
        ("text/turtle", {}, "text/turtle", "turtle"),
        ("*/*", {"format": "rdfxml"}, "application/rdf+xml", "xml"),
        (None, {}, "application/ld+json", "json-ld"),
    ],
)
def test_the_route_negotiates_and_answers_conforming_elm(
    api: LiveServer, accept: str | None, params: dict, media_type: str, parser: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = api.client.get(f"{api.url}/api/courses/urban-data-platforms/europass", params=params, headers=headers)
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith(media_type)
    conforms, text = official(Graph().parse(data=response.content, format=parser))
    assert conforms, text


def test_the_route_reports_what_a_qualification_lacks(api: LiveServer) -> None:
    response = api.client.get(f"{api.url}/api/courses/urban-data-platforms/europass", params={"qualification": "true"})
    body = problem(response, 422)
    assert {e["path"] for e in body["errors"]} >= {str(ELM.NQFLevel), str(ELM.ISCEDFCode)}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/courses/no-such-course/europass", 404),
        ("/api/courses/urban-data-platforms/europass?format=pdf", 406),
        ("/api/courses/urban-data-platforms/europass?qualification=maybe", 422),
        ("/api/courses/urban-data-platforms/europass?colour=red", 422),
    ],
)
def test_bad_export_requests_are_problems(api: LiveServer, path: str, status: int) -> None:
    problem(api.client.get(api.url + path), status)


def test_the_cli_exports_all_courses_to_a_file_and_refuses_bad_arguments(
    demo_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "all.rdf"
    arguments, named = store_arguments(demo_settings)
    env = {**os.environ, **named}
    command = [sys.executable, "-m", "smarco_kg", "export", "europass", *arguments]
    done = subprocess.run(
        [*command, "--all", "--format", "rdfxml", "-o", str(out)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    exported = Graph().parse(out, format="xml")
    assert len(set(exported.subjects(RDF.type, ELM.LearningOpportunity))) == 36
    assert official(exported)[0]
    one = subprocess.run([*command, "--course", "urban-data-platforms"], capture_output=True, text=True, env=env)
    assert one.returncode == 0 and (COURSE, RDF.type, ELM.LearningOpportunity) in Graph().parse(data=one.stdout)
    refused = subprocess.run(
        [*command, "--course", "urban-data-platforms", "--qualification"], capture_output=True, text=True, env=env
    )
    assert refused.returncode == 1 and "NQFLevel" in refused.stderr and not refused.stdout
    for bad in (["--all", "--format", "pdf"], [], ["--all", "--course", "x"], ["--course", "Not A Course!"]):
        assert subprocess.run([*command, *bad], capture_output=True, text=True, env=env).returncode == 2, bad
