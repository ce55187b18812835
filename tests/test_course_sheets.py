"""Course spreadsheets over HTTP and the CLI, against a live server over a private copy of the demo store: the
template (columns, notes, drop-downs, example row), imports (all or nothing, dry runs, updates guarded by the
version), exports that import back unchanged, CSV as Excel writes it in Europe."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from smarco_kg.catalogue.course_import import layout_of
from smarco_kg.catalogue.course_rows import Rows
from smarco_kg.catalogue.sheet_cells import Lists
from smarco_kg.catalogue.sheets import Sheet
from smarco_kg.config import Settings
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.skill_suggestions import suggest
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem
from tests.test_cli import run

BASE = "https://w3id.org/smarco/"
PARTNER = "cefriel"
SKILL = "http://data.europa.eu/esco/skill/11430d93-c835-48ed-8e70-285fa69c9ae6"  # design cloud architecture
SHEETS = ("courses", "outcomes")


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("sheets"), partner=PARTNER) as server:
        yield server


def template(api: LiveServer, kind: str = "xlsx") -> bytes:
    response = api.client.get(f"{api.url}/api/courses/template.{kind}")
    assert response.status_code == 200, describe(response)
    return response.content


def course_row(title: str, **cells: object) -> dict[str, object]:
    """A good course in the template's plain values: labels from its drop-downs, numbers, words."""
    row: dict[str, object] = {
        "title@en": title,
        "description@en": f"What {title} teaches.",
        "providedBy": "Cefriel",
        "defaultLanguage": "English",
        "aim": "resilient and sustainable smart communities",
        "learningSchedule": "Part time light",
        "eqfLevel": "Level 5",
        "creditPoint.framework": "European Credit Transfer System",
        "creditPoint.point": 3,
        "language": "English",
        "mode": "Online",
        "volumeOfLearning": "40 hours",
    }
    row.update(cells)
    return row


