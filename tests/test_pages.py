"""Dereferenceable IRIs and HTML pages: direct content negotiation at the minted IRIs' paths, the resource and
index pages, the schema.org Course markup, and the pages at work in headless Chromium (Debian's ``chromium``)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator

import httpx
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from smarco_kg.store.embedded import EmbeddedStore
from tests.backends import Template
from tests.server import describe, problem, running_server

BASE = "https://w3id.org/smarco/"
COURSE = "/course/urban-data-platforms"  # "Urban data platforms"@en, "Piattaforme di dati urbani"@it
SKILL = "11430d93-c835-48ed-8e70-285fa69c9ae6"  # design cloud architecture, taught by that course
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def server(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with (
        _demo_template.provision(tmp_path_factory.mktemp("pages") / "store") as settings,
        running_server(settings) as url,
    ):
        yield url


def get(server: str, path: str, **headers: str) -> httpx.Response:
    return httpx.get(server + path, headers=headers, timeout=60.0)


def h1(response: httpx.Response) -> str:
    found = re.findall(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    assert len(found) == 1, describe(response)
    return found[0].strip()


# ---- negotiation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [BROWSER, {}, {"Accept": "*/*"}])
def test_a_course_iri_answers_html_by_default(server: str, headers: dict[str, str]) -> None:
    response = get(server, COURSE, **headers)
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/html")
    assert "accept" in response.headers["vary"].lower()
    assert h1(response) == "Urban data platforms"


@pytest.mark.parametrize(
    ("headers", "path", "media_type", "rdflib_format"),
    [
        ({"Accept": "text/turtle"}, COURSE, "text/turtle", "turtle"),
        (BROWSER, COURSE + "?format=turtle", "text/turtle", "turtle"),
        ({"Accept": "application/n-triples"}, COURSE, "application/n-triples", "nt"),
        ({"Accept": "application/rdf+xml"}, COURSE, "application/rdf+xml", "xml"),
        ({}, COURSE + "?format=ntriples", "application/n-triples", "nt"),
    ],
)
def test_rdf_comes_by_accept_or_format(
    server: str, headers: dict[str, str], path: str, media_type: str, rdflib_format: str
) -> None:
    response = get(server, path, **headers)
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith(media_type)
    assert "accept" in response.headers["vary"].lower()
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert (URIRef(BASE + COURSE[1:]), None, None) in graph  # the path maps onto the configured base IRI


def test_jsonld_by_accept_describes_the_minted_iri(server: str) -> None:
    response = get(server, COURSE, Accept="application/ld+json")
    assert response.status_code == 200, describe(response)
    assert response.json()["id"] == BASE + COURSE[1:]


def test_the_rdf_is_that_of_the_api(server: str) -> None:
    page = Graph().parse(data=get(server, COURSE, Accept="text/turtle").text, format="turtle")
    api = Graph().parse(data=get(server, "/api/courses/urban-data-platforms?format=turtle").text, format="turtle")
    assert len(page) == len(api) > 0


def test_an_unacceptable_accept_is_a_406(server: str) -> None:
    problem(get(server, COURSE, Accept="image/png"), 406)


@pytest.mark.parametrize(
    "path", ["/course/no-such-course", "/organisation/nobody", "/skills/00000000-0000-0000-0000-000000000000"]
)
def test_an_unknown_id_is_a_404(server: str, path: str) -> None:
    html_problem(get(server, path, **BROWSER), 404)
    problem(get(server, path, Accept="text/turtle"), 404)
    problem(get(server, path), 404)  # no Accept: not a browser, the problem document


def html_problem(response: httpx.Response, status: int) -> str:
    """The HTML page of an error answer to a browser: same status, a title, the detail and a link home."""
    assert response.status_code == status, describe(response)
    assert response.headers["content-type"].startswith("text/html"), describe(response)
    assert "accept" in response.headers["vary"].lower()
    assert h1(response) and 'role="alert"' in response.text and 'href="/"' in response.text
    return response.text


def test_a_browser_gets_an_html_404_with_the_problem_detail(server: str) -> None:
    text = html_problem(get(server, "/course/no-such-course", **BROWSER), 404)
    assert "no-such-course" in text and "No such course" in text
    body = problem(get(server, "/course/no-such-course", Accept="application/json"), 404)
    assert "no-such-course" in body["detail"]


def test_a_browser_gets_an_html_406_for_an_unknown_format(server: str) -> None:
    html_problem(get(server, COURSE + "?format=bogus", **BROWSER), 406)
    problem(get(server, COURSE + "?format=bogus", Accept="text/turtle"), 406)


@pytest.mark.parametrize(
    "path",
    [
        "/credential/urban-data-analytics",
        "/pathway/smart-city-systems-engineer",
        "/practice/sme-friendly-lots-in-smart-city-tenders",
        "/organisation/cefriel",
        f"/skills/{SKILL}",
        "/occupations/3b129d8d-268e-465a-b0c5-bf32cae59a41",
    ],
)
def test_every_class_has_a_page_with_landmarks_and_one_h1(server: str, path: str) -> None:
    response = get(server, path, **BROWSER)
    assert response.status_code == 200, describe(response)
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in response.text, landmark
    assert h1(response)
    assert "<dl" in response.text


def test_an_esco_page_links_to_the_official_iri(server: str) -> None:
    text = get(server, f"/skills/{SKILL}", **BROWSER).text
    assert f'href="http://data.europa.eu/esco/skill/{SKILL}"' in text
    assert f'href="{COURSE}"' in text  # linked from the courses that teach it


# ---- nested IRIs ------------------------------------------------------------------------------------------------

SPECIFICATION = COURSE + "/specification"
OUTCOME = COURSE + "/outcome/1"
CREDENTIAL_OUTCOME = "/credential/smarco-certificate-smart-city-engineering/outcome/1"
NESTED = [SPECIFICATION, OUTCOME, CREDENTIAL_OUTCOME, "/membership/cefriel"]


def own_description(store: EmbeddedStore, iri: str) -> Graph:
    """What a node's RDF must hold, straight from the store: its triples and those of the blank nodes it owns
    (CONSTRUCT, as SPARQL DESCRIBE gives them)."""
    query = f"""CONSTRUCT {{ <{iri}> ?p ?o . ?b ?bp ?bo }} WHERE {{
      {{ <{iri}> ?p ?o }} UNION {{ <{iri}> ?q ?b . FILTER(isBlank(?b)) ?b ?bp ?bo }} }}"""
    graph = Graph()
    for triple in store.query(query, union_default_graph=True).triples():
        graph.add(triple)
    return graph


@pytest.mark.parametrize("path", NESTED)
def test_a_nested_iri_answers_html(server: str, path: str) -> None:
    response = get(server, path, **BROWSER)
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/html")
    assert "accept" in response.headers["vary"].lower()
    assert h1(response)
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in response.text, landmark
    assert f'href="{BASE}{path[1:]}"' in response.text  # the IRI it describes
    assert "<dl" in response.text


@pytest.mark.parametrize("path", NESTED)
def test_a_nested_iri_answers_its_own_description_in_turtle(server: str, path: str, _demo_template: Template) -> None:
    response = get(server, path, Accept="text/turtle")
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/turtle")
    served = Graph().parse(data=response.text, format="turtle")
    iri = URIRef(BASE + path[1:])
    expected = own_description(_demo_template.store, str(iri))
    assert len(expected) > 0
    own = Graph()
    for s, p, o in served:
        if s == iri or isinstance(s, BNode):
            own.add((s, p, o))
    assert isomorphic(own, expected), (own.serialize(format="nt"), expected.serialize(format="nt"))
    # nothing more about it than its own description, and labels only of the rest
    others = {s for s in served.subjects() if s != iri and isinstance(s, URIRef)}
    for other in others:
        assert {p for p in served.predicates(other)} <= {
            URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
            URIRef("http://purl.org/dc/terms/title"),
            URIRef("http://www.w3.org/ns/regorg#legalName"),
            URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        }, other


def test_a_specification_has_its_blank_credit_points_and_labels_of_its_outcomes(server: str) -> None:
    served = Graph().parse(data=get(server, SPECIFICATION, Accept="text/turtle").text, format="turtle")
    spec = URIRef(BASE + SPECIFICATION[1:])
    credit = next(served.objects(spec, URIRef("http://data.europa.eu/snb/model/elm/creditPoint")))
    assert (credit, URIRef("http://data.europa.eu/snb/model/elm/point"), None) in served
    assert (URIRef(BASE + OUTCOME[1:]), URIRef("http://purl.org/dc/terms/title"), None) in served


def test_a_specification_page_links_to_its_course(server: str) -> None:
    text = get(server, SPECIFICATION, **BROWSER).text
    part_of = re.search(r'<nav aria-label="Part of"[^>]*>(.*?)</nav>', text, re.S)
    assert part_of is not None
    assert f'href="{COURSE}"' in part_of.group(1)
    assert f'href="{OUTCOME}"' in text  # its outcomes link to their own pages


def test_an_outcome_page_is_part_of_its_specification_and_course(server: str) -> None:
    text = get(server, OUTCOME, **BROWSER).text
    part_of = re.search(r'<nav aria-label="Part of"[^>]*>(.*?)</nav>', text, re.S)
    assert part_of is not None
    assert f'href="{SPECIFICATION}"' in part_of.group(1) and f'href="{COURSE}"' in part_of.group(1)
    assert 'href="/skills/' in text  # the ESCO skills it points at


def test_a_course_s_data_view_links_to_its_specification_page(server: str) -> None:
    assert f'href="{SPECIFICATION}"' in get(server, COURSE + "?view=data", **BROWSER).text


def test_nested_iris_take_the_same_negotiation(server: str) -> None:
    assert get(server, SPECIFICATION + "?format=jsonld").json()["id"] == BASE + SPECIFICATION[1:]
    problem(get(server, SPECIFICATION, Accept="image/png"), 406)


@pytest.mark.parametrize(
    "path", ["/course/no-such-course/specification", COURSE + "/outcome/99", "/nothing/here", "/membership/nobody"]
)
def test_an_undescribed_nested_iri_is_a_404(server: str, path: str) -> None:
    html_problem(get(server, path, **BROWSER), 404)
    problem(get(server, path, Accept="text/turtle"), 404)


def test_the_application_s_own_paths_are_not_iris(server: str) -> None:
    assert get(server, "/static/sparql.css").status_code == 200
    assert get(server, "/health").status_code == 200


# ---- HEAD -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (COURSE, BROWSER),
        (COURSE, {"Accept": "text/turtle"}),
        ("/organisation/cefriel", BROWSER),
        (f"/skills/{SKILL}", BROWSER),
        ("/courses", BROWSER),
        ("/skills?limit=5", BROWSER),
        (SPECIFICATION, BROWSER),
        (OUTCOME, {"Accept": "application/n-triples"}),
    ],
)
def test_head_answers_like_get_without_a_body(server: str, path: str, headers: dict[str, str]) -> None:
    plain = {**headers, "Accept-Encoding": "identity"}
    got = httpx.get(server + path, headers=plain, timeout=60.0)
    head = httpx.head(server + path, headers=plain, timeout=60.0)
    assert got.status_code == head.status_code == 200, describe(head)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["vary"] == got.headers["vary"]
    assert head.headers["content-length"] == got.headers["content-length"]


def test_head_on_an_unknown_iri_is_a_404(server: str) -> None:
    response = httpx.head(server + "/course/no-such-course", timeout=60.0)
    assert response.status_code == 404 and response.content == b""


# ---- languages --------------------------------------------------------------------------------------------------


def test_the_label_follows_lang_then_accept_language_then_english(server: str) -> None:
    assert h1(get(server, COURSE + "?lang=it", **BROWSER)) == "Piattaforme di dati urbani"
    assert h1(get(server, COURSE, **BROWSER, **{"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"})) == (
        "Piattaforme di dati urbani"
    )
    assert h1(get(server, COURSE + "?lang=en", **BROWSER, **{"Accept-Language": "it"})) == "Urban data platforms"
    assert h1(get(server, COURSE + "?lang=de", **BROWSER)) == "Urban data platforms"  # fallback to English


def test_a_bad_lang_is_a_422(server: str) -> None:
    text = html_problem(get(server, COURSE + "?lang=not%20a%20tag", **BROWSER), 422)
    assert "lang" in text
    problem(get(server, COURSE + "?lang=not%20a%20tag", Accept="text/turtle"), 422)
    problem(get(server, "/courses?lang=not%20a%20tag"), 422)


# ---- schema.org ---------------------------------------------------------------------------------------------------


def test_a_course_page_embeds_a_schema_org_course(server: str) -> None:
    text = get(server, COURSE, **BROWSER).text
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert len(blocks) == 1
    course = json.loads(blocks[0])
    assert course["@context"] == "https://schema.org" and course["@type"] == "Course"
    assert course["name"] == "Urban data platforms"
    assert course["description"]
    assert course["provider"]["@type"] == "Organization" and course["provider"]["name"] == "Cefriel"
    assert "en" in course["inLanguage"]
    assert course["educationalLevel"]["termCode"] == "6"
    assert f"http://data.europa.eu/esco/skill/{SKILL}" in {skill["url"] for skill in course["teaches"]}


def test_a_course_awarding_a_micro_credential_says_so(server: str) -> None:
    text = get(server, "/courses?limit=100", **BROWSER).text
    courses = re.findall(r'href="(/course/[a-z0-9-]+)"', text)
    awarded = []
    for path in courses:
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', get(server, path).text, re.S)
        assert block is not None, path
        body = json.loads(block.group(1))
        if "educationalCredentialAwarded" in body:
            awarded.append(body["educationalCredentialAwarded"])
    assert awarded, "no course awards a credential"
    assert all(a["url"].startswith(BASE + "credential/") for a in awarded)


# ---- index pages ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "collection", ["courses", "credentials", "pathways", "practices", "partners", "skills", "occupations"]
)
def test_every_collection_has_an_index_page(server: str, collection: str) -> None:
    response = get(server, f"/{collection}", **BROWSER)
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/html")
    assert '<form class="filters" method="get"' in response.text
    assert re.search(r'<tbody>\s*<tr><th scope="row"><a href="/', response.text)


def test_index_filters_are_those_of_the_api(server: str) -> None:
    api = httpx.get(f"{server}/api/courses", params={"eqf": "7", "limit": 100}).json()
    expected = {item["id"].removeprefix(BASE) for item in api["items"]}
    text = get(server, "/courses?eqf=7&limit=100&skill=&language=", **BROWSER).text  # empty fields are ignored
    shown = set(re.findall(r'<th scope="row"><a href="/(course/[a-z0-9-]+)"', text))
    assert shown == expected and shown


def test_index_pages_page(server: str) -> None:
    first = get(server, "/skills?limit=5", **BROWSER).text
    following = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert following is not None
    second = get(server, following.group(1).replace("&amp;", "&"), **BROWSER).text
    assert 'rel="prev"' in second and re.search(r'<p id="count">6\u201310 of \d+', second)


def test_a_bad_filter_value_is_shown_on_the_page_with_a_422(server: str) -> None:
    response = get(server, "/courses?eqf=9", **BROWSER)
    assert response.status_code == 422
    assert 'role="alert"' in response.text and "eqf" in response.text


# ---- in a browser ----------------------------------------------------------------------------------------------------


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def test_in_a_browser_the_index_form_filters_without_javascript(server: str, page) -> None:
    page.goto(server + "/courses")
    page.get_by_label("eqf").fill("7")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/courses?*eqf=7*")
    links = page.locator("#members-table tbody th a")
    assert links.count() > 0
    links.first.click()
    page.wait_for_url("**/course/*")
    assert page.locator("h1").count() == 1


# ---- pages for people ----------------------------------------------------------------------------------------------

MARKETS = "/course/smart-city-markets-for-technology-companies"  # Spanish and English title, English summary
IOT = "/course/iot-for-smart-cities"  # leads to a micro-credential, a step of a pathway
OCCUPATION = "3b129d8d-268e-465a-b0c5-bf32cae59a41"  # mobility services manager
PAGES = {
    "course": MARKETS,
    "credential": "/credential/iot-for-smart-cities",
    "pathway": "/pathway/smart-city-systems-engineer",
    "practice": "/practice/sme-friendly-lots-in-smart-city-tenders",
    "organisation": "/organisation/cefriel",
    "skill": f"/skills/{SKILL}",
    "occupation": f"/occupations/{OCCUPATION}",
}


def readable(html: str) -> str:
    """What a person reads on a page: the text of the body, without markup, scripts or attribute values."""
    body = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    body = re.sub(r"<head\b.*?</head>", " ", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", text.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"'))


def section(html: str, key: str) -> str:
    """The HTML of the page's section ``id="key"``."""
    found = re.search(rf'<section id="{key}"[^>]*>(.*?)</section>', html, re.S)
    assert found is not None, f"no section {key}"
    return found.group(1)


