"""What naming a filter's concept by label costs beside naming it by IRI: the first look-up (the vocabulary's names
read in one query) and each one after it, through ``bind`` as every listing calls it.

    .venv/bin/python bench/filter_values.py                  # a fresh demo store in a temp dir (about 10 s)
    .venv/bin/python bench/filter_values.py --store DIR      # an initialised store (read only)

Measured on 2 shared cores (load 3 to 4), demo store with the ESCO subset: a skill by IRI 4 µs per ``bind``, by
label (``urban planning``) 10 µs; a language by code 3 µs, by name (``español``) 9 µs. The first look-up of a
vocabulary reads its names: ESCO's 3,177 skills 0.5 to 1.0 s, the 8,175 languages with CLDR's names 0.8 to 1.3 s, the
253 countries 0.05 to 0.08 s; after a write these are read again in the background while the previous names answer.
Over HTTP, ``/api/courses?skill=urban planning`` and the IRI form answer alike (p50 3.7 and 3.9 ms, 400 each,
interleaved).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from smarco_kg.catalogue import Catalogue
from smarco_kg.catalogue.filters import bind
from smarco_kg.config import Settings
from smarco_kg.ingest.demo import initialise
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store import open_store

CASES = (
    {"skill": "http://data.europa.eu/esco/skill/7f18039d-dfae-471b-9daa-507f6b2d2842"},
    {"skill": "urban planning"},
    {"language": "SPA"},
    {"language": "español"},
    {"country": "ESP"},
    {"country": "España"},
    {"eqf": "EQF 6"},
    {"provider": "Cefriel"},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an initialised store (default: a fresh demo store)")
    parser.add_argument("--repeats", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        location = args.store
        if location is None:
            location = Path(scratch) / "store"
            kg = KnowledgeGraph(Settings(store=location))
            initialise(kg, demo=True)
            kg.close()
        settings = Settings(store=location)
        store = open_store(location, read_only=True)
        filters = Catalogue(settings.base_iri, settings.shapes_dir).entry("courses").filters
        for params in CASES:
            started = time.perf_counter()
            bind(store, filters, params, settings.base_iri, 1)
            first = time.perf_counter() - started
            started = time.perf_counter()
            for _ in range(args.repeats):
                bind(store, filters, params, settings.base_iri, 1)
            each = (time.perf_counter() - started) / args.repeats
            ((name, value),) = params.items()
            shown = f"{name}={value[-40:]}"
            print(f"{shown:50s} first {1000 * first:7.1f} ms   then {1e6 * each:6.1f} µs")
        store.close()


if __name__ == "__main__":
    main()
