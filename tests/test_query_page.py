"""The SPARQL query page: the HTML a browser gets at ``/sparql``, the example queries, and the page at work in a
real headless Chromium (Debian's ``chromium``, driven by Playwright) against a live server on a demo store."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import markupsafe
import pytest

from smarco_kg.api.query_page import load_examples, parse_header, prefix_block
from smarco_kg.config import PROJECT_ROOT
from smarco_kg.namespaces import PREFIXES
from tests.server import running_server

QUERIES = PROJECT_ROOT / "queries"
EXAMPLES = load_examples(QUERIES)
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def server(_demo_template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over a private copy of the demo store (read only: the page never writes)."""
    with (
        _demo_template.provision(tmp_path_factory.mktemp("query-page") / "store") as settings,
        running_server(settings) as url,
    ):
        yield url


# ---- the example files ----------------------------------------------------------------------------------------


def test_there_are_named_examples_for_the_demo_data() -> None:
    names = {example.name for example in EXAMPLES}
    assert len(EXAMPLES) >= 6
    for expected in (
        "courses-per-skill",
        "courses-by-country-and-eqf",
        "micro-credentials-stacking",
        "pathways-total-ects",
        "best-practices-per-skill",
        "partners-and-roles",
    ):
        assert expected in names
    for example in EXAMPLES:
        assert example.summary and example.summary != example.name.replace("-", " "), example.name
        assert example.text.startswith("#+ summary: "), example.name


def test_the_header_parser_reads_summary_and_description_and_tolerates_other_lines() -> None:
    text = """\
#+ summary: Courses at one EQF level
#+ description: The courses at a level.
#+ tags:
#+   - courses
#+ params:
#+   - name: level
#+     type: xsd:integer
#+ endpoint_in_url: False
# a plain comment
#+ summary: a second summary is ignored

SELECT * WHERE { ?s ?p ?o }
#+ after: the header has ended
"""
    header = parse_header(text)
    assert header["summary"] == "Courses at one EQF level"
    assert header["description"] == "The courses at a level."
    assert header["tags"] == "" and header["params"] == "" and header["endpoint_in_url"] == "False"
    assert "after" not in header and "name" not in header