def workbook(courses: list[dict[str, object]], outcomes: list[dict[str, object]], headers: list[str]) -> bytes:
    """An .xlsx with the template's course headers and the outcome sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "courses"
    sheet.append(headers)
    for row in courses:
        sheet.append([row.get(h) for h in headers])
    outcome_headers = ["course", "id", "relatedESCOSkill", "title@en"]
    other = book.create_sheet("outcomes")
    other.append(outcome_headers)
    for row in outcomes:
        other.append([row.get(h) for h in outcome_headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def headers(api: LiveServer) -> list[str]:
    book = load_workbook(io.BytesIO(template(api)))
    return [str(c.value) for c in book["courses"][1]]


def outcome(course: str, text: str, skill: str = SKILL) -> dict[str, object]:
    return {"course": course, "title@en": text, "relatedESCOSkill": skill}


def upload(
    api: LiveServer, data: bytes, name: str = "courses.xlsx", dry_run: bool = False, token: str | None = None
) -> httpx.Response:
    return api.client.post(
        f"{api.url}/api/courses/import" + ("?dry_run=true" if dry_run else ""),
        files={"file": (name, data)},
        headers=api.auth(token or api.partner),
    )


def triples(api: LiveServer) -> int:
    return api.client.get(f"{api.url}/health/store").json()["triples"]


def export(api: LiveServer, kind: str = "xlsx") -> bytes:
    response = api.client.get(f"{api.url}/api/courses.{kind}", params={"provider": PARTNER})
    assert response.status_code == 200, describe(response)
    return response.content


def etag(api: LiveServer, iri: str) -> str:
    response = api.client.get(
        f"{api.url}/api/courses/{iri.rsplit('/', 1)[1]}", headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200, describe(response)
    return response.headers["ETag"]


def cefriel_courses(api: LiveServer) -> list[str]:
    rows = api.select(
        f"SELECT ?c WHERE {{ ?c a <http://data.europa.eu/snb/model/elm/LearningOpportunity> ; "
        f"<http://data.europa.eu/snb/model/elm/providedBy> <{BASE}organisation/{PARTNER}> }}"
    )
    return sorted(r["c"] for r in rows)


# -- the template -------------------------------------------------------------------------------------------------


def test_template_has_the_columns_notes_drop_downs_and_an_example_row(api: LiveServer) -> None:
    book = load_workbook(io.BytesIO(template(api)))
    assert [name for name in book.sheetnames if name in SHEETS] == list(SHEETS)
    courses = book["courses"]
    header = {str(c.value): c for c in courses[1]}
    for column in ("id", "version", "title@en", "providedBy", "eqfLevel", "mode", "creditPoint.point", "language"):
        assert column in header
    assert "needs a title" in header["title@en"].comment.text  # the shape's message
    assert header["title@en"].comment.text.startswith("Required.")
    outcomes = book["outcomes"]
    assert [c.value for c in outcomes[1]] == ["course", "id", "relatedESCOSkill", "title@en"]
    lists = book["lists"]
    assert lists.sheet_state == "hidden"
    mode_letter = header["mode"].column_letter
    validations = [v for v in courses.data_validations.dataValidation if f"{mode_letter}2" in str(v.sqref)]
    assert validations and validations[0].type == "list"
    column = validations[0].formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    listed = [c.value for c in lists[column][1:] if c.value]
    assert "Blended" in listed and "Online" in listed  # labels, never IRIs
    assert not any(str(v).startswith("http") for v in listed)
    example = {name: courses.cell(row=2, column=cell.column).value for name, cell in header.items()}
    assert example["title@en"] and example["id"] is None  # a demo course, to be copied
    assert example["mode"] in listed
    assert outcomes.cell(row=2, column=1).value == example["title@en"]


@pytest.mark.parametrize("kind", ["ods", "csv"])
def test_template_in_other_formats(api: LiveServer, kind: str) -> None:
    response = api.client.get(f"{api.url}/api/courses/template.{kind}")
    assert response.status_code == 200, describe(response)
    if kind == "csv":
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeffid;version;")
        assert "\r\ncourse;id;relatedESCOSkill;title@en\r\n" in text
    else:
        assert response.content[:2] == b"PK" and b"opendocument.spreadsheet" in response.content[:100]
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            content = archive.read("content.xml").decode("utf-8")
        assert "<table:content-validation " in content and '"Blended"' in content  # a drop-down
        assert "<office:annotation>" in content and "needs a title" in content  # a header note


# -- imports --------------------------------------------------------------------------------------------------------


def test_a_good_sheet_creates_courses_visible_in_the_api(api: LiveServer) -> None:
    titles = ["Sheet course on urban sensing", "Sheet course on city dashboards"]
    data = workbook(
        [course_row(t) for t in titles],
        [outcome(t, f"Design the cloud part of {t.lower()}") for t in titles],
        headers(api),
    )
    response = upload(api, data)
    assert response.status_code == 200, describe(response)
    report = response.json()
    assert report["written"] is True and not report["problems"]
    created = [row["course"] for row in report["rows"]]
    assert [row["action"] for row in report["rows"]] == ["create", "create"]
    for iri, title in zip(created, titles, strict=True):
        got = api.client.get(
            f"{api.url}/api/courses/{iri.rsplit('/', 1)[1]}", headers={"Accept": "application/ld+json"}
        )
        assert got.status_code == 200, describe(got)
        body = got.json()
        assert body["title"]["en"] == title
        spec = body["learningAchievementSpecification"]
        assert spec["creditPoint"][0]["point"] == "3"
        assert spec["volumeOfLearning"] == "P1DT16H"  # 40 hours, as the store writes it
        assert [skill["id"] for skill in spec["learningOutcome"][0]["relatedESCOSkill"]] == [SKILL]
    listed = api.client.get(
        f"{api.url}/api/courses", params={"provider": PARTNER}, headers={"Accept": "application/ld+json"}
    )
    assert {i["id"] for i in listed.json()["items"]} >= set(created)


def test_three_bad_rows_are_reported_by_row_column_and_value_and_nothing_is_written(api: LiveServer) -> None:
    before = triples(api)
    rows = [
        course_row("Good row beside bad ones"),
        course_row("Bad credits", **{"creditPoint.point": "three"}),
        course_row("No description", **{"description@en": None}),
        course_row("Bad sample flag", isSampleData="perhaps"),
    ]
    outcomes = [outcome(str(r["title@en"]), "Design a cloud architecture") for r in rows]
    response = upload(api, workbook(rows, outcomes, headers(api)))
    body = problem(response, 422)
    errors = body["errors"]
    found = {(e["sheet"], e["row"], e["column"]) for e in errors}
    assert ("courses", 3, "creditPoint.point") in found
    assert ("courses", 4, "description@en") in found
    assert ("courses", 5, "isSampleData") in found
    assert not any(e["row"] == 2 for e in errors)
    credits = next(e for e in errors if e["column"] == "creditPoint.point")
    assert credits["value"] == "three"
    described = next(e for e in errors if e["column"] == "description@en")
    assert "needs a description" in described["message"]  # the shape's own message
    assert triples(api) == before


def test_a_dry_run_reports_and_writes_nothing(api: LiveServer) -> None:
    before = triples(api)
    title = "Dry run course"
    data = workbook([course_row(title)], [outcome(title, "Design a cloud architecture")], headers(api))
    response = upload(api, data, dry_run=True)
    assert response.status_code == 200, describe(response)
    report = response.json()
    assert report["dryRun"] is True and report["written"] is False and not report["problems"]
    assert report["rows"][0]["action"] == "create"
    assert triples(api) == before
    bad = workbook([course_row(title, eqfLevel="Level 12")], [outcome(title, "x")], headers(api))
    checked = upload(api, bad, dry_run=True).json()
    assert checked["problems"][0]["column"] == "eqfLevel" and checked["problems"][0]["value"] == "Level 12"
    assert triples(api) == before


def test_update_by_id_needs_the_current_version(api: LiveServer) -> None:
    title = "Course to be updated"
    created = upload(api, workbook([course_row(title)], [outcome(title, "Design a cloud architecture")], headers(api)))
    iri = created.json()["rows"][0]["course"]
    local = iri.rsplit("/", 1)[1]
    version = etag(api, iri).strip('"').split("-")[0]
    columns = headers(api)
    changed = course_row(title, id=local, version=version, **{"creditPoint.point": 5})
    response = upload(api, workbook([changed], [outcome(local, "Design a cloud architecture")], columns))
    assert response.status_code == 200, describe(response)
    assert response.json()["rows"][0]["action"] == "update"
    new_tag = etag(api, iri)
    assert new_tag.strip('"').split("-")[0] != version
    stale = upload(api, workbook([course_row(title, id=local, version=version)], [outcome(local, "y")], columns))
    errors = problem(stale, 422)["errors"]
    assert errors[0]["column"] == "version" and errors[0]["value"] == version
    assert etag(api, iri) == new_tag


@pytest.mark.parametrize("kind", ["xlsx", "ods", "csv"])
def test_export_then_import_unchanged_changes_nothing(api: LiveServer, kind: str) -> None:
    courses = cefriel_courses(api)
    assert courses
    tags = {iri: etag(api, iri) for iri in courses}
    before = triples(api)
    data = export(api, kind)
    response = upload(api, data, name=f"courses.{kind}")
    assert response.status_code == 200, describe(response)
    assert {row["action"] for row in response.json()["rows"]} == {"unchanged"}
    assert {iri: etag(api, iri) for iri in courses} == tags
    assert triples(api) == before


def test_csv_with_bom_semicolons_and_decimal_commas(api: LiveServer) -> None:
    columns = headers(api)
    title = "CSV course on energy data"
    row = course_row(title, **{"creditPoint.point": "1,5"})
    lines = [";".join(columns), ";".join(str(row.get(h) or "") for h in columns), ""]
    lines += ["course;id;relatedESCOSkill;title@en", f"{title};;{SKILL};Design a cloud architecture for energy data"]
    data = ("\ufeff" + "\r\n".join(lines)).encode("utf-8")
    response = upload(api, data, name="courses.csv")
    assert response.status_code == 200, describe(response)
    iri = response.json()["rows"][0]["course"]
    got = api.client.get(f"{api.url}/api/courses/{iri.rsplit('/', 1)[1]}", headers={"Accept": "application/ld+json"})
    assert got.json()["learningAchievementSpecification"]["creditPoint"][0]["point"] == "1.5"
    with_commas = io.StringIO()  # commas, no BOM, no outcomes; quoted where a cell holds a comma, as Excel does
    csv.writer(with_commas).writerows([columns, [str(row.get(h) or "") for h in columns]])
    plain = with_commas.getvalue().encode("utf-8")
    checked = upload(api, plain, name="courses.csv", dry_run=True).json()
    assert checked["rows"] and checked["problems"]  # read (with commas) and refused for want of an outcome
    assert any("outcome" in (p.get("message") or "") for p in checked["problems"]), checked["problems"]


def test_bad_files_are_problem_documents(api: LiveServer) -> None:
    not_a_sheet = upload(api, b"PK\x03\x04 not really a zip", name="courses.xlsx")
    assert problem(not_a_sheet, 400)["title"] == "the file is not a spreadsheet"
    columns = headers(api)
    wrong = workbook([{"title@en": "x"}], [], [*columns, "ects", "price"])
    body = problem(upload(api, wrong), 422)
    assert body["errors"][0]["unknown"] == ["ects", "price"]
    assert problem(upload(api, template(api), token=api.admin), 403)
    no_token = api.client.post(f"{api.url}/api/courses/import", files={"file": ("c.xlsx", template(api))})
    assert no_token.status_code == 401


def test_the_upload_size_is_limited(api: LiveServer) -> None:
    response = upload(api, b"x" * ((8 << 20) + 1), name="courses.csv")
    assert response.status_code == 413


# -- the command line ---------------------------------------------------------------------------------------------


def test_cli_import_dry_run_and_a_bad_file(api: LiveServer, demo_settings: Settings, tmp_path: Path) -> None:
    """The CLI works on a store, as ``load`` does (here a private copy of the demo store, no server on it)."""
    good = tmp_path / "courses.xlsx"
    title = "CLI course"
    good.write_bytes(workbook([course_row(title)], [outcome(title, "Design a cloud architecture")], headers(api)))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([course_row(title, eqfLevel="Level 12")], [outcome(title, "x")], headers(api)))
    broken = tmp_path / "broken.ods"
    broken.write_bytes(b"PK\x03\x04 this is no spreadsheet")
    before = run("dump", store=demo_settings, check=True).stdout
    checked = run("import", "courses", good, "--partner", PARTNER, "--dry-run", store=demo_settings)
    assert checked.returncode == 0, checked.stderr
    assert "courses row 2: create" in checked.stdout and "dry run" in checked.stdout
    refused = run("import", "courses", bad, "--partner", PARTNER, store=demo_settings)
    assert refused.returncode == 1
    assert "courses row 2 column eqfLevel ('Level 12')" in refused.stderr
    unreadable = run("import", "courses", broken, "--partner", PARTNER, store=demo_settings)
    assert unreadable.returncode == 2 and "broken.ods" in unreadable.stderr
    stranger = run("import", "courses", good, "--partner", "no-such-partner", store=demo_settings)
    assert stranger.returncode == 2 and "no partner of the catalogue" in stranger.stderr
    assert run("dump", store=demo_settings, check=True).stdout == before
    imported = run("import", "courses", good, "--partner", PARTNER, store=demo_settings)
    assert imported.returncode == 0, imported.stderr
    assert "1 course row(s) imported" in imported.stdout
    assert title in run("dump", store=demo_settings, check=True).stdout


def test_plain_values_typed_by_hand(api: LiveServer) -> None:
    title = "Plain values course"
    row = course_row(title, defaultLanguage="es", mode="blended", eqfLevel=4, language="Spanish", providedBy=None)
    data = workbook(
        [row], [outcome(title, "Design cloud architecture", skill="design cloud architecture")], headers(api)
    )
    response = upload(api, data, dry_run=True)
    assert response.status_code == 200 and not response.json()["problems"], describe(response)


def test_outcomes_without_skills_get_suggestions(demo_kg: KnowledgeGraph) -> None:
    text = "Design a cloud architecture for a municipal e-service"
    found = suggest(demo_kg.skills, text)
    assert SKILL in [s.skill for s in found]
    assert all(s.matched and s.matched in text for s in found)


def test_json_pointers_of_a_row_document_lead_back_to_their_cells(demo_kg: KnowledgeGraph) -> None:
    """What maps the resolver's problems (JSON pointers) to sheet, row and column."""
    layout = layout_of(demo_kg)
    lists = Lists(layout, demo_kg.store, demo_kg.settings.base_iri)
    row = course_row("Pointer course", mode="Online; blended")
    courses = Sheet("courses", list(row), [list(row.values())], row_numbers=[7])
    outcomes = Sheet(
        "outcomes",
        ["course", "title@en", "relatedESCOSkill"],
        [["Pointer course", "First", SKILL], ["Pointer course", "Second", f"{SKILL}; design cloud architecture"]],
        row_numbers=[3, 4],
    )
    reader = Rows(layout, lists, demo_kg.settings.base_iri)
    [found] = reader.documents(courses, outcomes, layout.entry)
    assert not reader.problems
    spec = found.document["learningAchievementSpecification"]
    assert spec["mode"] == ["http://data.europa.eu/snb/learning-assessment/920fbb3cbe", "blended"]  # a label, as typed
    assert spec["creditPoint"] == {"type": "CreditPoint", "framework": spec["creditPoint"]["framework"], "point": "3"}
    assert found.locate("/learningAchievementSpecification/mode/1") == ("courses", 7, "mode", "Online; blended")
    assert found.locate("/defaultLanguage") == ("courses", 7, "defaultLanguage", "English")
    assert found.locate("/learningAchievementSpecification/creditPoint/point")[2] == "creditPoint.point"
    assert found.locate("/learningAchievementSpecification/learningOutcome/1/relatedESCOSkill/1") == (
        "outcomes",
        4,
        "relatedESCOSkill",
        f"{SKILL}; design cloud architecture",
    )
    assert found.locate("/providedBy") == ("courses", 7, "providedBy", "Cefriel")
    assert found.locate("/nothing/here")[:3] == ("courses", 7, "")
