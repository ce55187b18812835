"""The one write path: parse, validate the touched focus nodes with their store neighbourhood, commit atomically."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.write_path import ParseError, WriteRejected

DATA = Path(__file__).parent / "data"
BASE = "https://w3id.org/smarco/"
CEFRIEL = f"{BASE}graph/partner/cefriel"
COURSE = (DATA / "course.trig").read_bytes()


def dump(kg: KnowledgeGraph) -> bytes:
    buffer = io.BytesIO()
    kg.store.dump(buffer, rdf_syntax("nquads"))
    return buffer.getvalue()


def write(kg: KnowledgeGraph, data: bytes, syntax: str = "trig", **options):
    return kg.write_path.write(data, rdf_syntax(syntax), base_iri=BASE, **options)


def test_conforming_data_is_committed_into_its_named_graph(base_kg: KnowledgeGraph) -> None:
    result = write(base_kg, COURSE)
    assert result.graphs == [CEFRIEL]
    assert base_kg.store.graph_size(CEFRIEL) == result.quads > 40
    assert result.report.conforms and result.report.focus_nodes == 4


def test_esco_skills_known_to_the_store_raise_no_warning(base_kg: KnowledgeGraph) -> None:
    result = write(base_kg, COURSE)
    assert result.report.problems == []


def test_a_violation_stores_nothing(base_kg: KnowledgeGraph) -> None:
    before = dump(base_kg)
    broken = COURSE.replace(b"elm:EQFLevel eqf:6 ;", b"elm:EQFLevel eqf:9 ;")
    with pytest.raises(WriteRejected) as caught:
        write(base_kg, broken)
    [problem] = caught.value.report.violations
    assert problem.focus_node == f"{BASE}credential/urban-data-platforms"
    assert problem.path == "elm:EQFLevel"
    assert "EQF level" in problem.message
    assert dump(base_kg) == before


def test_dry_run_reports_without_storing(base_kg: KnowledgeGraph) -> None:
    before = dump(base_kg)
    result = write(base_kg, COURSE, dry_run=True)
    assert result.report.conforms
    assert dump(base_kg) == before


def test_unparsable_data_is_a_parse_error_naming_the_position(base_kg: KnowledgeGraph) -> None:
    before = dump(base_kg)
    with pytest.raises(ParseError, match="line 3"):
        write(base_kg, b"@prefix ex: <http://ex.org/> .\n\nex:a ex:b .\n", "turtle", graph=CEFRIEL)
    assert dump(base_kg) == before


def test_triples_outside_a_named_graph_need_a_graph(base_kg: KnowledgeGraph) -> None:
    turtle = b'<http://ex.org/a> <http://ex.org/b> "c" .\n'
    with pytest.raises(ParseError, match="outside any named graph"):
        write(base_kg, turtle, "turtle")
    result = write(base_kg, turtle, "turtle", graph=CEFRIEL)
    assert result.graphs == [CEFRIEL]


def test_references_resolve_against_data_already_in_the_store(base_kg: KnowledgeGraph) -> None:
    """A course written alone validates against the organisation stored earlier."""
    organisation, _, rest = COURSE.partition(b"  <course/urban-data-platforms> a")
    write(base_kg, organisation + b"}\n")
    prefixes = COURSE.split(b"<graph/partner/cefriel> {")[0]
    result = write(base_kg, prefixes + b"<graph/partner/cefriel> {\n  <course/urban-data-platforms> a" + rest)
    assert result.report.conforms
    assert result.report.focus_nodes == 3


def test_a_reference_to_an_unknown_organisation_is_rejected(base_kg: KnowledgeGraph) -> None:
    orphan = COURSE.replace(b"elm:providedBy <organisation/cefriel>", b"elm:providedBy <organisation/nobody>")
    with pytest.raises(WriteRejected) as caught:
        write(base_kg, orphan)
    assert [p.path for p in caught.value.report.violations] == ["elm:providedBy"]


def test_additions_are_validated_merged_with_what_the_store_holds(base_kg: KnowledgeGraph) -> None:
    """A second EQF level on a stored micro-credential breaks maxCount 1 only in the merged view."""
    write(base_kg, COURSE)
    extra = (
        b"<graph/partner/cefriel> { <credential/urban-data-platforms> "
        b"<http://data.europa.eu/snb/model/elm/EQFLevel> <http://data.europa.eu/snb/eqf/7> . }"
    )
    with pytest.raises(WriteRejected) as caught:
        write(base_kg, extra)
    assert caught.value.report.violations[0].path == "elm:EQFLevel"


def test_replacing_a_graph_drops_its_old_content(base_kg: KnowledgeGraph) -> None:
    write(base_kg, COURSE)
    renamed = COURSE.replace(b'"Urban data platforms"@en', b'"Urban data platforms, second edition"@en')
    write(base_kg, renamed, replace_graphs=[CEFRIEL])
    titles = base_kg.store.query(
        "SELECT ?t WHERE { ?c a <http://data.europa.eu/snb/model/elm/LearningOpportunity> ; "
        "<http://purl.org/dc/terms/title> ?t FILTER(lang(?t) = 'en') }",
        union_default_graph=True,
    )
    assert [str(row["t"]) for row in titles.rows()] == ["Urban data platforms, second edition"]


def test_writes_outside_the_allowed_graphs_are_refused(base_kg: KnowledgeGraph) -> None:
    before = dump(base_kg)
    with pytest.raises(PermissionError, match="cefriel"):
        write(base_kg, COURSE, allowed_graphs=lambda graph: graph.endswith("/forave"))
    assert dump(base_kg) == before


def test_top_level_blank_nodes_are_validated_too(base_kg: KnowledgeGraph) -> None:
    membership = (
        b"@prefix org: <http://www.w3.org/ns/org#> .\n"
        b"<graph/partner/cefriel> { [] a org:Membership ; org:member <organisation/nobody> . }"
    )
    with pytest.raises(WriteRejected) as caught:
        write(base_kg, membership)
    paths = sorted(p.path for p in caught.value.report.violations)
    assert paths == ["org:member", "org:organization", "org:role"]
    assert caught.value.report.violations[0].focus_node.startswith("_:")


def test_every_rdf_syntax_goes_through_the_same_path(base_kg: KnowledgeGraph) -> None:
    from smarco_kg.store import open_scratch_store

    scratch = open_scratch_store()
    scratch.bulk_load(COURSE, rdf_syntax("trig"), base_iri=BASE)
    for name in ("nquads", "trig", "jsonld"):
        buffer = io.BytesIO()
        scratch.dump(buffer, rdf_syntax(name))
        assert write(base_kg, buffer.getvalue(), name, dry_run=True).report.conforms, name
    for name in ("turtle", "ntriples", "rdfxml"):
        buffer = io.BytesIO()
        scratch.dump(buffer, rdf_syntax(name), graph=CEFRIEL)
        assert write(base_kg, buffer.getvalue(), name, graph=CEFRIEL, dry_run=True).report.conforms, name


def test_a_nested_resource_already_in_the_store_is_validated_with_its_description(base_kg: KnowledgeGraph) -> None:
    """An organisation's home page stored earlier as an IRI node satisfies sh:node on a later write."""
    page = b"""@prefix elm: <http://data.europa.eu/snb/model/elm/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<graph/partner/cefriel> {
  <page/cefriel> a elm:WebResource ; elm:contentUrl "https://www.cefriel.com/"^^xsd:anyURI .
}"""
    write(base_kg, page)
    with_page = COURSE.replace(
        b'foaf:homepage [ a elm:WebResource ; elm:contentUrl "https://www.cefriel.com/"^^xsd:anyURI ]',
        b"foaf:homepage <page/cefriel>",
    )
    assert with_page != COURSE
    assert write(base_kg, with_page).report.conforms


