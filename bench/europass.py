"""Europass: exporting one course for QDR, validating it against the official LOQ shapes, and issuing + sealing
one micro-credential as an EDC, timed in-process on a store made by ``smarco-kg init`` (the demo data).

    .venv/bin/python bench/europass.py [--repeats 60]

Each step runs ``--repeats`` times after 3 warm-up runs (the official shapes are parsed once per process); p50
and p95 are printed against the goals (export ≤ 20 ms, LOQ validation ≤ 200 ms, issue + seal ≤ 50 ms) and
written to bench/out/europass.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from foundation import run_benchmark, say

GOALS = {"export_p50_ms": 20.0, "validate_p50_ms": 200.0, "issue_and_seal_p50_ms": 50.0}
COURSE, CREDENTIAL = "course/urban-data-platforms", "credential/iot-for-smart-cities"


def _time(step: Callable[[], object], repeats: int) -> dict:
    for _ in range(3):
        step()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "runs": repeats,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (repeats - 1))], 2),
    }


def run(options: argparse.Namespace) -> dict:
    from rdflib import URIRef

    from smarco_kg.catalogue import Catalogue
    from smarco_kg.config import Settings
    from smarco_kg.europass import seal
    from smarco_kg.europass.edc import Award, Issuer, Learner, issue
    from smarco_kg.europass.loq import export_courses
    from smarco_kg.europass.official_shapes import check
    from smarco_kg.store import open_store

    work = Path(tempfile.mkdtemp(prefix="smarco-bench-europass-", dir=options.workdir))
    try:
        store_path = work / "store"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMARCO_")}
        say("smarco-kg init --esco subset (ontology, code lists, ESCO subset, demo data)")
        subprocess.run([sys.executable, "-m", "smarco_kg", "init", "--esco", "subset", "--store", str(store_path)],
                       env=env, check=True, capture_output=True)  # fmt: skip
        settings = Settings(store=store_path)
        base, entries = settings.base_iri, Catalogue(settings.base_iri, settings.shapes_dir).entries
        store = open_store(store_path, read_only=True)
        key = seal.generate(work / "issuer", name="European Digital SME Alliance", legal_identifier="BE0843123456",
                            country="BEL")  # fmt: skip
        issuer = Issuer(URIRef(f"{base}organisation/european-digital-sme-alliance"), "BE0843123456",
                        URIRef("http://publications.europa.eu/resource/authority/country/BEL"))  # fmt: skip
        award = Award(Learner("Ana", "Andromeda", "L-0042", date_of_birth=dt.date(1999, 10, 2)), dt.date(2026, 11, 20),
                      grade="Pass", assessment="Prototype and report")  # fmt: skip
        course, credential = URIRef(base + COURSE), URIRef(base + CREDENTIAL)

        def export(validate: bool) -> object:
            return export_courses(store, [course], entries["courses"], entries["partners"], settings.elm_dir, base,
                                  validate=validate)  # fmt: skip

        exported = export(False).graph  # type: ignore[attr-defined]

        def issued(validate: bool) -> object:
            made = issue(store, credential, award, issuer, entries["credentials"], entries["partners"],
                         settings.elm_dir, base, validate=validate)  # fmt: skip
            return seal.seal(made.document, key)

        results = {
            "export": _time(lambda: export(False), options.repeats),
            "validate": _time(lambda: check(exported, settings.elm_dir, "loq"), options.repeats),
            "export_and_validate": _time(lambda: export(True), options.repeats),
            "issue_and_seal": _time(lambda: issued(False), options.repeats),
            "issue_validate_and_seal": _time(lambda: issued(True), options.repeats),
        }
        for name, r in results.items():
            say(f"{name}: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms")
        store.close()
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    figures = {
        "export_p50_ms": results["export"]["p50_ms"],
        "validate_p50_ms": results["validate"]["p50_ms"],
        "issue_and_seal_p50_ms": results["issue_and_seal"]["p50_ms"],
    }
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_at_end": os.getloadavg()},
        "triples_exported": len(exported),
        "steps": results,
        "goals": {k: {"goal": GOALS[k], "value": v, "met": v <= GOALS[k]} for k, v in figures.items()},
    }


def table(report: dict) -> str:
    lines = [f"one course exported: {report['triples_exported']} triples", "", f"{'step, ms':<28}{'p50':>9}{'p95':>9}"]
    for name, r in report["steps"].items():
        lines.append(f"  {name:<26}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}")
    lines.append("")
    for name, g in report["goals"].items():
        lines.append(f"  {name:<24}{g['value']:>9} (goal <= {g['goal']:g})  {'ok' if g['met'] else 'MISS'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=60)
    run_benchmark(parser, {}, run, table, name="europass", timeout=600)


if __name__ == "__main__":
    main()