def facts(html: str) -> dict[str, str]:
    """The page's key facts: name -> what it says, in words."""
    block = re.search(r'<dl class="facts" id="facts">(.*?)</dl>', html, re.S)
    assert block is not None
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", block.group(1), re.S)
    return {readable(name).strip(): readable(value).strip() for name, value in pairs}


def test_a_course_page_reads_like_a_catalogue_entry(server: str) -> None:
    response = get(server, MARKETS, **BROWSER)
    assert response.status_code == 200, describe(response)
    html = response.text
    assert h1(response) == "Smart-city markets for technology companies"
    assert '<article class="member"' in html
    said = facts(html)
    assert said["Provider"] == "Cluster GAIA" and 'href="/organisation/cluster-gaia"' in html
    assert said["Level"] == "EQF level 5"
    assert said["Workload"] == "50 hours"  # P2DT2H
    assert said["Credits"] == "2 ECTS"
    assert said["Languages of instruction"] == "Spanish English"  # the main language first
    assert said["Mode"] == "Blended" and said["Schedule"] == "Part time light"
    assert said["Target groups"] == "smart-city engineers"
    learn = section(html, "learn")
    assert "Build a business case for an urban technology solution" in learn
    assert 'href="/skills/a4bbd0d9-a6be-4472-b05d-291e60cf6b4b"' in learn and "develop business case" in learn
    assert "For technology companies entering smart-city markets" in html  # the summary
    assert 'href="/api/courses/smart-city-markets-for-technology-companies/europass"' in html
    assert 'href="/course/' in section(html, "related")
    assert "Illustrative sample record." in readable(html)