def test_small_batches_see_references_across_batches(base_kg: KnowledgeGraph) -> None:
    base_kg.write_path.batch_size = 1
    assert write(base_kg, COURSE, dry_run=True).report.conforms


def test_large_writes_are_checked_in_worker_processes_with_the_same_verdict(base_kg: KnowledgeGraph) -> None:

    base_kg.write_path.parallel_from, base_kg.write_path.batch_size, base_kg.write_path.workers = 1, 50, 2
    files = base_kg.catalogue.demo_files(base_kg.settings.data_dir)
    result = base_kg.write_path.write(files, base_iri=BASE, dry_run=True)
    assert result.report.conforms and result.report.problems == []
    assert result.report.focus_nodes > 200


def test_a_violation_found_by_a_worker_process_stores_nothing(base_kg: KnowledgeGraph) -> None:
    base_kg.write_path.parallel_from, base_kg.write_path.batch_size, base_kg.write_path.workers = 1, 1, 2
    before = dump(base_kg)
    with pytest.raises(WriteRejected) as caught:
        write(base_kg, COURSE.replace(b"elm:EQFLevel eqf:6 ;", b"elm:EQFLevel eqf:9 ;"))
    assert [p.path for p in caught.value.report.violations] == ["elm:EQFLevel"]
    assert dump(base_kg) == before


def test_replacing_the_default_graph_validates_against_the_other_graphs_only(base_kg: KnowledgeGraph) -> None:
    """A default graph being replaced is not part of the neighbourhood: its old triples do not count."""
    membership = (
        b"@prefix org: <http://www.w3.org/ns/org#> .\n"
        b"<https://w3id.org/smarco/membership/x> a org:Membership ; org:member <organisation/cefriel> .\n"
    )
    with pytest.raises(WriteRejected):
        write(base_kg, membership, "turtle", graph="")
    organisation = COURSE.partition(b"  <course/urban-data-platforms> a")[0] + b"}\n"
    old = organisation.split(b"<graph/partner/cefriel> {")[1].rsplit(b"}", 1)[0]
    prefixes = COURSE.split(b"<graph/partner/cefriel> {")[0]
    write(base_kg, prefixes + old, "turtle", graph="")
    assert base_kg.store.graph_size("") > 0
    with pytest.raises(WriteRejected) as caught:  # the organisation in the default graph is being replaced
        write(base_kg, membership, "turtle", graph="", replace_graphs=[""])
    assert "org:member" in [p.path for p in caught.value.report.violations]
