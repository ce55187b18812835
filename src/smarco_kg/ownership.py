"""Who owns a resource, so that a partner's write changes only what its own graph describes.

A resource's home is the graph (or graphs) that types it. A writer held to one graph (a partner's graph, a
harvest graph) may add or remove statements only about subjects it owns: resources whose home is its graph,
resources nobody has a home for yet (the write introduces them), the IRIs minted under an owned resource
(``<course/x>/outcome/1`` belongs to whoever owns ``<course/x>``: the nearest typed ancestor decides) and
blank nodes (graph-local: they are read only from the graph that holds them). Everything else is refused before
anything is written, naming the resource and its owner. The homes of every subject a write touches are read in
one query (batched with VALUES), on any backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox

from smarco_kg.auth import Principal
from smarco_kg.errors import Forbidden
from smarco_kg.graphs import Graphs
from smarco_kg.store import GraphStore

BATCH = 500
"""IRIs per homes query: one query for an ordinary write, a few for a bulk load, each well below a remote
store's limits on the size of a query."""

SHOWN = 5
"""Refused resources a message names; the rest are counted."""


class NotOwner(Forbidden, PermissionError):
    """The write states or removes something about a resource whose home is another graph; nothing was written."""

    title = "not the owner of this resource"


@dataclass(frozen=True)
class Owner:
    """A writer held to the resources of one graph, ``graph``; ``name`` says who it is in messages."""

    graph: str
    name: str

    @classmethod
    def of(cls, principal: Principal, graphs: Graphs) -> Owner | None:
        """The partner a token belongs to, held to its graph; None (anything goes) for an admin token."""
        if principal.admin or principal.partner is None:
            return None
        return cls(graphs.partner(principal.partner), f"partner {principal.partner}")

    def check(self, store: GraphStore, subjects: Iterable[str], graphs: Graphs | None = None) -> None:
        """Raise ``NotOwner`` unless every IRI in ``subjects`` is this writer's (see the module's docstring)."""
        refused = foreign(store, self.graph, subjects)
        if not refused:
            return
        named = [f"<{s}> belongs to {owner_name(g, graphs)}" for s, g in list(refused.items())[:SHOWN]]
        more = f" (and {len(refused) - SHOWN} more)" if len(refused) > SHOWN else ""
        raise NotOwner(
            f"{'; '.join(named)}{more}: {self.name} may add or remove statements only about resources of "
            f"<{self.graph}> and new ones; nothing was written"
        )


def owner_name(graph: str, graphs: Graphs | None) -> str:
    """``partner cefriel`` for a partner graph, else ``graph <IRI>``."""
    if graphs is not None and graphs.is_partner_graph(graph):
        return f"partner {graph.removeprefix(graphs.partner_prefix)}"
    return f"graph <{graph}>"


def anchors(iri: str) -> list[str]:
    """``iri`` and the IRIs it is minted under, nearest first: ``<a/b/c>`` → ``a/b/c``, ``a/b``, ``a`` (never
    the bare authority; query and fragment are not path segments)."""
    parts = urlsplit(iri)
    if not parts.scheme or not parts.netloc or parts.query or parts.fragment:
        return [iri]
    root = f"{parts.scheme}://{parts.netloc}"
    segments = parts.path.split("/")[1:]
    found = [iri]
    for end in range(len(segments) - 1, 0, -1):
        ancestor = root + "/" + "/".join(segments[:end])
        if ancestor != found[-1] and segments[end - 1]:
            found.append(ancestor)
    return found


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (what goes between ``<`` and ``>`` in a query safely)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return ":" in text and not text.startswith("_:")


def homes(store: GraphStore, iris: Iterable[str]) -> dict[str, set[str]]:
    """The graphs that type each IRI; IRIs typed nowhere are left out."""
    wanted = sorted(set(iris))
    found: dict[str, set[str]] = {}
    for start in range(0, len(wanted), BATCH):
        values = " ".join(f"<{iri}>" for iri in wanted[start : start + BATCH])
        query = f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s a ?t }} }}"
        for row in store.query(query).rows():
            found.setdefault(str(row["s"]), set()).add(str(row["g"]))
    return found


def foreign(store: GraphStore, graph: str, subjects: Iterable[str]) -> dict[str, str]:
    """Each subject of ``subjects`` that ``graph`` does not own, with a graph that does (in IRI order)."""
    subjects = sorted({s for s in subjects if is_iri(s)})  # blank nodes are the writer's own
    if not subjects:
        return {}
    lines = {s: anchors(s) for s in subjects}
    known = homes(store, {a for line in lines.values() for a in line})
    refused: dict[str, str] = {}
    for subject, line in lines.items():
        owners = next((known[a] for a in line if a in known), set())  # the nearest typed anchor decides
        if owners and graph not in owners:
            refused[subject] = sorted(owners)[0]
    return refused


__all__ = ["NotOwner", "Owner", "anchors", "foreign", "homes", "is_iri", "owner_name"]