def test_a_course_page_reads_in_spanish_with_marked_fallbacks(server: str) -> None:
    response = get(server, MARKETS + "?lang=es", **BROWSER)
    html = response.text
    assert h1(response) == "Mercados de ciudad inteligente para empresas tecnológicas"
    assert '<html lang="es">' in html
    said = facts(html)
    assert said["Proveedor"] == "Cluster GAIA"
    assert said["Nivel"] == "Nivel EQF 5"
    assert said["Carga de trabajo"] == "50 horas"
    assert said["Créditos"] == "2 ECTS"
    assert said["Idiomas de enseñanza"] == "español inglés"
    assert said["Modalidad"] == "Blended (en inglés)"  # the code list names it in English only
    assert '<span lang="en">Blended</span> <small class="fallback">(en inglés)</small>' in html
    assert "Lo que aprenderás" in section(html, "learn")
    assert re.search(r'<p class="summary" id="summary" lang="en">For technology companies.*?\(en inglés\)', html, re.S)
    assert "Registro de ejemplo ilustrativo." in html


def test_a_course_leading_to_a_micro_credential_says_what_it_certifies(server: str) -> None:
    html = get(server, IOT, **BROWSER).text
    credential = section(html, "credential")
    assert 'href="/credential/iot-for-smart-cities"' in credential
    words = readable(credential)
    assert "Awarded by National College of Ireland" in words
    assert "Prototype project with a technical report" in words
    assert "Stacks into SMARCO Certificate in Smart City Engineering" in words
    assert 'href="/pathway/smart-city-systems-engineer"' in section(html, "pathways")


