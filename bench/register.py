"""The register of issued credentials at scale: 100,000 entries (the issue's figure) in an on-disk store, and the
register's operations timed in-process.

    .venv/bin/python bench/register.py [--entries 100000] [--repeats 20]

The entries are generated (seeded) and bulk-loaded into <graph/register> beside the few catalogue resources they
point at (the specifications and organisations, typed as the shape's sh:class checks need). Timed, each
``--repeats`` times after one warm-up: drawing a free status index (what every issue does under the write lock),
recording one entry through the validated write path, the public counts, one page of the coordinator's listing,
and building the status list (reading the revoked indexes, encoding 131,072+ bits with GZIP). Written to
bench/out/register.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from foundation import run_benchmark, say

BASE = "https://w3id.org/smarco/"
SPECS = 40
ORGS = 20


def _time(step: Callable[[], object], repeats: int) -> dict:
    step()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"runs": repeats, "p50_ms": round(statistics.median(samples), 2), "max_ms": round(samples[-1], 2)}


def _generate(path: Path, entries: int, seed: int) -> None:
    rng = random.Random(seed)
    elm, smarco, dct = (
        "http://data.europa.eu/snb/model/elm/",
        "https://w3id.org/smarco/ontology#",
        "http://purl.org/dc/terms/",
    )
    xsd, country = "http://www.w3.org/2001/XMLSchema#", "http://publications.europa.eu/resource/authority/country/"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    register, catalogue = f"<{BASE}graph/register>", f"<{BASE}graph/partner/bench>"
    codes = ["ITA", "ESP", "GRC", "IRL", "NLD", "HUN", "BEL", "ROU", "AUT", "FIN", "PRT", "DEU"]
    indexes = rng.sample(range(2 * entries + 131072), entries)
    with path.open("w", encoding="utf-8") as out:
        for s in range(SPECS):
            org = f"<{BASE}organisation/bench-{s % ORGS}>"
            out.write(
                f"<{BASE}credential/bench-{s}> <{rdf_type}> <{elm}LearningAchievementSpecification> {catalogue} .\n"
            )
            awarding = f"<{BASE}credential/bench-{s}/awarding>"
            out.write(f"<{BASE}credential/bench-{s}> <{elm}awardingOpportunity> {awarding} {catalogue} .\n")
            out.write(f"<{BASE}credential/bench-{s}/awarding> <{elm}awardingBody> {org} {catalogue} .\n")
        for o in range(ORGS):
            out.write(f"<{BASE}organisation/bench-{o}> <{rdf_type}> <{elm}Organisation> {catalogue} .\n")
        out.write(
            f"<{country}ITA> <{rdf_type}> <http://www.w3.org/2004/02/skos/core#Concept> <{BASE}graph/vocabularies> .\n"
        )
        start = dt.date(2025, 1, 1)
        for n in range(entries):
            c = f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"
            s = rng.randrange(SPECS)
            day = start + dt.timedelta(days=rng.randrange(700))
            fmt = "europeanDigitalCredential" if rng.random() < 0.6 else "openBadge"
            out.write(f"{c} <{rdf_type}> <{smarco}IssuedCredential> {register} .\n")
            out.write(f"{c} <{smarco}specification> <{BASE}credential/bench-{s}> {register} .\n")
            out.write(f"{c} <{elm}awardingBody> <{BASE}organisation/bench-{s % ORGS}> {register} .\n")
            out.write(f'{c} <{dct}issued> "{day.isoformat()}"^^<{xsd}date> {register} .\n')
            out.write(f"{c} <{dct}conformsTo> <{smarco}{fmt}> {register} .\n")
            out.write(f"{c} <{smarco}learnerCountry> <{country}{rng.choice(codes)}> {register} .\n")
            out.write(f'{c} <{smarco}statusListIndex> "{indexes[n]}"^^<{xsd}integer> {register} .\n')
            if rng.random() < 0.02:
                out.write(
                    f'{c} <{smarco}revoked> "{(day + dt.timedelta(days=30)).isoformat()}"^^<{xsd}date> {register} .\n'
                )


def run(options: argparse.Namespace) -> dict:
    from smarco_kg import status_list
    from smarco_kg.auth import Principal
    from smarco_kg.config import Settings
    from smarco_kg.credential_register import COUNTED, Filters, Register
    from smarco_kg.formats import rdf_syntax
    from smarco_kg.kg import KnowledgeGraph

    work = Path(tempfile.mkdtemp(prefix="smarco-bench-register-", dir=options.workdir))
    try:
        data = work / "register.nq"
        say(f"generating {options.entries:,} entries")
        _generate(data, options.entries, options.seed)
        kg = KnowledgeGraph(Settings(store=work / "store"))
        started = time.perf_counter()
        kg.store.bulk_load(data, rdf_syntax("nquads"))
        load_s = time.perf_counter() - started
        register = Register(kg)
        admin = Principal("bench", None, True)
        spec = f"{BASE}credential/bench-3"
        results = {
            "free_index": _time(register.free_index, options.repeats),
            "record_one_entry": _time(
                lambda: register.record(register.prepare(spec, "edc", None), "bench"), options.repeats
            ),
            "counts_all_cold": _time(lambda: (COUNTED.clear(), register.counts(Filters())), options.repeats),
            "counts_one_year_cold": _time(
                lambda: (COUNTED.clear(), register.counts(Filters(year=2026))), options.repeats
            ),
            "counts_cached": _time(lambda: register.counts(Filters()), options.repeats),
            "listing_page_of_20": _time(lambda: register.page(Filters(), admin, 20, 0), options.repeats),
            "status_list_build": _time(lambda: status_list.encode(*register.revoked_indexes()), options.repeats),
        }
        kg.close()
        return {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_at_end": os.getloadavg()},
            "entries": options.entries,
            "bulk_load_s": round(load_s, 1),
            "steps": results,
        }
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


def table(report: dict) -> str:
    lines = [
        f"{report['entries']:,} entries, bulk-loaded in {report['bulk_load_s']} s",
        "",
        f"{'step, ms':<28}{'p50':>9}{'max':>9}",
    ]
    for name, r in report["steps"].items():
        lines.append(f"  {name:<26}{r['p50_ms']:>9.2f}{r['max_ms']:>9.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    run_benchmark(parser, {}, run, table, name="register", timeout=1800)


if __name__ == "__main__":
    main()