def test_an_example_without_a_summary_is_named_after_its_file(tmp_path: Path) -> None:
    (tmp_path / "all-triples.rq").write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1\n")
    (tmp_path / "notes.txt").write_text("#+ summary: not a query\n")
    (example,) = load_examples(tmp_path)
    assert (example.name, example.summary, example.description) == ("all-triples", "all triples", "")
    assert load_examples(tmp_path / "absent") == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_every_example_runs_as_is_on_the_demo_store(server: str, example) -> None:
    accept = "application/sparql-results+json, text/turtle;q=0.9"
    response = httpx.post(f"{server}/sparql", data={"query": example.text}, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/sparql-results+json"):
        body = response.json()
        if "boolean" in body:
            assert body["boolean"] is True
        else:
            assert len(body["results"]["bindings"]) >= 1
    else:
        assert response.headers["content-type"].startswith("text/turtle")
        assert response.text.count("\n") >= 10


# ---- the page over plain HTTP -----------------------------------------------------------------------------------


def test_a_browser_asking_for_sparql_gets_the_query_page_with_the_examples(server: str) -> None:
    response = httpx.get(f"{server}/sparql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<h1>SPARQL query</h1>" in page
    assert '<label for="query">' in page and '<label for="example">' in page
    assert '<main id="main">' in page and '<header class="site">' in page and '<footer class="site">' in page
    for example in EXAMPLES:
        assert f'<option value="{example.name}">{markupsafe.escape(example.summary)}</option>' in page
    for prefix, iri in PREFIXES.items():
        assert re.search(rf"PREFIX {prefix}: +&lt;{re.escape(iri)}&gt;", page), prefix
    assert html.escape(prefix_block()) in page
    assert "Queries that run longer than 30 s are stopped." in page
    assert 'src="/static/sparql.js' in page
    assert "This service uses the ESCO classification of the European Commission." in page


def test_the_page_offers_downloads_in_every_format(server: str) -> None:
    page = httpx.get(f"{server}/sparql", headers=HTML).text
    for name in ("json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdfxml", "nq", "trig"):
        assert re.search(rf'href="/sparql\?query=[^"]+&amp;format={name}"', page), name


def test_an_example_can_be_opened_by_name_without_javascript(server: str) -> None:
    example = next(e for e in EXAMPLES if e.name == "partners-and-roles")
    page = httpx.get(f"{server}/sparql", params={"example": example.name}, headers=HTML).text
    assert f'<option value="{example.name}" selected>' in page
    editor = re.search(r'<textarea id="query"[^>]*>\n(.*?)</textarea>', page, re.DOTALL)
    assert editor and html.unescape(editor[1]) == example.text
    assert html.escape(example.description) in page
    download = re.search(r'href="(/sparql\?query=[^"]+&amp;format=csv)"', page)
    assert download
    csv = httpx.get(server + html.unescape(download[1]))
    assert csv.status_code == 200 and "European DIGITAL SME Alliance,,coordinator" in csv.text


def test_the_static_files_are_served(server: str) -> None:
    script = httpx.get(f"{server}/static/sparql.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "#query=" in script.text
    style = httpx.get(f"{server}/static/sparql.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")


def test_the_page_speaks_the_language_asked_for(server: str) -> None:
    page = httpx.get(f"{server}/sparql", params={"lang": "it"}, headers=HTML).text
    assert '<html lang="it">' in page and "<h1>Query SPARQL</h1>" in page
    assert '<button type="submit" id="run">Esegui la query</button>' in page
    assert "Le query che durano più di 30 s vengono interrotte." in page
    assert '<input type="hidden" name="lang" value="it">' in page  # loading an example keeps the language
    greek = httpx.get(f"{server}/sparql", headers={**HTML, "Accept-Language": "el, en;q=0.5"}).text
    assert "<h1>Ερώτημα SPARQL</h1>" in greek and "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in greek
    messages = re.search(r'<script type="application/json" id="messages-data">(.*?)</script>', greek, re.DOTALL)
    assert messages and json.loads(messages[1])["row_other"] == "%(num)s γραμμές"


def test_machines_still_get_the_service_description(server: str) -> None:
    response = httpx.get(f"{server}/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")


# ---- the page in a browser --------------------------------------------------------------------------------------


class Console:
    """What the page said on its console: errors and uncaught exceptions."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    opened.console = Console(opened)
    yield opened
    context.close()


def _rows(page) -> int:
    return page.locator("#results-table tbody tr").count()


def test_the_page_loads_without_errors_with_the_prefixes_and_the_examples(server: str, page) -> None:
    page.goto(f"{server}/sparql")
    assert page.title().startswith("SPARQL query")
    editor = page.get_by_label("SPARQL query", exact=True)
    text = editor.input_value()
    for prefix, iri in PREFIXES.items():
        assert re.search(rf"^PREFIX {prefix}: +<{re.escape(iri)}>$", text, re.MULTILINE), prefix
    options = page.locator("#example option")
    assert options.count() == len(EXAMPLES) + 1
    assert [options.nth(i).get_attribute("value") for i in range(1, options.count())] == [e.name for e in EXAMPLES]
    assert page.get_by_role("main").count() == 1
    assert page.get_by_role("heading", level=1).inner_text() == "SPARQL query"
    # the first query runs as it stands
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#results-table tbody tr")
    assert _rows(page) >= 30
    assert page.console.errors == []


def test_choosing_an_example_and_running_it_shows_a_table(server: str, page, artefacts: Path) -> None:
    page.goto(f"{server}/sparql")
    page.get_by_label("Example query").select_option("partners-and-roles")
    assert (
        "coordinator, partner, associated partner or stakeholder" in page.locator("#example-description").inner_text()
    )
    page.get_by_role("button", name="Load example").click()
    editor = page.get_by_label("SPARQL query", exact=True)
    assert editor.input_value().startswith("#+ summary: The partners and their roles")
    editor.press("Control+Enter")  # the keyboard way to run
    page.wait_for_selector("#results-table tbody tr")
    headers = page.locator("#results-table thead th").all_inner_texts()
    assert headers == ["organisation", "name", "localName", "role", "countryLabel", "homepage"]
    assert _rows(page) == 35  # the 22 members of the consortium and the 13 stakeholders of the demo data
    first = page.locator("#results-table tbody tr").first
    link = first.locator("td").first.locator("a")
    assert link.get_attribute("href") == "https://w3id.org/smarco/organisation/european-digital-sme-alliance"
    assert first.locator("td").nth(3).inner_text() == "coordinator@en"
    assert page.locator("#results-table .lang", has_text="@el").count() >= 1
    status = page.locator("#status").inner_text()
    assert re.fullmatch(r"35 rows in [\d.]+ s \(evaluation [\d.]+ s\)\.", status), status
    assert page.locator("#graph-downloads").is_hidden() and page.locator("#result-downloads").is_visible()
    csv = page.locator('#downloads a[data-format="csv"]').get_attribute("href")
    assert csv.startswith("/sparql?query=%23%2B%20summary") and csv.endswith("&format=csv")
    page.screenshot(path=str(artefacts / "sparql-results.png"), full_page=True)
    assert page.console.errors == []


def test_the_share_link_reopens_and_reruns_the_query(server: str, page, browser) -> None:
    query = (
        "PREFIX smarco: <https://w3id.org/smarco/ontology#>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
        "# pathways & their titles (a # and a + in the query: 1+1)\n"
        "SELECT ?pathway ?title WHERE { ?pathway a smarco:TrainingPathway ; dct:title ?title } ORDER BY ?title"
    )
    page.goto(f"{server}/sparql")
    page.get_by_label("SPARQL query", exact=True).fill(query)
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#results-table tbody tr")
    link = page.get_by_label("Link to this query").input_value()
    encoded = quote(query, safe="!~*'()")  # what encodeURIComponent leaves alone
    assert link == f"{server}/sparql#query={encoded}"
    assert page.url == link
    # someone else opens the link: a fresh browser context, nothing shared but the address
    other = browser.new_context()
    try:
        reopened = other.new_page()
        console = Console(reopened)
        reopened.goto(link)
        reopened.wait_for_selector("#results-table tbody tr")
        assert reopened.get_by_label("SPARQL query", exact=True).input_value() == query
        assert reopened.locator("#results-table tbody tr").count() == 4
        assert reopened.locator("#results-table thead th").all_inner_texts() == ["pathway", "title"]
        assert console.errors == []
    finally:
        other.close()


def test_the_scripts_messages_are_in_the_pages_language(server: str, page) -> None:
    page.goto(f"{server}/sparql?lang=es")
    page.get_by_role("button", name="Ejecutar la consulta").click()
    page.wait_for_selector("#results-table tbody tr")
    status = page.locator("#status").inner_text()
    assert re.fullmatch(r"\d+ filas en [\d.]+ s \(evaluación [\d.]+ s\)\.", status), status
    assert page.get_by_role("region", name="Tabla de resultados").count() == 1
    page.get_by_label("Consulta SPARQL", exact=True).fill("   ")
    page.get_by_role("button", name="Ejecutar la consulta").click()
    assert page.locator("#status").inner_text() == "Escriba primero una consulta."
    assert page.console.errors == []


def test_a_changed_fragment_in_the_same_tab_runs_the_new_query(server: str, page) -> None:
    page.goto(f"{server}/sparql")
    page.evaluate("location.hash = 'query=' + encodeURIComponent('ASK { ?s ?p ?o }')")
    page.wait_for_selector("#boolean-result")
    assert page.locator("#boolean-result").inner_text() == "true"
    assert page.get_by_label("SPARQL query", exact=True).input_value() == "ASK { ?s ?p ?o }"


def test_ask_and_construct_examples_show_their_answers(server: str, page) -> None:
    page.goto(f"{server}/sparql?example=micro-credentials-quality-assured", wait_until="networkidle")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#boolean-result")
    assert page.locator("#boolean-result").inner_text() == "true"
    page.get_by_label("Example query").select_option("courses-as-schema-org")
    page.get_by_role("button", name="Load example").click()
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#graph-result")
    graph = page.locator("#graph-result").inner_text()
    assert "@prefix schema: <https://schema.org/>" in graph and "schema:Course" in graph
    assert page.locator("#status").inner_text().startswith("text/turtle: ")
    assert page.locator("#result-downloads").is_hidden() and page.locator("#graph-downloads").is_visible()
    assert page.console.errors == []


def test_a_syntax_error_shows_the_servers_message(server: str, page) -> None:
    bad = "SELECT ?course WHERE { ?course a }"
    expected = httpx.post(f"{server}/sparql", data={"query": bad}).json()
    assert expected["status"] == 400
    page.goto(f"{server}/sparql")
    page.get_by_label("SPARQL query", exact=True).fill(bad)
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#error")
    error = page.get_by_role("alert").inner_text()
    assert expected["title"] in error and expected["detail"] in error
    assert page.locator("#status").inner_text() == f"Error: {expected['title']}"
    # the only console message is the browser's own note of the 400 answer
    assert all("400" in message for message in page.console.errors), page.console.errors
