"""The smarco-kg command as a user runs it: real processes, a real store, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smarco_kg.config import Settings
from tests.backends import embedded_only, store_arguments

DATA = Path(__file__).parent / "data"
COURSE = DATA / "course.trig"


def run(
    *args: str | Path, store: Path | Settings | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "smarco_kg", *map(str, args)]
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SMARCO_STORE", None)
    if store is not None:
        arguments, named = store_arguments(store)
        command += arguments
        env.update(named)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def dump(store: Path | Settings) -> str:
    return run("dump", store=store, check=True).stdout


@pytest.fixture
def store(base_settings: Settings) -> Settings:
    return base_settings


def test_init_loads_the_ontology_code_lists_esco_and_demo(tmp_path: Path) -> None:
    done = run("init", store=tmp_path / "store", check=True)
    assert "Store ready" in done.stdout
    for source in ("ontology", "vocabularies", "esco", "demo"):
        assert source in done.stdout
    again = run("init", store=tmp_path / "store", check=True)
    assert "nothing to do" in again.stdout


def test_init_creates_missing_parent_folders(tmp_path: Path) -> None:
    run("init", "--no-demo", store=tmp_path / "var" / "store", check=True)
    assert (tmp_path / "var" / "store" / "CURRENT").is_file()


def test_init_without_demo_loads_no_partner_graph(tmp_path: Path) -> None:
    run("init", "--no-demo", store=tmp_path / "store", check=True)
    graphs = run("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", "--format", "csv", store=tmp_path / "store")
    assert "graph/ontology" in graphs.stdout
    assert "graph/partner/" not in graphs.stdout


def test_load_stores_a_conforming_file(store: Settings) -> None:
    done = run("load", COURSE, store=store, check=True)
    assert "loaded" in done.stdout and "graph/partner/cefriel" in done.stdout
    titles = run(
        "query", "SELECT ?t WHERE { ?c a elm:LearningOpportunity ; dct:title ?t }", "--format", "tsv", store=store
    )
    assert '"Urban data platforms"@en' in titles.stdout


def test_load_of_a_nonconforming_file_prints_the_report_and_stores_nothing(store: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.trig"
    bad.write_text(COURSE.read_text().replace("elm:mode mode:9191af2ed9 ;", ""))
    before = dump(store)
    done = run("load", bad, store=store)
    assert done.returncode == 1
    assert "credential/urban-data-platforms" in done.stderr
    assert "property: elm:mode" in done.stderr
    assert "form of participation" in done.stderr
    assert "nothing was stored" in done.stderr
    assert dump(store) == before


def test_validate_reports_without_storing(store: Settings) -> None:
    before = dump(store)
    done = run("validate", COURSE, store=store)
    assert done.returncode == 0, done.stderr
    assert "conforms" in done.stdout
    assert dump(store) == before


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        ("this is not turtle", "broken.ttl", "cannot parse broken.ttl as turtle"),
        ("<a> <b> <c> .", "data.xyz", "cannot tell the RDF format"),
        ('<http://ex.org/a> <http://ex.org/b> "c" .', "triples.nt", "outside any named graph"),
    ],
)
def test_bad_files_give_a_one_line_cause_and_change_nothing(
    store: Settings, tmp_path: Path, content: str, name: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    before = dump(store)
    done = run("load", path, store=store)
    assert done.returncode == 2
    assert expected in done.stderr.splitlines()[0]
    assert dump(store) == before


def test_a_missing_file_is_reported(store: Settings) -> None:
    done = run("load", "no/such/file.ttl", store=store)
    assert done.returncode == 2
    assert "no such file" in done.stderr


def test_a_directory_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    done = run("load", COURSE, store=tmp_path)
    assert done.returncode == 1
    assert "not a smarco-kg store" in done.stderr


def test_a_store_in_use_by_another_process_is_refused(base_settings: Settings) -> None:
    from smarco_kg.kg import KnowledgeGraph

    embedded_only(base_settings, "one process opens it for writing; a remote store serves many")
    with KnowledgeGraph(base_settings):
        done = run("load", COURSE, store=base_settings.store)
    assert done.returncode == 1
    assert "open in another process" in done.stderr


def test_query_prints_json_results_and_reads_rq_files(store: Settings, tmp_path: Path) -> None:
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a esco:Skill }")
    done = run("query", query, store=store, check=True)
    count = int(json.loads(done.stdout)["results"]["bindings"][0]["n"]["value"])
    assert count > 3000


def test_construct_queries_print_rdf(store: Settings) -> None:
    done = run("query", "CONSTRUCT WHERE { smarco:coordinator ?p ?o }", "--format", "nt", store=store, check=True)
    assert "<https://w3id.org/smarco/ontology#coordinator>" in done.stdout


def test_a_query_syntax_error_is_a_clear_failure(store: Settings) -> None:
    done = run("query", "SELECT ?x WHERE { ?x ", store=store)
    assert done.returncode == 2
    assert "not valid SPARQL" in done.stderr


def test_a_format_that_does_not_fit_the_query_is_refused(store: Settings) -> None:
    done = run("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "ttl", store=store)
    assert done.returncode == 2
    assert "does not fit a SELECT/ASK query" in done.stderr


def test_a_store_that_does_not_answer_is_one_line_of_error_not_a_traceback(tmp_path: Path) -> None:
    unreachable = Settings(store="http://127.0.0.1:9/sparql", state_dir=tmp_path)
    done = run("query", "ASK { ?s ?p ?o }", store=unreachable)
    assert done.returncode == 1
    assert done.stderr.startswith("error: the store could not answer: http://127.0.0.1:9/sparql"), done.stderr
    assert "Traceback" not in done.stderr


def test_dump_one_graph_as_turtle_and_the_dataset_as_trig(store: Settings) -> None:
    graph = "https://w3id.org/smarco/graph/ontology"
    turtle = run("dump", "--graph", graph, "--format", "ttl", store=store, check=True).stdout
    assert "smarco:MicroCredential" in turtle
    trig = run("dump", "--format", "trig", store=store, check=True).stdout
    assert f"<{graph}>" in trig and "graph/esco" in trig


def test_dump_of_an_unknown_graph_fails(store: Settings) -> None:
    done = run("dump", "--graph", "https://example.org/none", store=store)
    assert done.returncode == 1
    assert "no graph" in done.stderr


def test_processes_started_from_the_command_import_only_what_they_run() -> None:
    """multiprocessing runs the parent's main script again in each child (query workers, the dumps' process): the
    installed ``smarco-kg`` script must not bring the whole command line (Typer, FastAPI, pyshacl) into them."""
    script = Path(sys.executable).with_name("smarco-kg")
    assert script.is_file(), "the console script is installed beside the interpreter"
    probe = (
        "import runpy, sys\n"
        f"runpy.run_path({str(script)!r}, run_name='__mp_main__')\n"
        "import smarco_kg.query_workers\n"
        "print(sorted(m for m in ('smarco_kg.cli', 'typer', 'fastapi', 'pyshacl', 'jinja2') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
    assert run("--help", check=True).stdout.count("serve") >= 1  # and the command itself still runs
