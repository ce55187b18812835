"""The search index's courses and their facet values in memory, for the course search to filter, rank and count.

Read once from the index after each re-index. Sets of courses are boolean masks over the courses (numbered in title
order) and each facet is a ``Column``: arrays of the course and the value of every (course, value) pair, so that
counting a facet's values among the courses a search leaves is one ``bincount``: a common word matches 7,000 of
10,000 courses, and counting the ten facets over them with Python sets took 6 ms of the interpreter a search,
ranking them by score another 2.4 ms (``bench/api.py``'s search pages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]
"""Courses as a boolean array over the table's course numbers."""
Scores = npt.NDArray[np.float64]
"""A score per course number (lower ranks first; infinity: not matched)."""


Numbers = npt.NDArray[np.intp]
"""Course or value numbers (intp: numpy indexes and counts with it as it is, where int32 is converted each time)."""


@dataclass
class Column:
    """One facet's (course, value) pairs, by course and by value: arrays in place of a set of values per course and
    a set of courses per value (at 10,450 courses the sets were 27.6 MiB of Python objects and left the process
    73 MiB larger after reading them; the table of columns, 11 MiB)."""

    names: list[str]  # value number -> value (sorted, so numbers order values as names do)
    numbers: dict[str, int]  # value -> value number
    courses: Numbers  # each pair's course, ascending
    values: Numbers  # each pair's value number
    starts: npt.NDArray[np.intp]  # course -> its first pair (and one past the last course)
    by_value: Numbers  # the pairs' courses ordered by value number (then course)
    value_starts: npt.NDArray[np.intp]  # value number -> its first course in ``by_value``
    totals: npt.NDArray[np.intp] | None = None  # courses per value number, counted once

    def __post_init__(self) -> None:
        # Python views of the same memory: a course's few values read through them in half the time numpy's
        # slices and scalars take (each search page reads those of its twenty courses twice per facet shown)
        self.value_view = self.values.data
        self.start_view = self.starts.data

    @classmethod
    def of(cls, size: int, pairs: Iterable[tuple[int, str]]) -> Column:
        """The column of (course number, value) ``pairs``, each pair once."""
        numbers: dict[str, int] = {}
        courses: list[int] = []
        values: list[int] = []
        for course, value in pairs:
            courses.append(course)
            values.append(numbers.setdefault(value, len(numbers)))
        names = sorted(numbers)
        renumbered = np.empty(len(names), dtype=np.intp)
        renumbered[[numbers[name] for name in names]] = np.arange(len(names), dtype=np.intp)
        course_array = np.array(courses, dtype=np.intp)
        value_array = renumbered[np.array(values, dtype=np.intp)] if values else np.array(values, dtype=np.intp)
        order = np.lexsort((value_array, course_array))
        course_array, value_array = course_array[order], value_array[order]
        by_value = np.argsort(value_array, kind="stable")  # stable: each value's courses stay ascending
        return cls(
            names=names,
            numbers={name: n for n, name in enumerate(names)},
            courses=course_array,
            values=value_array,
            starts=np.searchsorted(course_array, np.arange(size + 1)),
            by_value=course_array[by_value],
            value_starts=np.searchsorted(value_array[by_value], np.arange(len(names) + 1)),
        )

    def courses_with(self, number: int) -> Numbers:
        return self.by_value[self.value_starts[number] : self.value_starts[number + 1]]


@dataclass
class CourseTable:
    """Every course (numbered in title order) and its facet values, with each value's courses."""

    iris: list[str]
    index: dict[str, int]
    columns: dict[str, Column]

    @property
    def size(self) -> int:
        return len(self.iris)

    @classmethod
    def read(cls, db: sqlite3.Connection, facets: Sequence[str], derived: Mapping[str, tuple[str, str]]) -> CourseTable:
        """The table from the index's ``course``, ``course_facet`` and ``link`` rows; ``derived``: facet -> (the
        stored facet, the link) for the facets that follow a link from a stored facet's value (joined in SQL, so
        that no link is held in Python)."""
        rows = db.execute("SELECT id, iri FROM course ORDER BY sort, iri").fetchall()
        iris = [iri for _, iri in rows]
        number = {row_id: i for i, (row_id, _) in enumerate(rows)}
        columns: dict[str, Column] = {}
        for facet in facets:
            if facet in derived:
                base, relation = derived[facet]
                found = db.execute(
                    "SELECT DISTINCT f.course, l.object FROM course_facet f"
                    " JOIN link l ON l.relation = ? AND l.subject = f.value WHERE f.facet = ?",
                    (relation, base),
                )
            else:
                found = db.execute("SELECT course, value FROM course_facet WHERE facet = ?", (facet,))
            pairs = ((number[course], value) for course, value in found if course in number)
            columns[facet] = Column.of(len(iris), pairs)
        return cls(iris, {iri: i for i, iri in enumerate(iris)}, columns)

    def names(self, facet: str) -> list[str]:
        """``facet``'s values, sorted."""
        return self.columns[facet].names

    def having(self, facet: str, values: Iterable[str]) -> Mask:
        """The courses with any of ``values`` of ``facet``."""
        column = self.columns[facet]
        found = np.zeros(self.size, dtype=np.bool_)
        for value in values:
            if value in column.numbers:
                found[column.courses_with(column.numbers[value])] = True
        return found

    def courses_with(self, facet: str, value: str) -> list[int]:
        """The courses with ``value`` of ``facet``, in course number order."""
        column = self.columns[facet]
        number = column.numbers.get(value)
        return [] if number is None else column.courses_with(number).tolist()

    def scores(self, scored: Mapping[int, float]) -> Scores:
        """Course -> score as an array (infinity for the courses not in ``scored``)."""
        array = np.full(self.size, np.inf)
        array[np.fromiter(scored.keys(), dtype=np.intp, count=len(scored))] = np.fromiter(
            scored.values(), dtype=np.float64, count=len(scored)
        )
        return array

    def values_of(self, facet: str, courses: Sequence[int]) -> list[list[str]]:
        """Each of ``courses``' values of ``facet``, sorted."""
        column = self.columns[facet]
        names, values, starts = column.names, column.value_view, column.start_view
        return [[names[n] for n in values[starts[course] : starts[course + 1]]] for course in courses]

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
        column = self.columns[facet]
        names = column.names
        if among is None:
            if column.totals is None:
                column.totals = np.bincount(column.values, minlength=len(names))
            counts = column.totals
        else:
            counts = np.bincount(column.values[among[column.courses]], minlength=len(names))
        present = np.flatnonzero(counts)
        if by_value:
            shown = sorted((names[n] for n in present), key=number_key)
        else:
            if len(present) > limit:  # those counting at least the limit-th count (ties included), then cut
                kept = counts[present]
                present = present[kept >= np.partition(kept, len(kept) - limit)[len(kept) - limit]]
            shown = [names[n] for n in present[np.lexsort((present, -counts[present]))][:limit]]
        shown += [v for v in chosen if v not in shown]
        numbers = column.numbers
        return [(v, int(counts[numbers[v]]) if v in numbers else 0, v in chosen) for v in shown]


def number_key(value: str) -> tuple[float, str]:
    """A value ordered by the number its last segment is (an EQF level's IRI, credits), others after."""
    tail = value.rstrip("/").rsplit("/", 1)[-1]
    try:
        return float(tail), value
    except ValueError:
        return float("inf"), value
