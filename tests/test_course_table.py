"""The course table's counts and ranking against the plain computation they replace, on random data with many ties."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter

import numpy as np
import pytest

from smarco_kg.course_table import CourseTable

FACETS = ("skill", "eqf", "occupation")
DERIVED = {"occupation": ("skill", "occupation")}


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    rng = random.Random(7)
    db = sqlite3.connect(":memory:")
    db.executescript(
        "CREATE TABLE course (id INTEGER PRIMARY KEY, iri TEXT, graph TEXT, sort TEXT);"
        "CREATE TABLE course_facet (course INTEGER, facet TEXT, value TEXT);"
        "CREATE TABLE link (relation TEXT, subject TEXT, object TEXT, graph TEXT);"
    )
    for n in range(600):
        db.execute("INSERT INTO course VALUES (?, ?, 'g', ?)", (n + 1, f"c{n:04d}", f"title {rng.randint(0, 50)}"))
        for skill in rng.sample(range(40), rng.randint(0, 5)):
            db.execute("INSERT INTO course_facet VALUES (?, 'skill', ?)", (n + 1, f"s{skill:02d}"))
        db.execute("INSERT INTO course_facet VALUES (?, 'eqf', ?)", (n + 1, f"eqf/{rng.choice([4, 5, 6, 10])}"))
    for skill in range(40):
        db.execute("INSERT INTO link VALUES ('occupation', ?, ?, 'g')", (f"s{skill:02d}", f"o{skill % 7}"))
    db.execute("INSERT INTO link VALUES ('occupation', 's01', 'o5', 'g')")  # a second occupation of a skill
    db.execute("INSERT INTO course_facet VALUES (9999, 'skill', 's01')")  # a row of no course is left out
    return db


@pytest.fixture(scope="module")
def table(db: sqlite3.Connection) -> CourseTable:
    return CourseTable.read(db, FACETS, DERIVED)


def test_each_course_has_its_values_and_each_value_its_courses(db: sqlite3.Connection, table: CourseTable) -> None:
    """The arrays say what the rows say: a course's stored values, its values reached through a link (each once),
    and each value's courses in course order."""
    iri = dict(db.execute("SELECT id, iri FROM course"))
    stored: dict[tuple[str, str], set[str]] = {}
    for course, facet, value in db.execute("SELECT course, facet, value FROM course_facet WHERE course < 9999"):
        stored.setdefault((iri[course], facet), set()).add(value)
    links = db.execute("SELECT subject, object FROM link").fetchall()
    assert table.size == 600 and [table.index[c] for c in table.iris] == list(range(600))
    titles = dict(db.execute("SELECT iri, sort FROM course"))
    assert [(titles[c], c) for c in table.iris] == sorted((titles[c], c) for c in table.iris)  # title order
    for n, course in enumerate(table.iris):
        skills = stored.get((course, "skill"), set())
        assert table.values_of("skill", [n]) == [sorted(skills)]
        assert table.values_of("eqf", [n]) == [sorted(stored[(course, "eqf")])]
        assert table.values_of("occupation", [n]) == [sorted({o for s, o in links if s in skills})]
    for skill in table.names("skill"):
        expected = [n for n, c in enumerate(table.iris) if skill in stored.get((c, "skill"), set())]
        assert table.courses_with("skill", skill) == expected
        assert np.flatnonzero(table.having("skill", [skill])).tolist() == expected
    assert table.courses_with("skill", "s99") == [] and not table.having("skill", ["s99"]).any()
    both = table.having("occupation", ["o5", "o6"])
    assert both.tolist() == [bool({"o5", "o6"} & set(v)) for v in table.values_of("occupation", range(600))]


def _mask(table: CourseTable, courses: set[int]) -> np.ndarray:
    found = np.zeros(table.size, dtype=np.bool_)
    found[sorted(courses)] = True
    return found


def _plain_counts(table: CourseTable, facet: str, among: set[int]) -> Counter[str]:
    return Counter(v for values in table.values_of(facet, sorted(among)) for v in values)


def test_counts_are_the_counts_of_the_courses_left_most_first_then_by_value(table: CourseTable) -> None:
    rng = random.Random(1)
    for _ in range(30):
        among = set(rng.sample(range(table.size), rng.randint(0, table.size)))
        for facet, limit, chosen in (("skill", 8, ["s99", "s03"]), ("occupation", 3, ["o9", "o6"])):
            plain = _plain_counts(table, facet, among)
            expected = sorted(plain.items(), key=lambda item: (-item[1], item[0]))[:limit]
            shown = table.counts(facet, _mask(table, among), chosen, limit)
            assert [(v, n) for v, n, _ in shown[: len(expected)]] == expected  # ties at the cut: by value
            assert (chosen[0], 0, True) in shown  # a chosen value no course has is still shown
            assert (chosen[1], plain.get(chosen[1], 0), True) in shown
            assert len(shown) == len(expected) + sum(v not in dict(expected) for v in chosen)


def test_counts_without_a_restriction_and_by_value(table: CourseTable) -> None:
    everything = _plain_counts(table, "eqf", set(range(table.size)))
    shown = table.counts("eqf", None, [], 2, by_value=True)
    assert [v for v, _, _ in shown] == ["eqf/4", "eqf/5", "eqf/6", "eqf/10"]  # by number, not as text; no limit
    assert {v: n for v, n, _ in shown} == dict(everything)


def test_ranked_pages_follow_score_then_title_order(table: CourseTable) -> None:
    rng = random.Random(2)
    scored = {c: float(rng.choice([0.1, 0.2, 0.3])) for c in rng.sample(range(table.size), 300)}
    scores = table.scores(scored)
    among = np.isfinite(scores) & table.having("eqf", ["eqf/4", "eqf/5"])
    left = [c for c in scored if among[c]]
    expected = sorted(left, key=lambda c: (scored[c], c))
    for offset in (0, 7, 40, len(left) - 3, len(left) + 5):
        assert table.ranked(among, scores, offset, 20) == expected[offset : offset + 20]
    assert table.ranked(among, None, 5, 10) == sorted(left)[5:15]
    assert table.ranked(None, None, table.size - 4, 10) == list(range(table.size - 4, table.size))
