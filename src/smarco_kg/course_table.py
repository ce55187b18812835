"""The search index's courses and their facet values in memory, for the course search to filter, rank and count.

Read once from the index after each re-index. Sets of courses are boolean masks over the courses (numbered in title
order) and each facet is also kept as two arrays, the course and the value of every (course, value) pair, so that
counting a facet's values among the courses a search leaves is one ``bincount``: a common word matches 7,000 of
10,000 courses, and counting the ten facets over them with Python sets took 6 ms of the interpreter a search,
ranking them by score another 2.4 ms (``bench/api.py``'s search pages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]
"""Courses as a boolean array over the table's course numbers."""
Scores = npt.NDArray[np.float64]
"""A score per course number (lower ranks first; infinity: not matched)."""


@dataclass
class CourseTable:
    """Every course (numbered in title order) and its facet values, with each value's courses."""

    iris: list[str]
    index: dict[str, int]
    names: dict[str, list[str]]  # facet -> value number -> value (sorted, so numbers order values as names do)
    numbers: dict[str, dict[str, int]]  # facet -> value -> value number
    of: dict[str, list[tuple[int, ...]]]  # facet -> course -> its value numbers
    postings: dict[str, list[frozenset[int]]]  # facet -> value number -> its courses
    pairs: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]  # facet -> (course, value) of every pair
    skills_of_occupation: dict[str, set[str]]
    totals: dict[str, npt.NDArray[np.intp]] = field(default_factory=dict)  # facet -> courses per value number

    @property
    def size(self) -> int:
        return len(self.iris)

    @classmethod
    def read(cls, db: sqlite3.Connection, facets: Sequence[str], derived: Mapping[str, tuple[str, str]]) -> CourseTable:
        """The table from the index's ``course``, ``course_facet`` and ``link`` rows; ``derived``: facet -> (the
        stored facet, the link) for the facets that follow a link from a stored facet's value."""
        rows = db.execute("SELECT id, iri FROM course ORDER BY sort, iri").fetchall()
        iris = [iri for _, iri in rows]
        number = {row_id: i for i, (row_id, _) in enumerate(rows)}
        stored: dict[str, list[set[str]]] = {facet: [set() for _ in iris] for facet in facets}
        for course, facet, value in db.execute("SELECT course, facet, value FROM course_facet"):
            if course in number and facet in stored:
                stored[facet][number[course]].add(value)
        links: dict[str, dict[str, set[str]]] = {relation: {} for _, relation in derived.values()}
        for relation, subject, obj in db.execute("SELECT relation, subject, object FROM link"):
            links.setdefault(relation, {}).setdefault(subject, set()).add(obj)
        for facet, (base, relation) in derived.items():
            linked = links.get(relation, {})
            stored[facet] = [set().union(*(linked.get(v, ()) for v in values)) for values in stored[base]]
        skills_of_occupation: dict[str, set[str]] = {}
        for skill, occupations in links.get("occupation", {}).items():
            for occupation in occupations:
                skills_of_occupation.setdefault(occupation, set()).add(skill)
        names: dict[str, list[str]] = {}
        numbers: dict[str, dict[str, int]] = {}
        of: dict[str, list[tuple[int, ...]]] = {}
        postings: dict[str, list[frozenset[int]]] = {}
        pairs: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]] = {}
        for facet, per_course in stored.items():
            names[facet] = sorted(set().union(*per_course))
            numbers[facet] = {value: i for i, value in enumerate(names[facet])}
            of[facet] = [tuple(sorted(numbers[facet][v] for v in values)) for values in per_course]
            courses: list[list[int]] = [[] for _ in names[facet]]
            for course, values in enumerate(of[facet]):
                for value in values:
                    courses[value].append(course)
            postings[facet] = [frozenset(c) for c in courses]
            count = sum(map(len, of[facet]))
            pairs[facet] = (
                np.repeat(np.arange(len(iris), dtype=np.intp), [len(v) for v in of[facet]]),
                np.fromiter((v for values in of[facet] for v in values), dtype=np.intp, count=count),
            )
        index = {iri: i for i, iri in enumerate(iris)}
        return cls(iris, index, names, numbers, of, postings, pairs, skills_of_occupation)

    def having(self, facet: str, values: Iterable[str]) -> frozenset[int]:
        """The courses with any of ``values`` of ``facet``."""
        numbers = [self.numbers[facet][v] for v in values if v in self.numbers[facet]]
        if len(numbers) == 1:
            return self.postings[facet][numbers[0]]
        return frozenset().union(*(self.postings[facet][n] for n in numbers))

    def mask(self, courses: Iterable[int]) -> Mask:
        """``courses`` as a mask."""
        found = np.zeros(self.size, dtype=np.bool_)
        found[np.fromiter(courses, dtype=np.intp)] = True
        return found

    def scores(self, scored: Mapping[int, float]) -> Scores:
        """Course -> score as an array (infinity for the courses not in ``scored``)."""
        array = np.full(self.size, np.inf)
        array[np.fromiter(scored.keys(), dtype=np.intp, count=len(scored))] = np.fromiter(
            scored.values(), dtype=np.float64, count=len(scored)
        )
        return array

    def values_of(self, facet: str, course: int) -> list[str]:
        return [self.names[facet][n] for n in self.of[facet][course]]

    def ranked(self, among: Mask | None, scores: Scores | None, offset: int, limit: int) -> list[int]:
        """The courses from ``offset`` to ``offset + limit`` of ``among`` (None: all): by score, then course number
        (title order); in title order without scores."""
        end = offset + limit
        if among is None:
            return list(range(offset, min(end, self.size)))
        found = np.flatnonzero(among)
        if scores is None:
            return [int(c) for c in found[offset:end]]
        keys = scores[found]
        if end < len(found):  # only those scoring at most the end's score can be on the page (ties included)
            near = keys <= np.partition(keys, end - 1)[end - 1]
            found, keys = found[near], keys[near]
        return [int(c) for c in found[np.lexsort((found, keys))][offset:end]]

    def counts(
        self, facet: str, among: Mask | None, chosen: Sequence[str], limit: int, *, by_value: bool = False
    ) -> list[tuple[str, int, bool]]:
        """(value, courses among ``among`` having it, chosen) for the values to show: the ``limit`` most frequent
        (most first, then by value), or every value present in the order of the number it ends in (``by_value``:
        levels and credits); and every chosen one."""
        courses, values = self.pairs[facet]
        names = self.names[facet]
        if among is None:
            if facet not in self.totals:
                self.totals[facet] = np.bincount(values, minlength=len(names))
            counts = self.totals[facet]
        else:
            counts = np.bincount(values[among[courses]], minlength=len(names))
        present = np.flatnonzero(counts)
        if by_value:
            shown = sorted((names[n] for n in present), key=number_key)
        else:
            if len(present) > limit:  # those counting at least the limit-th count (ties included), then cut
                kept = counts[present]
                present = present[kept >= np.partition(kept, len(kept) - limit)[len(kept) - limit]]
            shown = [names[n] for n in present[np.lexsort((present, -counts[present]))][:limit]]
        shown += [v for v in chosen if v not in shown]
        numbers = self.numbers[facet]
        return [(v, int(counts[numbers[v]]) if v in numbers else 0, v in chosen) for v in shown]


def number_key(value: str) -> tuple[float, str]:
    """A value ordered by the number its last segment is (an EQF level's IRI, credits), others after."""
    tail = value.rstrip("/").rsplit("/", 1)[-1]
    try:
        return float(tail), value
    except ValueError:
        return float("inf"), value