ISO_DURATION = re.compile(r"\bP(?:\d+[YMWD])*(?:T\d+[HMS])+\b|\bP\d+[YMWD]\b")


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_people_never_read_iris_durations_or_rdf_terms(server: str, kind: str) -> None:
    for lang in ("en", "es"):
        response = get(server, f"{PAGES[kind]}?lang={lang}", **BROWSER)
        assert response.status_code == 200, describe(response)
        text = readable(response.text)
        for unwanted in ("http://", "https://", "rdf:type", "isSampleData", "blank node", "elm:", "dct:", "skos:"):
            assert unwanted not in text, (kind, lang, unwanted)
        assert not ISO_DURATION.search(text), (kind, lang, ISO_DURATION.search(text))
        assert not re.search(r"\btrue\b", text), (kind, lang)


@pytest.mark.parametrize("collection", ["courses", "credentials", "pathways", "practices", "partners", "skills"])
def test_people_never_read_iris_or_rdf_terms_on_a_list_and_its_filters(server: str, collection: str) -> None:
    for lang in ("en", "es"):
        response = get(server, f"/{collection}?lang={lang}", **BROWSER)
        assert response.status_code == 200, describe(response)
        text = readable(response.text)
        for unwanted in ("http://", "https://", " IRI", "elm:", "dct:", "skos:", "esco:"):
            assert unwanted not in text, (collection, lang, unwanted)
        assert not ISO_DURATION.search(text), (collection, lang)


