"""Every error is a problem document with the same members, raised from one tree and mapped in one place; a client's
mistake is never a 500 (deeply nested JSON bodies included)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smarco_kg.errors import PROBLEM_TYPES, BadParameter, NotFound, SmarcoError, error_for
from smarco_kg.jsontext import MAX_DEPTH
from tests.backends import Template
from tests.server import LiveServer, live_server, problem

PARTNER = "cefriel"


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("problems"), partner=PARTNER) as server:
        yield server


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize(
    ("path", "token"),
    [
        ("/api/courses", "partner"),
        ("/api/pathways/plan", "partner"),
        ("/api/credentials/verify", None),
        ("/api/credentials/energy-demand-forecasting/issue", "admin"),
        ("/api/credentials/energy-demand-forecasting/openbadge", "admin"),
    ],
)
def test_a_body_nested_a_thousand_levels_deep_is_a_400(api: LiveServer, path: str, token: str | None) -> None:
    headers = {"Content-Type": "application/json", **(api.auth(getattr(api, token)) if token else {})}
    body = problem(api.client.post(f"{api.url}{path}", content=nested(1000), headers=headers), 400)
    assert "nested" in body["title"]


def test_a_body_nested_just_past_the_limit_is_refused_and_one_within_it_is_read(api: LiveServer) -> None:
    headers = {"Content-Type": "application/json"}
    problem(api.client.post(f"{api.url}/api/credentials/verify", content=nested(MAX_DEPTH + 1), headers=headers), 400)
    within = api.client.post(f"{api.url}/api/credentials/verify", content=nested(MAX_DEPTH - 1), headers=headers)
    assert within.status_code == 200 and within.json()["verified"] is False


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/courses/NO_SUCH", 404),
        ("GET", "/api/courses?eqf=9", 422),
        ("GET", "/api/courses?limit=0", 422),
        ("GET", "/api/courses?format=docx", 406),
        ("POST", "/api/courses", 401),
        ("DELETE", "/api/courses/x", 401),
        ("PATCH", "/api/courses", 405),
        ("GET", "/no/such/page", 404),
        ("GET", "/api/search?text=", 422),
        ("GET", "/api/occupations/00000000-0000-0000-0000-000000000000/gap", 404),
        ("GET", "/dumps/nothing.gz", 404),
    ],
)
def test_every_error_has_the_same_problem_members(api: LiveServer, method: str, path: str, status: int) -> None:
    body = problem(api.client.request(method, f"{api.url}{path}"), status)
    assert set(body) >= {"type", "title", "status", "detail", "errors"}


def test_a_bad_parameter_names_itself_in_its_errors(api: LiveServer) -> None:
    body = problem(api.client.get(f"{api.url}/api/courses", params={"eqf": "nine"}), 422)
    assert body["type"] == PROBLEM_TYPES + "bad-parameter"
    (error,) = body["errors"]
    assert (error["parameter"], error["value"]) == ("eqf", "nine")
    assert error["message"].startswith("no EQF level has this name, code or IRI")
    assert [k["code"] for k in error["known"]] == [str(level) for level in range(1, 9)]  # what it could have been


def test_error_classes_carry_their_status_and_type() -> None:
    assert BadParameter("x", "1", "no").problem()["status"] == 422
    assert NotFound("gone").problem() == {
        "type": PROBLEM_TYPES + "not-found",
        "title": "not found",
        "status": 404,
        "detail": "gone",
        "errors": [],
    }
    assert error_for(405, "Method Not Allowed").status == 405
    assert all(issubclass(type(error_for(s, "t")), SmarcoError) for s in (400, 404, 418, 429, 503))
