"""Europass ELM v3 files into the catalogue (``smarco-kg import elm``): the catalogue's own LOQ export comes back
whole in Turtle, RDF/XML and JSON-LD; JSON-LD with ELM's remote contexts is read from the vendored copies, never
the network; the official examples (signed, uploadable, plain) are read and imported or clearly refused; a file
that breaks the shapes, or holds nothing course-like, changes nothing (exit 1); an unreadable one is exit 2."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib.parser
from rdflib import OWL, RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from smarco_kg.catalogue import Catalogue
from smarco_kg.config import PROJECT_ROOT, Settings
from smarco_kg.europass.elm_import import (
    CONTEXTS,
    NothingToImport,
    UnreadableFile,
    import_elm,
    plan_import,
    read_elm,
)
from smarco_kg.europass.loq import export_courses, serialize
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM, ROV, SMARCO
from smarco_kg.store import GraphStore
from tests.backends import Template, store_arguments

BASE = "https://w3id.org/smarco/"
ELM_DIR = Settings().elm_dir
EXAMPLES = ELM_DIR / "examples"
COURSE = URIRef(f"{BASE}course/cloud-platforms-for-municipal-services")  # titles in English and Romanian
NQF = URIRef("http://data.europa.eu/snb/qdr/c_009d9566")
ISCED = URIRef("http://data.europa.eu/snb/isced-f/0613")
ECTS = URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
SKILLS = ("http://data.europa.eu/esco/skill/cb5cccc9-abe4-4b11-abe6-d27e5cd85fb1",  # manage standards for data exchange
          "http://data.europa.eu/esco/skill/fbafa41f-cd05-4109-a649-8b44d306d779")  # create data models  # fmt: skip
AIM = "resilientCommunities"
SUFFIX = {"ttl": ".ttl", "rdfxml": ".rdf", "jsonld": ".jsonld"}
ANY_URI = URIRef("http://www.w3.org/2001/XMLSchema#anyURI")


@pytest.fixture
def fresh(_base_template: Template, tmp_path: Path) -> Iterator[Settings]:
    """A store with the ontology, code lists and ESCO subset, no demo data, beside ``demo_settings``'s."""
    with _base_template.provision(tmp_path / "fresh") as settings:
        yield settings


def run(*args: str | Path, store: Settings) -> subprocess.CompletedProcess[str]:
    """``smarco-kg import elm`` as a user runs it (the store is not open in this process meanwhile)."""
    arguments, named = store_arguments(store)
    command = [sys.executable, "-m", "smarco_kg", "import", "elm", *map(str, args), *arguments]
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SMARCO_STORE", None)
    env.update(named)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def sizes(settings: Settings) -> dict[str, int]:
    with KnowledgeGraph(settings) as kg:
        return kg.store.graph_sizes()


def export(store: GraphStore, courses: list[URIRef]) -> Graph:
    entries = Catalogue(BASE, PROJECT_ROOT / "shapes").entries
    return export_courses(store, courses, entries["courses"], entries["partners"], ELM_DIR, BASE).graph


def courses_in(store: GraphStore) -> list[URIRef]:
    query = f"SELECT ?c WHERE {{ ?c a <{ELM.LearningOpportunity}> }} ORDER BY ?c"
    return [URIRef(str(r["c"])) for r in store.query(query, union_default_graph=True).rows()]


def as_qualifications(store: GraphStore, course: URIRef | None = None) -> None:
    """Give specifications an NQF level and ISCED-F field, so that the LOQ export makes them elm:Qualification
    (a plain specification carries its EQF level as elm:educationLevel instead)."""
    only = f"FILTER(?c = <{course}>)" if course else ""
    store.update(
        f"INSERT {{ GRAPH ?g {{ ?s <{ELM.NQFLevel}> <{NQF}> ; <{ELM.ISCEDFCode}> <{ISCED}> }} }} WHERE {{ GRAPH ?g {{ "
        f"?c a <{ELM.LearningOpportunity}> ; <{ELM.learningAchievementSpecification}> ?s {only} }} }}"
    )


def same_as(store: GraphStore) -> dict[str, str]:
    """Original IRI -> catalogue IRI, as the import recorded them."""
    rows = store.query(f"SELECT ?x ?o WHERE {{ ?x <{OWL.sameAs}> ?o }}", union_default_graph=True).rows()
    return {str(r["o"]): str(r["x"]) for r in rows}