def test_the_data_view_is_one_click_away_and_machines_still_get_rdf(server: str) -> None:
    html = get(server, MARKETS + "?lang=es", **BROWSER).text
    link = re.search(r'<a href="([^"]+)" id="data-view">', html)
    assert link is not None
    data = get(server, MARKETS + link.group(1).replace("&amp;", "&"), **BROWSER)
    assert data.status_code == 200, describe(data)
    assert '<dt title="http://data.europa.eu/snb/model/elm/volumeOfLearning">elm:volumeOfLearning</dt>' in data.text
    assert "Vista de datos" in data.text and 'id="page-view"' in data.text  # and back to the page
    assert h1(data) == "Mercados de ciudad inteligente para empresas tecnológicas"
    turtle = get(server, MARKETS, Accept="text/turtle")
    assert turtle.headers["content-type"].startswith("text/turtle")
    html_problem(get(server, MARKETS + "?view=table", **BROWSER), 422)


def test_the_schema_org_markup_stays_in_the_page_and_the_data_view(server: str) -> None:
    for path in (MARKETS, MARKETS + "?view=data"):
        blocks = re.findall(
            r'<script type="application/ld\+json">(.*?)</script>', get(server, path, **BROWSER).text, re.S
        )
        assert len(blocks) == 1, path
        assert json.loads(blocks[0])["name"] == "Smart-city markets for technology companies"


