"""Data as a remote store takes it: N-Quads split for ``INSERT DATA`` and templates, loads in Graph Store Protocol
chunks, stand-in datatypes written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from smarco_kg.formats import RdfSyntax
from smarco_kg.store.base import QuerySyntaxError
from smarco_kg.store.remote.datatypes import stand_in
from smarco_kg.terms import ox_format

CHUNK = 2_000_000  # bytes of N-Triples per Graph Store Protocol request
TEMPLATE = 500  # triples with blank nodes per INSERT template (see ``split``)


def split(nquads: bytes) -> tuple[bytes, list[bytes]]:
    """N-Quads without blank nodes; and those with them, in groups of at most ``TEMPLATE`` lines that keep each
    set of connected blank nodes together (a template's blank nodes are fresh per operation). Stand-in datatypes
    written."""
    plain: list[str] = []
    blank: list[tuple[str, list[str]]] = []  # a line and its blank node labels
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for quad in ox.parse(nquads, ox.RdfFormat.N_QUADS):
        graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else f" {quad.graph_name}"
        line = f"{quad.subject} {quad.predicate} {stand_in(quad.object)}{graph} ."
        labels = [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            plain.append(line)
            continue
        blank.append((line, labels))
        for label in labels[1:]:
            parent[root(label)] = root(labels[0])
    components: dict[str, list[str]] = {}
    for line, labels in blank:
        components.setdefault(root(labels[0]), []).append(line)
    groups: list[list[str]] = []
    for lines in components.values():
        if not groups or len(groups[-1]) + len(lines) > TEMPLATE:
            groups.append([])
        groups[-1].extend(lines)
    return "\n".join(plain).encode(), ["\n".join(group).encode() for group in groups]


def parsed(
    source: Path | bytes, syntax: RdfSyntax, *, graph: str | None, default: str, base_iri: str | None
) -> dict[str, list[bytes]]:
    """N-Triples lines per target graph (``graph``, else each quad's own, ``default`` for the default graph),
    stand-in datatypes written; a syntax error names the file."""
    data = source.read_bytes() if isinstance(source, Path) else source
    by_graph: dict[str, list[bytes]] = {}
    try:
        for quad in ox.parse(data, ox_format(syntax), base_iri=base_iri):
            named = quad.graph_name
            target = graph or (named.value if isinstance(named, ox.NamedNode) else default)
            line = f"{quad.subject} {quad.predicate} {stand_in(quad.object)} .\n"
            by_graph.setdefault(target, []).append(line.encode())
    except SyntaxError as error:
        raise QuerySyntaxError.of_data(source, error) from error
    return by_graph


def chunks(lines: list[bytes]) -> Iterator[bytes]:
    """``lines`` joined in requests of about ``CHUNK`` bytes."""
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line)
        if size >= CHUNK:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)