def renamed(graph: Graph, mapping: dict[str, str]) -> Graph:
    """The graph with original IRIs replaced by the catalogue's (a home page naming its record's IRI too)."""

    def term(t):
        if isinstance(t, URIRef) and str(t) in mapping:
            return URIRef(mapping[str(t)])
        if isinstance(t, Literal) and t.datatype == ANY_URI and str(t) in mapping:
            return Literal(mapping[str(t)], datatype=ANY_URI)
        return t

    out = Graph()
    for s, p, o in graph:
        out.add((term(s), p, term(o)))
    return out


def facts(g: Graph, course: URIRef) -> dict[str, object]:
    """The ELM facts of one exported course, by value (no IRI minted by either catalogue)."""
    spec = g.value(course, ELM.learningAchievementSpecification)
    provider = g.value(course, ELM.providedBy)
    credit = g.value(spec, ELM.creditPoint)
    outcomes = list(g.objects(spec, ELM.learningOutcome))
    return {
        "titles": set(g.objects(course, DCTERMS.title)),
        "description": set(g.objects(course, DCTERMS.description)),
        "default language": g.value(course, ELM.defaultLanguage),
        "schedule": g.value(course, ELM.learningSchedule),
        "provider": set(g.objects(provider, ROV.legalName)),
        "country": g.value(g.value(g.value(provider, ELM.location), ELM.address), ELM.countryCode),
        "specification titles": set(g.objects(spec, DCTERMS.title)),
        "EQF": g.value(spec, ELM.EQFLevel) or g.value(spec, ELM.educationLevel),  # the latter on a plain specification
        "NQF": g.value(spec, ELM.NQFLevel),
        "credits": (g.value(credit, ELM.framework), g.value(credit, ELM.point)),
        "volume": g.value(spec, ELM.volumeOfLearning),
        "languages": set(g.objects(spec, DCTERMS.language)),
        "mode": set(g.objects(spec, ELM.mode)),
        "outcomes": {
            (str(g.value(o, DCTERMS.title)), frozenset(map(str, g.objects(o, ELM.relatedESCOSkill)))) for o in outcomes
        },
    }


# -- the round trip: the catalogue's own export ----------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "qualification"), [("ttl", True), ("rdfxml", True), ("jsonld", True), ("ttl", False)])
def test_an_exported_course_comes_back_with_every_elm_fact(
    fmt: str, qualification: bool, demo_settings: Settings, fresh: Settings, tmp_path: Path
) -> None:
    with KnowledgeGraph(demo_settings) as kg:
        if qualification:
            as_qualifications(kg.store, COURSE)
        first = export(kg.store, [COURSE])
    path = tmp_path / f"course{SUFFIX[fmt]}"
    path.write_bytes(serialize(first, fmt)[0])
    target = f"{BASE}graph/partner/imported" if fmt == "rdfxml" else None
    done = run(path, "--aim", AIM, *(["--graph", target] if target else []), store=fresh)
    assert done.returncode == 0, done.stderr
    assert "imported 1 course(s) and 1 new organisation(s)" in done.stdout
    with KnowledgeGraph(fresh) as kg:
        [course] = courses_in(kg.store)
        mapping = same_as(kg.store)
        second = export(kg.store, [course])
        graphs = {str(r["g"]) for r in kg.store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{course}> ?p ?o }} }}").rows()}
        aims = list(
            kg.store.query(f"SELECT ?a WHERE {{ <{course}> <{SMARCO.aim}> ?a }}", union_default_graph=True).rows()
        )
    assert mapping[str(COURSE)] == str(course) and course.startswith(f"{BASE}course/cloud-platforms-for-municipal")
    assert mapping[f"{COURSE}/specification"] == f"{course}/specification"
    assert graphs == {target or f"{BASE}graph/partner/cluj-it-cluster"}
    assert len(aims) == 1
    assert isomorphic(renamed(first, mapping), second)  # the same ELM graph, but for the minted IRIs
    before, after = facts(first, COURSE), facts(second, course)
    assert before == after
    assert after["titles"] == {
        Literal("Cloud platforms for municipal digital services", lang="en"),
        Literal("Platforme cloud pentru servicii digitale municipale", lang="ro"),
    }
    assert after["provider"] == {Literal("Cluj IT Cluster", lang="ro")} and str(after["country"]).endswith("/ROU")
    assert str(after["EQF"]).endswith("/eqf/6") and after["credits"] == (ECTS, Literal("4"))
    assert after["languages"] == {URIRef(f"{LANGUAGE}ENG"), URIRef(f"{LANGUAGE}RON")}
    assert len(after["outcomes"]) == 3 and all(skills for _, skills in after["outcomes"])  # type: ignore[union-attr]
    assert after["volume"] is not None and after["mode"]