def test_a_credential_page_shows_what_it_certifies_and_what_leads_to_it(server: str) -> None:
    html = get(server, PAGES["credential"], **BROWSER).text
    said = facts(html)
    assert said["Level"] == "EQF level 6" and said["Workload"] == "125 hours" and said["Credits"] == "5 ECTS"
    assert said["Awarded by"] == "National College of Ireland"
    assert said["Assessment"].startswith("Prototype project with a technical report")
    assert said["Quality assurance"].startswith("Programme quality assurance by Quality and Qualifications Ireland")
    assert said["Stacks into"] == "SMARCO Certificate in Smart City Engineering"
    assert "Select sensors and connectivity" in section(html, "certifies")
    assert f'href="{IOT}"' in section(html, "courses")
    assert ">Micro-credential<" in html


def test_a_pathway_page_lists_its_courses_in_order_with_the_total_workload(server: str) -> None:
    html = get(server, PAGES["pathway"], **BROWSER).text
    steps = section(html, "steps")
    assert '<ol class="items">' in steps
    order = re.findall(r'href="(/course/[a-z0-9-]+)"', steps)
    assert order == [
        "/course/iot-device-installation-and-maintenance",
        IOT,
        "/course/urban-data-analytics",
        "/course/urban-sensor-networks",
        "/course/cybersecurity-for-smart-city-infrastructure",
    ]
    assert "In all: 575 hours and 20\u00a0ECTS." in steps  # a number and its unit never split
    assert "EQF level 6 · 125 hours · 5\u00a0ECTS" in steps
    assert facts(html)["Leads to"] == "SMARCO Certificate in Smart City Engineering"


def test_a_partner_page_gives_its_country_role_and_courses(server: str) -> None:
    html = get(server, PAGES["organisation"], **BROWSER).text
    said = facts(html)
    assert said["Country"] == "Italy" and said["Role in SMARCO"] == "partner"
    assert said["Website"] == "cefriel.com"
    assert f'href="{COURSE}"' in section(html, "courses")


