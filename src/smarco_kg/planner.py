"""The pathway planner: the cheapest set of catalogue courses (in ECTS) that teaches the skills a learner lacks.

This is weighted set cover. A course covers a needed skill when it teaches the skill or a narrower one (not a
broader one: that is only partial). Courses without ECTS credits cannot be weighed and are left out; so are
courses a cheaper course covering as much dominates; languages, modes and the provider's countries narrow the
courses taken into account. With at most ``EXACT_LIMIT`` candidates left the plan is exact (branch and bound: branch
on the needed skill with the fewest courses, prune on cost); beyond that it is greedy (the most new skills per ECTS
first), within a factor H(n) ≈ ln n + 1 of the optimum, and the answer carries a lower bound on the optimum so the
distance is visible. With ``max_ects`` the plan must fit the budget: if no full cover does, the greedy plan covers
as many skills as fit. The plan is ordered by EQF level (lowest first), so it never steps down a level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from smarco_kg.gaps import Catalogue, Course

EXACT_LIMIT = 22
_NODE_BUDGET = 200_000  # branch-and-bound nodes before settling for the best found (then said so)


@dataclass(frozen=True)
class Plan:
    courses: list[Course]  # in EQF order
    covers: dict[str, str]  # needed skill -> the course (in the plan) that covers it
    uncoverable: list[str]  # needed skills no eligible course teaches
    left_out: list[str]  # needed skills coverable but not covered (a budget too small)
    total_ects: float
    method: str  # exact | greedy | greedy within budget
    lower_bound: float
    candidates: int

    @property
    def optimal(self) -> bool:
        return self.method == "exact"


def eligible(
    course: Course, languages: set[str], modes: set[str], countries: frozenset[str] | set[str] = frozenset()
) -> bool:
    if course.ects is None:
        return False
    if languages and not (course.languages & languages):
        return False
    if countries and not (course.countries & countries):
        return False
    return not modes or bool(course.modes & modes)


def plan(
    catalogue: Catalogue,
    needed: Iterable[str],
    *,
    languages: Iterable[str] = (),
    modes: Iterable[str] = (),
    countries: Iterable[str] = (),
    max_ects: float | None = None,
) -> Plan:
    needed = sorted(set(needed))
    languages, modes, places = set(languages), set(modes), set(countries)
    covers: dict[str, set[str]] = {}
    for skill in needed:
        for iri in catalogue.teaching(skill):
            if eligible(catalogue.courses[iri], languages, modes, places):
                covers.setdefault(iri, set()).add(skill)
    cost = {c: float(catalogue.courses[c].ects or 0.0) for c in covers}
    candidates = _undominated(covers, cost)
    coverable = set().union(*(covers[c] for c in candidates)) if candidates else set()
    uncoverable = [s for s in needed if s not in coverable]
    bound = _lower_bound(coverable, candidates, covers, cost)

    chosen: list[str] | None = None
    method = "exact"
    if len(candidates) <= EXACT_LIMIT:
        chosen, complete = _exact(coverable, candidates, covers, cost)
        if not complete:
            method = "best found (search cut short)"
    if chosen is None:
        chosen, method = _greedy(coverable, candidates, covers, cost, None), "greedy"
    if max_ects is not None and sum(cost[c] for c in chosen) > max_ects + 1e-9:
        chosen, method = _greedy(coverable, candidates, covers, cost, max_ects), "greedy within budget"
    ordered = sorted(
        (catalogue.courses[c] for c in chosen),
        key=lambda c: (c.eqf if c.eqf is not None else 0, c.ects or 0, c.title.lower(), c.iri),
    )
    mapping: dict[str, str] = {}
    for course in ordered:
        for skill in sorted(covers[course.iri]):
            mapping.setdefault(skill, course.iri)
    left_out = sorted(coverable - set(mapping))
    return Plan(
        ordered,
        mapping,
        uncoverable,
        left_out,
        round(sum(cost[c.iri] for c in ordered), 3),
        method,
        round(bound, 3),
        len(candidates),
    )


def _undominated(covers: dict[str, set[str]], cost: dict[str, float]) -> list[str]:
    """Courses no other course beats: one covering at least as much for at most the cost (ties: by IRI)."""
    ordered = sorted(covers, key=lambda c: (cost[c], -len(covers[c]), c))
    kept: list[str] = []
    for course in ordered:
        if not any(covers[course] <= covers[k] and cost[k] <= cost[course] for k in kept):
            kept.append(course)
    return sorted(kept)


def _lower_bound(needed: set[str], candidates: list[str], covers: dict, cost: dict) -> float:
    """No cover is cheaper than this: the costliest 'cheapest course per skill' share, summed per skill
    (each skill must be paid for by a course, and a course's cost shared among the skills it covers)."""
    if not needed:
        return 0.0
    share = {}
    for skill in needed:
        share[skill] = min(cost[c] / len(covers[c]) for c in candidates if skill in covers[c])
    return max(sum(share.values()), max(min(cost[c] for c in candidates if s in covers[c]) for s in needed))


def _exact(needed: set[str], candidates: list[str], covers: dict, cost: dict) -> tuple[list[str], bool]:
    by_skill = {s: sorted((c for c in candidates if s in covers[c]), key=lambda c: (cost[c], c)) for s in needed}
    best = _greedy(needed, candidates, covers, cost, None)
    best_cost = sum(cost[c] for c in best)
    nodes = 0

    def search(uncovered: set[str], chosen: list[str], spent: float) -> None:
        nonlocal best, best_cost, nodes
        nodes += 1
        if nodes > _NODE_BUDGET:
            return
        if not uncovered:
            if spent < best_cost - 1e-9:
                best, best_cost = list(chosen), spent
            return
        # a bound: the cheapest course per remaining skill, shared at best among all of them
        cheapest = min(cost[c] for s in uncovered for c in by_skill[s])
        if spent + cheapest >= best_cost - 1e-9:
            return
        skill = min(uncovered, key=lambda s: (len(by_skill[s]), s))
        for course in by_skill[skill]:
            if spent + cost[course] >= best_cost - 1e-9:
                continue
            chosen.append(course)
            search(uncovered - covers[course], chosen, spent + cost[course])
            chosen.pop()

    search(set(needed), [], 0.0)
    return list(best), nodes <= _NODE_BUDGET


def _greedy(needed: set[str], candidates: list[str], covers: dict, cost: dict, budget: float | None) -> list[str]:
    uncovered, chosen, spent = set(needed), [], 0.0
    while uncovered:
        options = [
            c
            for c in candidates
            if c not in chosen and covers[c] & uncovered and (budget is None or spent + cost[c] <= budget + 1e-9)
        ]
        if not options:
            break
        best = max(options, key=lambda c: (len(covers[c] & uncovered) / max(cost[c], 1e-6), -cost[c], c))
        chosen.append(best)
        spent += cost[best]
        uncovered -= covers[best]
    return chosen