def test_every_demo_course_comes_back_and_a_second_import_is_refused(
    demo_settings: Settings, fresh: Settings, tmp_path: Path
) -> None:
    with KnowledgeGraph(demo_settings) as kg:
        as_qualifications(kg.store)
        demo = courses_in(kg.store)
        first = export(kg.store, demo)
    path = tmp_path / "catalogue.ttl"
    path.write_bytes(serialize(first, "ttl")[0])
    done = run(path, "--aim", AIM, store=fresh)
    assert done.returncode == 0, done.stderr
    assert f"imported {len(demo)} course(s)" in done.stdout
    with KnowledgeGraph(fresh) as kg:
        imported = courses_in(kg.store)
        mapping = same_as(kg.store)
        second = export(kg.store, imported)
        flags = kg.store.query(f"ASK {{ ?s <{SMARCO.isSampleData}> ?o }}", union_default_graph=True).boolean
    assert len(imported) == len(demo) == 36
    assert isomorphic(renamed(first, mapping), second)
    assert not flags, "smarco:isSampleData is the demo data's flag, not an ELM fact"
    stored = sizes(fresh)
    again = run(path, "--aim", AIM, store=fresh)
    assert again.returncode == 1
    assert "is already in the catalogue as" in again.stderr and "nothing was stored" in again.stderr
    assert sizes(fresh) == stored


# -- JSON-LD with ELM's remote contexts: read from the vendored copies -------------------------------------------------