def test_a_practice_page_gives_who_where_and_the_skills_it_builds(server: str) -> None:
    html = get(server, PAGES["practice"], **BROWSER).text
    said = facts(html)
    assert said["Contributed by"] == "European DIGITAL SME Alliance" and said["Where"] == "Belgium"
    assert "draft tender documentation" in section(html, "skills")


def test_a_skill_page_gives_its_description_hierarchy_courses_and_occupations(server: str) -> None:
    html = get(server, f"/skills/{SKILL}", **BROWSER).text
    assert h1(get(server, f"/skills/{SKILL}", **BROWSER)) == "design cloud architecture"
    assert re.search(r'<p class="summary" id="summary"[^>]*>\w', html)
    assert 'href="/skills/' in section(html, "broader")
    assert f'href="{COURSE}"' in section(html, "courses")
    assert 'href="/occupations/' in section(html, "occupations")
    assert f'href="http://data.europa.eu/esco/skill/{SKILL}"' in html  # the official page, one link away


def test_an_occupation_page_links_to_its_skill_gap(server: str) -> None:
    html = get(server, PAGES["occupation"], **BROWSER).text
    assert f'<a class="button" href="/occupations/{OCCUPATION}/gap">See the skill gap for this occupation</a>' in html
    assert "manage relationships with stakeholders" in section(html, "essential")
    assert 'href="/skills/' in section(html, "optional")
    assert 'href="/course/' in section(html, "courses")
    assert facts(html)["Code"] == "2164.2"


def titles_in(html: str) -> list[str]:
    return [readable(t).strip() for t in re.findall(r'<th scope="row">(.*?)</th>', html, re.S)]


def test_the_course_list_has_its_columns_and_is_sorted_by_title(server: str) -> None:
    html = get(server, "/courses?limit=100", **BROWSER).text
    heads = [readable(h).strip() for h in re.findall(r'<th scope="col">(.*?)</th>', html)]
    assert heads == ["Title", "Provider", "Level", "Credits", "Languages of instruction", "Mode"]
    titles = titles_in(html)
    assert len(titles) == 36 and titles == sorted(titles, key=str.casefold)
    row = re.search(r'<tr><th scope="row"><a href="/course/iot-for-smart-cities".*?</tr>', html, re.S)
    assert row is not None
    assert readable(row.group(0)).split() == [
        "IoT",
        "systems",
        "for",
        "smart",
        "cities",
        "National",
        "College",
        "of",
        "Ireland",
        "EQF",
        "level",
        "6",
        "5",
        "ECTS",
        "English",
        "Online",
    ]
    api = httpx.get(f"{server}/api/courses", params={"limit": 100}, timeout=60.0).json()
    assert [item["label"] for item in api["items"]] == titles  # the API lists in the same order


def test_the_course_list_sorts_by_the_titles_in_the_language_asked(server: str) -> None:
    html = get(server, "/courses?limit=100&lang=es", **BROWSER).text
    heads = [readable(h).strip() for h in re.findall(r'<th scope="col">(.*?)</th>', html)]
    assert heads[:3] == ["Título", "Proveedor", "Nivel"]
    assert '<label for="f-eqf">Nivel EQF</label>' in html  # the filter form in the visitor's language too
    titles = titles_in(html)
    spanish = next(t for t in titles if t.startswith("Mercados de ciudad inteligente"))
    assert spanish.endswith("(en inglés)") is False
    plain = [t.removesuffix(" (en inglés)") for t in titles]
    folded = [unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode().casefold() for t in plain]
    assert folded == sorted(folded)
    assert "Instalación y mantenimiento de dispositivos IoT" in plain  # Spanish where the course has it
    assert "IoT systems for smart cities (en inglés)" in titles  # else English, marked


def test_an_error_page_is_friendly_and_translated(server: str) -> None:
    response = get(server, "/course/no-such-course?lang=es", **BROWSER)
    assert response.status_code == 404
    assert h1(response) == "No hemos encontrado esa página"
    assert "Volver a la página de inicio" in response.text and "Error 404" in response.text
