"""Initialising a store: the ontology, the Europass code lists, ESCO and the demo catalogue.

These are trusted sources, so they go through the bulk loader; the test suite proves the demo catalogue
conforms to the shapes through the validated write path.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from smarco_kg.credential_register import DEMO_FILE as REGISTER_DEMO_FILE
from smarco_kg.formats import rdf_syntax, rdf_syntax_for_path
from smarco_kg.ingest.elm_codelists import codelist_graph
from smarco_kg.kg import KnowledgeGraph


@dataclass
class InitReport:
    loaded: dict[str, int] = field(default_factory=dict)  # source label -> triples after loading
    skipped: list[str] = field(default_factory=list)  # sources not found, with the reason


Bar = Callable[[str, int], AbstractContextManager[Callable[..., None]]]
"""Makes a progress bar: (description, total bytes) -> a context yielding ``update(done)``."""


def _no_bar(description: str, total: int) -> AbstractContextManager[Callable[..., None]]:
    return nullcontext(lambda *_: None)


ESCO_SOURCES = ("full", "subset", "none")


def initialise(
    kg: KnowledgeGraph,
    *,
    demo: bool = True,
    esco: str = "subset",
    say: Callable[[str], None] = lambda _: None,
    bar: Bar = _no_bar,
) -> InitReport:
    """Load the ontology, code lists, ESCO (``full``: the English CSV export; ``subset``: the smart-communities
    subset; ``none``) and (with ``demo``) the demo data into ``kg``, then index their texts."""
    if esco not in ESCO_SOURCES:
        raise ValueError(f"ESCO source {esco!r}: use one of {', '.join(ESCO_SOURCES)}")
    settings, graphs, store = kg.settings, kg.graphs, kg.store
    report = InitReport()

    def load_file(path: Path, *, graph: str | None = None, base_iri: str | None = None) -> None:
        with bar(f"loading {path.name}", path.stat().st_size) as update:
            store.bulk_load(path, rdf_syntax_for_path(path), graph=graph, base_iri=base_iri, progress=update)

    ontology = settings.ontology_dir / "smarco.ttl"
    say(f"ontology: {ontology}")
    load_file(ontology, graph=graphs.ontology)
    report.loaded["ontology"] = _size(kg, graphs.ontology)

    codelists = settings.elm_dir / "xsd" / "loq" / "cv"
    if codelists.is_dir():
        say(f"Europass code lists: {codelists}")
        data = codelist_graph(codelists).serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, rdf_syntax("ntriples"), graph=graphs.vocabularies)
        report.loaded["vocabularies"] = _size(kg, graphs.vocabularies)
    else:
        report.skipped.append(f"Europass code lists: {codelists} not found (set SMARCO_SHARED_DIR)")

    if esco == "full" and settings.esco_export.is_dir():
        from smarco_kg.ingest.esco import import_esco

        say(f"ESCO (English CSV export): {settings.esco_export}")
        with bar("importing ESCO", 0) as update:
            imported = import_esco(
                store, graphs.esco, [settings.esco_export], progress=lambda _what, done, total: update(done, total)
            )
        report.loaded["esco"] = imported.triples
    elif esco != "none" and settings.esco_subset.is_file():
        if esco == "full":
            report.skipped.append(f"ESCO export: {settings.esco_export} not found; loaded the subset instead")
        say(f"ESCO subset: {settings.esco_subset}")
        load_file(settings.esco_subset, graph=graphs.esco)
        report.loaded["esco"] = _size(kg, graphs.esco)
    elif esco != "none":
        report.skipped.append(f"ESCO: {settings.esco_subset} not found (set SMARCO_SHARED_DIR)")

    if demo:
        for path in kg.catalogue.demo_files(settings.data_dir):
            say(f"demo data: {path}")
            load_file(path, base_iri=settings.base_iri)
        register = settings.data_dir / REGISTER_DEMO_FILE
        if register.is_file():  # illustrative issued credentials: no class of the catalogue, a graph of its own
            say(f"demo data: {register}")
            load_file(register, base_iri=settings.base_iri)
        partner_graphs = [g for g in store.graphs() if graphs.is_partner_graph(g)]
        report.loaded["demo"] = sum(store.graph_size(g) for g in partner_graphs)
    say("text index")
    kg.search.ensure_fresh(store)
    kg.dumps.invalidate()
    return report


def _size(kg: KnowledgeGraph, graph: str) -> int:
    return kg.store.graph_size(graph)