ORIGINAL = "http://example.org/opportunity/smart-water"
JSONLD_COURSE = {
    "@context": list(CONTEXTS),
    "id": ORIGINAL,
    "type": "LearningOpportunity",
    "title": {"en": "Smart water networks", "it": "Reti idriche intelligenti"},
    "description": {"en": "Sensors, data and control for municipal water networks."},
    "elm:defaultLanguage": {"id": f"{LANGUAGE}ENG"},
    "providedBy": {
        "id": "http://example.org/org/aqua",
        "type": "Organisation",
        "legalName": {"en": "Aqua Academy"},
        "location": {
            "id": "urn:epass:location:1",
            "type": "Location",
            "address": {"id": "urn:epass:address:1", "type": "Address", "countryCode": f"{COUNTRY}ITA"},
        },
    },
    "learningAchievementSpecification": {
        "id": "http://example.org/spec/smart-water",
        "type": "Qualification",
        "title": {"en": "Smart water networks"},
        "eqfLevel": "http://data.europa.eu/snb/eqf/5",
        "nqfLevel": str(NQF),
        "thematicArea": str(ISCED),  # elm:ISCEDFCode
        "creditPoint": {"id": "urn:epass:creditPoint:1", "type": "CreditPoint", "framework": str(ECTS), "point": "3"},
        "volumeOfLearning": "PT75H",
        "language": [f"{LANGUAGE}ENG", f"{LANGUAGE}ITA"],
        "mode": "http://data.europa.eu/snb/learning-assessment/920fbb3cbe",
        "learningOutcome": [
            {
                "id": "urn:epass:learningOutcome:1",
                "type": "LearningOutcome",
                "title": {"en": "Model the data of a water network and exchange it by standard"},
                "relatedESCOSkill": list(SKILLS),
            }
        ],
    },
}


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every attempt to open a connection or URL beyond loopback (where a test's remote store may be) is recorded
    and fails."""
    attempts: list[str] = []
    connect, create_connection = socket.socket.connect, socket.create_connection

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args[1:] or args))
        raise OSError("network use in a test")

    def guarded_connect(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and address[0] in LOOPBACK:
            return connect(self, address)
        refuse(self, address)

    def guarded_create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        if address[0] in LOOPBACK:
            return create_connection(address, *args, **kwargs)  # type: ignore[arg-type]
        refuse(None, address)
        raise AssertionError("unreachable")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    monkeypatch.setattr(rdflib.parser, "_urlopen", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    yield attempts


def test_the_guard_catches_rdflib_fetching_a_remote_context(tmp_path: Path, no_network: list[str]) -> None:
    path = tmp_path / "course.jsonld"
    path.write_text(json.dumps(JSONLD_COURSE), encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 (whatever rdflib wraps the refused fetch in)
        Graph().parse(path, format="json-ld")
    assert no_network, "parsed as is, the file makes rdflib fetch https://www.w3.org/2018/credentials/v1"


def test_json_ld_with_the_remote_contexts_is_imported_without_the_network(
    base_settings: Settings, tmp_path: Path, no_network: list[str]
) -> None:
    path = tmp_path / "course.jsonld"
    path.write_text(json.dumps(JSONLD_COURSE), encoding="utf-8")
    with KnowledgeGraph(base_settings) as kg:
        plan, result = import_elm(kg, [path], BASE, ELM_DIR, aims=[SMARCO[AIM]], progress=None)
        course = URIRef(f"{BASE}course/smart-water-networks")
        organisation = URIRef(f"{BASE}organisation/aqua-academy")
        assert plan.courses == {URIRef(ORIGINAL): course}
        assert result.report.conforms and not result.report.warnings
        assert sorted(result.graphs) == [f"{BASE}graph/partner/aqua-academy"]
        g = export(kg.store, [course])
        mapping = same_as(kg.store)
        query = f"SELECT ?t WHERE {{ <{course}/specification> a ?t }}"
        types = {str(r["t"]) for r in kg.store.query(query, union_default_graph=True).rows()}
    assert types == {str(ELM.Qualification), str(ELM.LearningAchievementSpecification)}
    assert no_network == []
    assert mapping == {
        ORIGINAL: str(course),
        "http://example.org/spec/smart-water": f"{course}/specification",
        "http://example.org/org/aqua": str(organisation),
    }  # urn:epass: ids are per file, not identities: not kept
    fact = facts(g, course)
    assert fact["titles"] == {
        Literal("Smart water networks", lang="en"),
        Literal("Reti idriche intelligenti", lang="it"),
    }
    assert fact["provider"] == {Literal("Aqua Academy", lang="en")} and fact["country"] == URIRef(f"{COUNTRY}ITA")
    assert fact["EQF"] == URIRef("http://data.europa.eu/snb/eqf/5") and fact["credits"] == (ECTS, Literal("3"))
    assert fact["languages"] == {URIRef(f"{LANGUAGE}ENG"), URIRef(f"{LANGUAGE}ITA")}
    assert fact["outcomes"] == {("Model the data of a water network and exchange it by standard", frozenset(SKILLS))}


def test_an_unknown_remote_context_is_refused_not_fetched(tmp_path: Path, no_network: list[str]) -> None:
    path = tmp_path / "other.jsonld"
    path.write_text(json.dumps({**JSONLD_COURSE, "@context": "https://example.org/context.jsonld"}), encoding="utf-8")
    with pytest.raises(UnreadableFile, match="never fetched"):
        read_elm(path, ELM_DIR)
    assert no_network == []


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda doc: {"credential": doc}, id="uploadable"),
        pytest.param(lambda doc: {"credential": json.dumps(doc)}, id="uploadable-string"),
        pytest.param(
            lambda doc: {"payload": json.dumps(doc), "signatures": [{"protected": b64url(b'{"b64":false}')}]},
            id="jades-unencoded",
        ),
        pytest.param(
            lambda doc: {
                "payload": b64url(json.dumps(doc).encode()),
                "protected": b64url(b'{"alg":"RS256"}'),
                "signature": "c2ln",
            },
            id="jws-flattened",
        ),
        pytest.param(lambda doc: f"{b64url(b'{}')}.{b64url(json.dumps(doc).encode())}.c2ln", id="jws-compact"),
        pytest.param(
            lambda doc: {"credential": {"payload": json.dumps(doc), "signatures": []}}, id="uploadable-signed"
        ),
    ],
)
def test_envelopes_are_unwrapped_to_the_same_graph(wrap, tmp_path: Path) -> None:
    plain, wrapped = tmp_path / "plain.jsonld", tmp_path / "wrapped.json"
    plain.write_text(json.dumps(JSONLD_COURSE), encoding="utf-8")
    envelope = wrap(JSONLD_COURSE)
    wrapped.write_text(envelope if isinstance(envelope, str) else json.dumps(envelope), encoding="utf-8")
    expected = read_elm(plain, ELM_DIR)
    assert len(expected) >= 25
    assert isomorphic(read_elm(wrapped, ELM_DIR), expected)


# -- the official examples ---------------------------------------------------------------------------------------------

MC = "urn:epass:qualification:1"
OFFICIAL = {  # file -> triples (NOTES.md §3: the payload of a signed file, the credential of an uploadable one)
    "edc/Sample-MC-Annex1-signed.jsonld": 353,
    "edc/Sample-MC-Annex1-unsigned.jsonld": 292,
    "edc/Sample-MC-Annex1-unsigned-uploadable.json": 292,
    "edc/Sample-CertOfPart-signed.jsonld": 210,
    "edc/Sample-CertOfPart-unsigned.jsonld": 156,
    "edc/Sample-CertOfPart-unsigned-uploadable.json": 156,
    "edc/credential-sample-3.2.jsonld": 92,
    "edc/credential-sample-3.2.ttl": 96,
}


@pytest.mark.parametrize("name", list(OFFICIAL))
def test_the_official_examples_are_read_and_what_they_hold_is_planned_or_refused(
    name: str, base_settings: Settings, no_network: list[str]
) -> None:
    data = read_elm(EXAMPLES / name, ELM_DIR)
    assert len(data) == OFFICIAL[name]
    with KnowledgeGraph(base_settings) as kg:
        if "MC-Annex1" not in name:  # a certificate of participation (an activity), a bare achievement
            with pytest.raises(NothingToImport) as raised:
                plan_import(kg.store, [(name, data)], BASE, ELM_DIR)
            [problem] = raised.value.problems
            assert "nothing course-like" in problem and "elm:EuropeanDigitalCredential" in problem
            return
        plan = plan_import(kg.store, [(name, data)], BASE, ELM_DIR)
    # the micro-credential's Qualification (the achievement's elm:specifiedBy) is read as a course
    course = URIRef(f"{BASE}course/digital-micro-credential-creation")
    assert plan.courses == {URIRef(MC): course} and not plan.organisations
    assert list(plan.data) == [f"{BASE}graph/import/elm"]  # no provider, so no partner graph
    g = plan.data[f"{BASE}graph/import/elm"]
    spec = g.value(course, ELM.learningAchievementSpecification)
    assert spec == URIRef(f"{course}/specification")
    assert {ELM.Qualification, ELM.LearningAchievementSpecification} <= set(g.objects(spec, RDF.type))
    assert g.value(course, DCTERMS.title) == Literal("Digital micro-credential creation", lang="en")
    assert g.value(course, ELM.defaultLanguage) == URIRef(f"{LANGUAGE}ENG")  # its specification's only language
    assert g.value(spec, ELM.EQFLevel) == URIRef("http://data.europa.eu/snb/eqf/6")
    credit = g.value(spec, ELM.creditPoint)
    assert (g.value(credit, ELM.framework), str(g.value(credit, ELM.point))) == (ECTS, "2")
    outcomes = sorted(g.objects(spec, ELM.learningOutcome))
    assert outcomes == [URIRef(f"{course}/outcome/1"), URIRef(f"{course}/outcome/2")]
    assert sum(len(list(g.objects(o, ELM.relatedESCOSkill))) for o in outcomes) == 4
    assert (g.value(spec, ELM.volumeOfLearning), g.value(spec, ELM.mode)) != (None, None)
    assert not list(g.objects(course, DCTERMS.description)) and not list(g.objects(course, ELM.providedBy))
    assert not [s for s in g.subjects() if str(s).startswith("urn:epass:")], "per-file ids become blank nodes"
    assert no_network == []


def test_the_micro_credential_example_is_reported_not_stored(base_settings: Settings) -> None:
    stored = sizes(base_settings)
    done = run(EXAMPLES / "edc/Sample-MC-Annex1-signed.jsonld", "--aim", AIM, store=base_settings)
    assert done.returncode == 1
    assert f"course {BASE}course/digital-micro-credential-creation <- {MC}" in done.stderr
    assert "property: dct:description" in done.stderr and "property: elm:providedBy" in done.stderr
    assert "property: smarco:aim" not in done.stderr
    assert "does not conform: 2 violation(s); nothing was stored" in done.stderr
    assert sizes(base_settings) == stored


def test_a_credential_without_a_specification_says_nothing_course_like_is_in_it(base_settings: Settings) -> None:
    stored = sizes(base_settings)
    done = run(EXAMPLES / "edc/Sample-CertOfPart-unsigned-uploadable.json", store=base_settings)
    assert done.returncode == 1
    assert "nothing course-like" in done.stderr and "elm:LearningActivity" in done.stderr
    assert "nothing was stored" in done.stderr
    assert sizes(base_settings) == stored


# -- data that does not conform, files that cannot be read -------------------------------------------------------------

BROKEN = """@prefix elm: <http://data.europa.eu/snb/model/elm/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rov: <http://www.w3.org/ns/regorg#> .
<http://example.org/opportunity/broken> a elm:LearningOpportunity ;
    dct:title "Broken course"@en ;
    elm:defaultLanguage <http://publications.europa.eu/resource/authority/language/ENG> ;
    elm:providedBy <http://example.org/org/nowhere> ;
    elm:learningAchievementSpecification <http://example.org/spec/broken> .
<http://example.org/org/nowhere> a elm:Organisation ; rov:legalName "Nowhere Ltd"@en .
<http://example.org/spec/broken> a elm:LearningAchievementSpecification ;
    dct:title "Broken course"@en ;
    elm:EQFLevel <http://data.europa.eu/snb/eqf/9> ;
    elm:creditPoint [ a elm:CreditPoint ; elm:framework <http://data.europa.eu/snb/education-credit/6fcec5c5af> ;
                      elm:point "five" ] ;
    dct:language <http://publications.europa.eu/resource/authority/language/ENG> ;
    elm:learningOutcome <http://example.org/outcome/1> .
<http://example.org/outcome/1> a elm:LearningOutcome ; dct:title "Something"@en .
"""


def test_a_file_that_breaks_the_shapes_is_reported_and_nothing_is_stored(
    base_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(BROKEN, encoding="utf-8")
    stored = sizes(base_settings)
    done = run(path, "--aim", AIM, store=base_settings)
    assert done.returncode == 1
    for expected in (
        "property: dct:description",  # the course
        "property: elm:location",  # the organisation: no country
        "property: elm:EQFLevel",  # eqf/9
        "property: elm:creditPoint",  # "five" points
        "property: elm:relatedESCOSkill",  # an outcome without an ESCO skill
    ):
        assert expected in done.stderr, expected
    assert "nothing was stored" in done.stderr
    assert sizes(base_settings) == stored


UNREADABLE = {
    "garbage.ttl": "this is not RDF {",
    "broken.json": '{"@context": ',
    "payload.json": '{"payload": "!!not json!!", "signatures": []}',
    "empty.jsonld": "   ",
    "latin1.ttl": "caf\xe9".encode("latin-1"),
}


@pytest.mark.parametrize("name", [*UNREADABLE, "loq/loq.xml", "ams/ams.xml"])
def test_unreadable_files_are_refused(name: str, tmp_path: Path) -> None:
    if name in UNREADABLE:
        path = tmp_path / name
        content = UNREADABLE[name]
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    else:
        path = EXAMPLES / name  # Europass's XSD-based XML: not RDF
    with pytest.raises(UnreadableFile) as raised:
        read_elm(path, ELM_DIR)
    assert path.name in str(raised.value)
    if name.endswith(".xml"):
        assert "not RDF/XML" in str(raised.value)


def test_an_unreadable_file_exits_2_and_stores_nothing(base_settings: Settings, tmp_path: Path) -> None:
    good = tmp_path / "course.jsonld"
    good.write_text(json.dumps(JSONLD_COURSE), encoding="utf-8")
    stored = sizes(base_settings)
    missing = run(tmp_path / "missing.ttl", store=base_settings)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    xml = run(good, EXAMPLES / "loq/loq.xml", "--aim", AIM, store=base_settings)
    assert xml.returncode == 2 and "not RDF/XML" in xml.stderr
    assert sizes(base_settings) == stored
