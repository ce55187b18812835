"""``/publish`` over HTTP against a live server: the session cookie's flags, CSRF on every form, a wrong or revoked
token, sign-out that ends the session on the server, a save through the shapes and an ETag conflict explained."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH

from smarco_kg.auth import TokenStore
from smarco_kg.catalogue.classes import COURSES
from smarco_kg.catalogue.vocabulary import shapes_graph, vocabulary_from_shapes
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.sessions import Sessions
from smarco_kg.web import course_form
from smarco_kg.web.words import day, duration_hours
from tests.backends import Template
from tests.server import LiveServer, live_server

PARTNER = "cefriel"
ENG = "http://publications.europa.eu/resource/authority/language/ENG"
EQF5 = "http://data.europa.eu/snb/eqf/5"
AIM = "https://w3id.org/smarco/ontology#resilientCommunities"
BUSINESS_CASE = "http://data.europa.eu/esco/skill/a4bbd0d9-a6be-4472-b05d-291e60cf6b4b"
SPEC = "learningAchievementSpecification"
ROW = f"{SPEC}.learningOutcome.0"


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("publish"), partner=PARTNER) as server:
        yield server


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def hidden(page: httpx.Response, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert found, page.text[:500]
    return html.unescape(found.group(1))


def signed_in(api: LiveServer, token: str | None = None) -> tuple[httpx.Client, str]:
    """A client with a session; the CSRF token of its forms."""
    client = httpx.Client(base_url=api.url, timeout=60.0)
    form = client.get("/publish")
    answer = client.post("/publish/sign-in", data={"token": token or api.partner, "csrf": csrf(form)})
    assert answer.status_code == 303, answer.text[:300]
    courses = client.get("/publish")
    assert courses.status_code == 200 and 'id="publish-courses"' in courses.text
    return client, csrf(courses)


def course(**changes: str) -> dict[str, str]:
    fields = {
        "title": "Smart street lighting",
        "description": "Planning and running networked street lights.",
        "defaultLanguage": ENG,
        "aim": AIM,
        f"{SPEC}.eqfLevel": EQF5,
        f"{SPEC}.language": ENG,
        f"{SPEC}.volumeOfLearning": "40",
        f"{ROW}.id": "",
        f"{ROW}.text": "Develop a business case for a lighting network",
        f"{ROW}.skill": BUSINESS_CASE,
        "action": "save",
    }
    fields.update(changes)
    return fields


def test_the_session_cookie_is_http_only_strict_scoped_to_publish_and_bounded(api: LiveServer) -> None:
    client = httpx.Client(base_url=api.url, timeout=60.0)
    form = client.get("/publish")
    answer = client.post("/publish/sign-in", data={"token": api.partner, "csrf": csrf(form)})
    assert answer.status_code == 303 and answer.headers["location"] == "/publish"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("smarco_publish="))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/publish" in flags
    assert "secure" not in flags  # served over http here; over https the cookie is Secure
    age = int(next(f for f in flags if f.startswith("max-age=")).split("=")[1])
    assert 0 < age <= 24 * 3600
    assert api.partner not in cookie  # the cookie is a random id, never the token


def test_a_wrong_token_is_refused_and_gets_no_session(api: LiveServer) -> None:
    client = httpx.Client(base_url=api.url, timeout=60.0)
    form = client.get("/publish")
    answer = client.post("/publish/sign-in", data={"token": "smarco_not-a-token", "csrf": csrf(form)})
    assert answer.status_code == 401
    assert "unknown or was revoked" in answer.text
    assert not any(c.startswith("smarco_publish=") for c in answer.headers.get_list("set-cookie"))


def test_forms_without_their_csrf_token_are_refused_and_change_nothing(api: LiveServer) -> None:
    client = httpx.Client(base_url=api.url, timeout=60.0)
    client.get("/publish")
    assert client.post("/publish/sign-in", data={"token": api.partner}).status_code == 403
    session, _ = signed_in(api)
    before = api.client.get(f"{api.url}/health/store").json()["triples"]
    refused = session.post("/publish/courses/new", data=course(title="No CSRF course"))
    assert refused.status_code == 403
    assert session.post("/publish/courses/new", data={**course(), "csrf": "forged"}).status_code == 403
    assert api.client.get(f"{api.url}/health/store").json()["triples"] == before
    assert session.post("/publish/sign-out", data={}).status_code == 403  # signing out needs it too
    assert session.get("/publish").status_code == 200 and 'id="publish-courses"' in session.get("/publish").text


def test_signing_out_ends_the_session_on_the_server(api: LiveServer) -> None:
    session, token = signed_in(api)
    cookie = session.cookies.get("smarco_publish")
    assert session.post("/publish/sign-out", data={"csrf": token}).status_code == 303
    replay = httpx.Client(base_url=api.url, timeout=60.0)
    replay.cookies.set("smarco_publish", cookie or "", path="/publish")
    page = replay.get("/publish")
    assert 'id="publish-token"' in page.text and 'id="publish-courses"' not in page.text


def test_revoking_the_token_ends_its_sessions(api: LiveServer) -> None:
    secret, record = api.tokens.create(partner=PARTNER, label="revoked in a test")
    session, _ = signed_in(api, secret)
    api.tokens.revoke(record.id)
    page = session.get("/publish")
    assert 'id="publish-token"' in page.text and 'id="publish-courses"' not in page.text


def test_a_violation_is_shown_next_to_its_field_then_the_fixed_course_is_saved(api: LiveServer) -> None:
    session, token = signed_in(api)
    wrong = session.post("/publish/courses/new", data={**course(**{f"{SPEC}.eqfLevel": ""}), "csrf": token})
    assert wrong.status_code == 422
    field = re.search(r'<select id="f-learningAchievementSpecification-eqfLevel"[^>]*>', wrong.text)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert "f-learningAchievementSpecification-eqfLevel-msg" in field.group(0)
    assert 'id="f-learningAchievementSpecification-eqfLevel-msg"' in wrong.text
    assert 'href="#f-learningAchievementSpecification-eqfLevel"' in wrong.text  # the summary links the field
    assert "EQF level" in wrong.text.split('id="f-learningAchievementSpecification-eqfLevel-msg"')[1][:400]
    saved = session.post("/publish/courses/new", data={**course(), "csrf": token})
    assert saved.status_code == 303, saved.text[:500]
    local = saved.headers["location"].split("/publish/courses/")[1].split("?")[0]
    assert local.startswith("smart-street-lighting-")
    public = api.client.get(f"{api.url}/api/courses/{local}", headers={"Accept": "application/ld+json"}).json()
    assert [p["id"].rsplit("/", 1)[1] for p in public["providedBy"]] == ["cefriel"]  # the partner's own organisation
    outcome = public[SPEC]["learningOutcome"][0]
    assert [s["id"] for s in outcome["relatedESCOSkill"]] == [BUSINESS_CASE]
    assert duration_hours(public[SPEC]["volumeOfLearning"]) == 40  # the store may write it P1DT16H
    listed = session.get("/publish").text
    assert "Smart street lighting" in listed and "EQF level 5" in listed
    assert day(datetime.now(UTC)) in listed  # its last change, in words


def test_a_save_over_a_newer_version_is_explained_not_applied(api: LiveServer) -> None:
    session, token = signed_in(api)
    created = session.post("/publish/courses/new", data={**course(title="Lighting twice"), "csrf": token})
    local = created.headers["location"].split("/publish/courses/")[1].split("?")[0]
    first = session.get(f"/publish/courses/{local}")
    second = session.get(f"/publish/courses/{local}")
    etag = hidden(first, "etag")
    assert etag.endswith('-jsonld"') and etag == hidden(second, "etag")  # two tabs, one version
    one = session.post(
        f"/publish/courses/{local}", data={**course(title="Lighting, first tab"), "etag": etag, "csrf": token}
    )
    assert one.status_code == 303, one.text[:300]
    two = session.post(
        f"/publish/courses/{local}", data={**course(title="Lighting, second tab"), "etag": etag, "csrf": token}
    )
    assert two.status_code == 409
    assert "Someone else changed this course" in two.text and "Lighting, second tab" in two.text
    public = api.client.get(f"{api.url}/api/courses/{local}", headers={"Accept": "application/ld+json"}).json()
    assert public["title"]["en"] == "Lighting, first tab"


def test_a_course_that_does_not_exist_is_a_404_page(api: LiveServer) -> None:
    session, _ = signed_in(api)
    missing = session.get("/publish/courses/no-such-course", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no-such-course" in missing.text


def test_suggestions_need_a_session_and_name_skills_from_the_text(api: LiveServer) -> None:
    anonymous = httpx.get(f"{api.url}/publish/suggestions", params={"text": "develop a business case"})
    assert anonymous.status_code == 401
    session, _ = signed_in(api)
    found = session.get("/publish/suggestions", params={"text": "Develop a business case and manage budgets"}).json()
    assert BUSINESS_CASE in [item["id"] for item in found["items"]]


def test_editing_in_another_language_keeps_the_texts_of_the_others(api: LiveServer) -> None:
    session, token = signed_in(api)
    page = session.get("/publish/courses/digital-twins-for-cities?lang=it")
    assert 'value="Gemelli digitali per le città"' in page.text  # the Italian title, in the Italian form
    description = re.search(r'<textarea id="f-description"[^>]*>([^<]*)</textarea>', page.text)
    assert description and description.group(1) == ""  # English only: not offered as the Italian text
    assert "Per ora solo in" in page.text and "Shows how 3D city models" in page.text  # but shown beside it
    form: dict[str, str | list[str]] = {
        name: values[0] if len(values) == 1 else values for name, values in parse_qs_form(page.text).items()
    }
    form.update({"description": "Modelli urbani 3D e dati dei sensori in un gemello digitale.", "action": "save"})
    saved = session.post("/publish/courses/digital-twins-for-cities?lang=it", data={**form, "csrf": token})
    assert saved.status_code == 303, saved.text[:800]
    public = api.client.get(
        f"{api.url}/api/courses/digital-twins-for-cities", headers={"Accept": "application/ld+json"}
    )
    body = public.json()
    assert body["description"]["it"].startswith("Modelli urbani 3D")
    assert body["description"]["en"].startswith("Shows how 3D city models")  # kept
    outcomes = body[SPEC]["learningOutcome"]
    assert {o["title"]["en"] for o in outcomes} == {
        "Combine building information models and sensor data in a city digital twin",
        "Simulate an urban scenario in a digital twin and interpret the results",
    }  # the English outcomes kept, though the Italian form showed them empty


def parse_qs_form(text: str) -> dict[str, list[str]]:
    """What a browser would submit from the page's course form: inputs with values, checked boxes, selections."""
    fields: dict[str, list[str]] = {}
    form = text.split('class="publish course-form"', 1)[1]
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) == "checkbox" and " checked" not in tag):
            continue
        fields.setdefault(name.group(1), []).append(html.unescape(value.group(1)) if value else "")
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, flags=re.S):
        fields[name] = [html.unescape(v) for v in re.findall(r'<option value="([^"]*)" selected>', body)]
    for name, body in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        fields[name] = [html.unescape(body)]
    return fields


