"""A ``Changeset`` as one SPARQL 1.1 Update request, which every SPARQL store applies as one transaction."""

from __future__ import annotations

import pyoxigraph as ox

from smarco_kg.store.base import Changeset

# a resource's triples and the blank nodes it owns, three levels deep (credit points, steps, addresses…)
OWNED = """
  {subject} ?p ?o .
  OPTIONAL {{ ?o ?p2 ?o2 FILTER isBlank(?o)
    OPTIONAL {{ ?o2 ?p3 ?o3 FILTER isBlank(?o2)
      OPTIONAL {{ ?o3 ?p4 ?o4 FILTER isBlank(?o3) }} }} }}"""
OWNED_TEMPLATE = "{subject} ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 . ?o3 ?p4 ?o4 ."


def owned_construct(subject: str, graph: str | None = None, values: str = "") -> str:
    """A CONSTRUCT of ``subject``'s description (a term or a variable) and the blank nodes it owns, in ``graph``
    (None: the query's default graph); ``values``: a VALUES block that binds the subject variable."""
    pattern = OWNED.format(subject=subject)
    where = f"GRAPH <{graph}> {{{pattern}\n}}" if graph is not None else pattern
    return f"CONSTRUCT {{ {OWNED_TEMPLATE.format(subject=subject)} }}\nWHERE {{ {values}\n{where}\n}}"


def graph_ref(graph: str) -> str:
    return "DEFAULT" if graph == "" else f"GRAPH <{graph}>"


def insert_data(nquads: bytes, default: str | None) -> str:
    """An INSERT DATA operation for N-Quads: N-Triples terms are valid SPARQL terms."""
    by_graph: dict[str, list[str]] = {}
    for quad in ox.parse(nquads, ox.RdfFormat.N_QUADS):
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else default
        by_graph.setdefault(graph or "", []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    blocks = [
        f"GRAPH <{name}> {{\n" + "\n".join(lines) + "\n}" if name else "\n".join(lines)
        for name, lines in by_graph.items()
    ]
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


def changeset_update(changes: Changeset) -> str:
    """Clear and drop graphs, remove resources, then insert: the operations of one update request."""
    operations = [f"CLEAR SILENT {graph_ref(g)}" for g in changes.clear_graphs]
    operations += ["CLEAR SILENT DEFAULT" if not g else f"DROP SILENT GRAPH <{g}>" for g in changes.drop_graphs]
    for graph, subject in changes.remove_resources:
        pattern = OWNED.format(subject=f"<{subject}>")
        template = OWNED_TEMPLATE.format(subject=f"<{subject}>")
        if graph:
            template, pattern = f"GRAPH <{graph}> {{ {template} }}", f"GRAPH <{graph}> {{ {pattern} }}"
        operations.append(f"DELETE {{ {template} }} WHERE {{ {pattern} }}")  # graph "": the default graph
    if changes.add:
        operations.append(insert_data(changes.add, changes.default_graph))
    return " ;\n".join(operations)
