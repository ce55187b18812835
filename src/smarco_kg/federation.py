"""SPARQL ``SERVICE`` to the partner nodes of the federation, and to nothing else.

The configured nodes (``SMARCO_FEDERATION_NODES``: name, endpoint, timeout) are the allow-list. A query's
``SERVICE <iri> { … }`` clauses are found in its text; any IRI that is not a node's endpoint, or a variable,
refuses the query before a single request is sent. Each allowed clause is asked of its node here, concurrently,
with the node's own timeout (``SELECT * WHERE { … }``, SPARQL JSON results), and its answer replaces the
clause as a ``VALUES`` block, which SPARQL joins exactly as it joins a ``SERVICE`` result. The store never
opens a connection. ``SERVICE SILENT`` turns a node's failure or timeout into the empty solution (partial
results); without ``SILENT`` the query fails, naming the node.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from smarco_kg.config import FederationNode
from smarco_kg.errors import BadGateway, BadRequest
from smarco_kg.sparql_text import closing_brace, tokens
from smarco_kg.terms import from_json, sparql_term

_RESULTS = "application/sparql-results+json"
MAX_ROWS = 10_000  # a SERVICE answer larger than this is refused rather than inlined


class ServiceRefused(BadRequest, ValueError):
    """A SERVICE the allow-list does not allow (nothing was sent)."""

    title = "SERVICE is not allowed here"


class ServiceFailed(BadGateway, RuntimeError):
    """A node that did not answer a non-SILENT SERVICE."""

    title = "a federation node did not answer"


@dataclass(frozen=True)
class ServiceCall:
    start: int  # where the SERVICE keyword starts in the query text
    end: int  # just after the closing brace of its group
    target: str  # the IRI (or the variable, which is refused)
    silent: bool
    group: str  # the text of the group, braces included


def service_calls(sparql: str) -> list[ServiceCall]:
    """The top-level SERVICE clauses of a query, outside strings, IRIs and comments (nested ones are inside)."""
    found: list[ServiceCall] = []
    stream = list(tokens(sparql))
    words = [m.group() for m in stream]
    index = 0
    while index < len(stream):
        token = stream[index]
        if token.group().upper() != "SERVICE":
            index += 1
            continue
        position, silent = index + 1, False
        if position < len(stream) and stream[position].group().upper() == "SILENT":
            silent, position = True, position + 1
        if position + 1 >= len(stream) or stream[position + 1].group() != "{":
            raise ServiceRefused("SERVICE must name an endpoint IRI followed by a group { … }")
        target = stream[position].group()
        close = closing_brace(words, position + 1)
        if close is None:
            raise ServiceRefused("a SERVICE group is not closed")
        start, end = token.start(), stream[close].end()
        found.append(ServiceCall(start, end, target, silent, sparql[stream[position + 1].start() : end]))
        index = close + 1
    return found


def check_allowed(calls: list[ServiceCall], nodes: list[FederationNode]) -> dict[str, FederationNode]:
    """Each call's node; ``ServiceRefused`` naming the first target that is not a configured node's endpoint."""
    by_endpoint = {f"<{n.endpoint}>": n for n in nodes}
    chosen: dict[str, FederationNode] = {}
    for call in calls:
        if call.target.startswith(("?", "$")):
            raise ServiceRefused(f"SERVICE {call.target}: the endpoint must be one of the federation's IRIs")
        node = by_endpoint.get(call.target)
        if node is None:
            allowed = ", ".join(n.endpoint for n in nodes) or "none are configured"
            raise ServiceRefused(f"SERVICE {call.target} is not a federation node (allowed: {allowed})")
        chosen[call.target] = node
    return chosen


async def _ask(client: httpx.AsyncClient, node: FederationNode, group: str, prologue: str) -> list[dict]:
    query = f"{prologue}SELECT * WHERE {group}"
    response = await client.post(
        node.endpoint,
        data={"query": query},
        headers={"Accept": _RESULTS},
        timeout=node.timeout,
    )
    response.raise_for_status()
    body = response.json()
    rows = body["results"]["bindings"]
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        raise ValueError(f"{node.name} answered {len(rows)} rows; at most {MAX_ROWS} are inlined")
    return rows


def _values(rows: list[dict]) -> str:
    """SPARQL JSON solutions as a VALUES block (UNDEF where a solution leaves a variable unbound); solutions that
    bind nothing as empty groups (Virtuoso fails on ``VALUES () { () }``)."""
    names = sorted({name for row in rows for name in row})
    if not names:
        return " UNION ".join(["{ }"] * len(rows)) if rows else "{ FILTER(false) }"
    lines = []
    for row in rows:
        cells = [sparql_term(from_json(row[n])) if n in row and "value" in row[n] else "UNDEF" for n in names]
        lines.append("(" + " ".join(cells) + ")")
    return f"VALUES ({' '.join('?' + n for n in names)}) {{ {' '.join(lines)} }}"


def _prologue(sparql: str, first_call: int) -> str:
    """The PREFIX/BASE declarations before the query form, which the group's text may rely on."""
    head = []
    stream = list(tokens(sparql[:first_call]))
    index = 0
    while index < len(stream) and stream[index].group().upper() in ("PREFIX", "BASE"):
        step = 3 if stream[index].group().upper() == "PREFIX" else 2
        head.append(" ".join(t.group() for t in stream[index : index + step]))
        index += step
    return "\n".join(head) + ("\n" if head else "")


@dataclass(frozen=True)
class Resolved:
    sparql: str
    failed: list[str]  # "node: why" for SILENT services that failed (partial results)


async def resolve_services(sparql: str, nodes: list[FederationNode], client: httpx.AsyncClient) -> Resolved:
    """The query with every SERVICE answered by its node and inlined; ``ServiceRefused`` before anything is sent
    when a target is not allowed, ``ServiceFailed`` when a non-SILENT node fails."""
    calls = service_calls(sparql)
    if not calls:
        return Resolved(sparql, [])
    chosen = check_allowed(calls, nodes)
    prologue = _prologue(sparql, calls[0].start)
    answers = await asyncio.gather(
        *(_ask(client, chosen[c.target], c.group, prologue) for c in calls), return_exceptions=True
    )
    failed: list[str] = []
    pieces, last = [], 0
    for call, answer in zip(calls, answers, strict=True):
        node = chosen[call.target]
        if isinstance(answer, BaseException):
            why = f"{node.name}: {type(answer).__name__}: {answer}".strip()
            if not call.silent:
                raise ServiceFailed(why)
            failed.append(why)
            replacement = _values([{}])  # SERVICE SILENT: the empty solution, joined as the identity
        else:
            replacement = _values(answer)
        pieces += [sparql[last : call.start], replacement]
        last = call.end
    pieces.append(sparql[last:])
    return Resolved("".join(pieces), failed)