def test_the_form_follows_the_shapes(base_kg: KnowledgeGraph) -> None:
    """A property added to the course shape is a field of the form at once: no list of fields is kept by hand."""
    shapes = Graph()
    for triple in shapes_graph(base_kg.settings.shapes_dir):
        shapes.add(triple)
    before = course_form.build(shapes, vocabulary_from_shapes(shapes), COURSES, base_kg.store, "en")
    names = {f.name for f in before.fields}
    assert {"title", "description", f"{SPEC}.eqfLevel", f"{SPEC}.creditPoint.point", "learningSchedule"} <= names
    assert "providedBy" not in names  # the signed-in partner's own organisation
    assert [o.label for o in next(f for f in before.fields if f.name == f"{SPEC}.eqfLevel").options][:2] == [
        "Level 1",
        "Level 2",
    ]
    added = BNode()
    shapes.add((Namespace("https://w3id.org/smarco/shapes#")["Course"], SH.property, added))
    shapes.add((added, SH.path, DCTERMS.available))
    shapes.add((added, SH.datatype, URIRef("http://www.w3.org/2001/XMLSchema#date")))
    shapes.add((added, SH.maxCount, Literal(1)))
    after = course_form.build(shapes, vocabulary_from_shapes(shapes), COURSES, base_kg.store, "en")
    new = [f for f in after.fields if f.name not in names]
    assert [(f.name, f.widget, f.required) for f in new] == [("available", "text", False)]


def test_sessions_end_at_their_lifetime_when_idle_and_when_the_tokens_file_breaks(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.json")
    secret, _ = tokens.create(partner=PARTNER)
    sessions = Sessions(tokens, lifetime=2.0, idle=0.8)  # margins of 0.2 s or more for a busy machine
    assert sessions.start("smarco_wrong") is None
    kept = sessions.start(secret)
    assert kept is not None and kept.partner == PARTNER and secret not in vars(kept).values()
    for _ in range(4):  # used often enough, it lives up to its lifetime, not longer
        time.sleep(0.4)
        assert sessions.get(kept.id) is kept
    time.sleep(0.6)
    assert sessions.get(kept.id) is None
    idle = sessions.start(secret)
    assert idle is not None
    time.sleep(1.0)
    assert sessions.get(idle.id) is None
    broken = Sessions(tokens).start(secret)
    assert broken is not None
    tokens.path.write_text("{not json", encoding="utf-8")
    assert Sessions(tokens).start(secret) is None  # fail closed
    assert sessions.get(broken.id) is None


def test_csrf_tokens_are_compared_whole_and_the_sign_in_pair_is_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = Sessions(TokenStore(Path("/nonexistent/tokens.json")))
    nonce, token = sessions.sign_in_pair()
    assert sessions.sign_in_ok(nonce, token)
    assert not sessions.sign_in_ok(nonce, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert not sessions.sign_in_ok(nonce + "x", token)
    assert not sessions.sign_in_ok(None, token) and not sessions.sign_in_ok(nonce, "")
    other, _ = Sessions(TokenStore(Path("/nonexistent/tokens.json"))).sign_in_pair()
    assert not sessions.sign_in_ok(other, token)  # another process's key signs nothing here
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - 3600)
    stale = sessions.sign_in_pair()  # a form shown an hour ago
    monkeypatch.undo()
    assert not sessions.sign_in_ok(*stale)
