"""ESCO skills from text: quality on a development set and on public benchmarks, speed, build time and memory.

One run, with the whole English ESCO in a store (``smarco-kg init --esco full --no-demo`` in a temp dir, or
``--store DIR``):

  speed     in a child process pinned to one core (one BLAS thread): read ESCO from the store and build the index
            (timed, no index file), its peak RSS (``VmHWM``), then ``extract`` on every sentence (p50, p95), then the
            index read back from its file beside the store
  dev       ESCO itself, held out: one alternative label of 1,000 skills (chosen with a seed) is removed from the
            index and queried; so is the description of 500 other skills (its first sentence is the query). One
            relevant skill per query, so R-precision@5 is the hit rate at 5
  outcomes  the demo courses' learning outcomes (data/courses.trig) with the ESCO skills they name
  public    with ``--benchmarks DIR``: the HOUSE, TECH and TECHWOLF test sets of Decorte et al. (job-ad sentences
            annotated with ESCO preferred labels; files ``house_test_annotations.csv``, ``tech_test_annotations.csv``,
            ``techwolf_test_annotations.csv``, columns ``sentence`` and ``label``, several rows per sentence; rows
            whose label is no ESCO skill are left out) and the validation files if present, scored alongside the
            off-the-shelf baseline (WordLlama over preferred and alternative labels, cosine ranking)

R-precision@5 of a sentence = |relevant ∩ top 5| / min(5, |relevant|), averaged; MRR is the mean of 1 / the rank
of the first relevant skill. The JSON goes to bench/out/skills.json.

    .venv/bin/python bench/skills.py --benchmarks /work/benchdata [--store DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"p50_ms": 20.0, "build_seconds": 60.0, "peak_rss_mib": 300.0, "points_over_baseline": 10.0}
ISSUE_GOALS = {"house": 40.0, "tech": 31.0, "techwolf": 33.0}  # R-precision@5 the issue asks for
BENCHMARKS = ("house", "tech", "techwolf")
ELM = "http://data.europa.eu/snb/model/elm/"


def say(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- data ------------------------------------------------------------------------------------------------------------


def read_benchmarks(folder: Path) -> dict[str, dict[str, set[str]]]:
    """name -> sentence -> the ESCO preferred labels annotated (test files and, when present, validation files)."""
    sets: dict[str, dict[str, set[str]]] = {}
    for name in BENCHMARKS:
        for split in ("test", "validation"):
            path = folder / f"{name}_{split}_annotations.csv"
            if not path.exists():
                continue
            sentences: dict[str, set[str]] = {}
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    label = (row.get("label") or "").strip()
                    if label and label not in ("LABEL NOT PRESENT", "UNDERSPECIFIED"):
                        sentences.setdefault(row["sentence"], set()).add(label)
            sets[f"{name}" if split == "test" else f"{name} (validation)"] = sentences
    return sets


def demo_outcomes() -> dict[str, set[str]]:
    """The demo courses' outcomes (English titles) -> the skill IRIs they name."""
    import rdflib

    graph = rdflib.Dataset()
    graph.parse(ROOT / "data" / "courses.trig", format="trig")
    found: dict[str, set[str]] = {}
    query = f"""SELECT ?title ?skill WHERE {{ GRAPH ?g {{ ?o a <{ELM}LearningOutcome> ;
      <http://purl.org/dc/terms/title> ?title ; <{ELM}relatedESCOSkill> ?skill FILTER(LANG(?title) = "en") }} }}"""
    for row in graph.query(query):
        found.setdefault(str(row.title), set()).add(str(row.skill))  # type: ignore[union-attr]
    return found


def held_out(records: list, seed: int, labels: int = 1000, descriptions: int = 500) -> tuple[list, dict, dict]:
    """Records with one alternative label of ``labels`` skills and the description of ``descriptions`` others
    removed, and the queries they make (the removed label, the description's first sentence -> the skill)."""
    rng = random.Random(seed)
    with_alternatives = [i for i, r in enumerate(records) if len(r.alternatives) >= 2]
    chosen = rng.sample(with_alternatives, labels)
    rest = [i for i, r in enumerate(records) if len(r.description) > 40 and i not in set(chosen)]
    described = rng.sample(rest, descriptions)
    changed = list(records)
    by_label: dict[str, set[str]] = {}
    by_description: dict[str, set[str]] = {}
    for i in chosen:
        record = records[i]
        label = rng.choice(record.alternatives)
        changed[i] = replace(record, alternatives=[a for a in record.alternatives if a != label])
        by_label.setdefault(label, set()).add(record.iri)
    for i in described:
        record = records[i]
        first = re.split(r"(?<=[.!?])\s", record.description, maxsplit=1)[0]
        changed[i] = replace(record, description="")
        by_description.setdefault(first, set()).add(record.iri)
    return changed, by_label, by_description


# -- measures --------------------------------------------------------------------------------------------------------


def score(rank, queries: dict[str, set[str]]) -> dict:
    """R-precision@5 and MRR (in points) of ``rank`` (text -> IRIs, best first) over ``queries``."""
    rp, rr = [], []
    for text, relevant in queries.items():
        top = rank(text)
        rp.append(len(relevant & set(top[:5])) / min(5, len(relevant)))
        rr.append(next((1 / (n + 1) for n, iri in enumerate(top) if iri in relevant), 0.0))
    count = max(len(rp), 1)
    return {"rp5": round(100 * sum(rp) / count, 1), "mrr": round(100 * sum(rr) / count, 1), "queries": len(rp)}


def as_iris(sets: dict[str, dict[str, set[str]]], records: list) -> dict[str, dict[str, set[str]]]:
    by_label = {r.label: r.iri for r in records}
    return {
        name: {s: {by_label[x] for x in labels if x in by_label} for s, labels in sentences.items()}
        for name, sentences in sets.items()
    }


class Baseline:
    """The off-the-shelf baseline: WordLlama's own ``embed`` over preferred and alternative labels, the best
    cosine of a skill's labels ranks it."""

    def __init__(self, records: list) -> None:
        import logging

        import numpy as np
        import wordllama
        from wordllama import WordLlama

        logging.getLogger().setLevel(logging.WARNING)  # importing wordllama sets the root logger to INFO
        self.np = np
        # the tokenizer ships in the wheel; pointing the cache at the package finds it without a download
        self.model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        texts, owners = [], []
        for row, record in enumerate(records):
            for text in [record.label, *record.alternatives]:
                texts.append(text)
                owners.append(row)
        self.iris = [r.iri for r in records]
        self.owners = np.asarray(owners)
        self.vectors = np.asarray(self.model.embed(texts, norm=True), dtype=np.float32)

    def rank(self, text: str, limit: int = 10) -> list[str]:
        np = self.np
        query = np.asarray(self.model.embed([text], norm=True), dtype=np.float32)[0]
        best = np.full(len(self.iris), -2.0, dtype=np.float32)
        np.maximum.at(best, self.owners, self.vectors @ query)
        return [self.iris[i] for i in np.argsort(-best)[:limit]]


# -- the child: speed, build and memory on one core ------------------------------------------------------------------


def child_speed(args: dict) -> dict:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from smarco_kg.config import Settings
    from smarco_kg.kg import KnowledgeGraph
    from smarco_kg.skill_extraction import SkillExtractor

    settings = Settings(store=args["store"])
    kg = KnowledgeGraph(settings, create=False)
    shutil.rmtree(settings.skill_index_dir, ignore_errors=True)
    before = _rss()
    started = time.perf_counter()
    index = kg.skills.index("en")
    build = time.perf_counter() - started
    after_build = _rss()
    texts = args["texts"]
    timings = []
    for text in texts[:20]:
        kg.skills.extract(text, "en", 10)  # warm-up: caches of stems and word vectors
    for text in texts:
        started = time.perf_counter()
        kg.skills.extract(text, "en", 10)
        timings.append(1000 * (time.perf_counter() - started))
    timings.sort()
    peak = _rss()["VmHWM"]  # the store, the model, one index and the caches of 926 texts: what a server adds
    started = time.perf_counter()
    reopened = SkillExtractor(kg.store, kg.graphs.esco, cache_dir=settings.skill_index_dir).index("en")
    load = time.perf_counter() - started  # a second copy of the index, as after a restart: not in the peak above
    assert len(reopened) == len(index)
    return {
        "skills": len(index),
        "labels": len(index.label_texts),
        "build_seconds": round(build, 1),
        "load_from_file_seconds": round(load, 2),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "sentences": len(timings),
        "rss_before_mib": before["VmRSS"],
        "rss_after_build_mib": after_build["VmRSS"],
        "peak_rss_mib": peak,
        "index_file_mib": round(sum(p.stat().st_size for p in settings.skill_index_dir.glob("*")) / 2**20, 1),
    }


def _rss() -> dict[str, float]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def run_child(task: str, args: dict) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [sys.executable, __file__, "--child", task, "--child-args", json.dumps(args)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {task} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the run ---------------------------------------------------------------------------------------------------------


def make_store(workdir: Path) -> Path:
    store = workdir / "store"
    say("smarco-kg init --esco full --no-demo (the whole English ESCO)")
    command = [sys.executable, "-m", "smarco_kg", "init", "--esco", "full", "--no-demo", "--store", str(store)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return store


def run(options: argparse.Namespace) -> dict:
    from smarco_kg.config import Settings
    from smarco_kg.kg import KnowledgeGraph
    from smarco_kg.skill_extraction import Weights
    from smarco_kg.skill_extraction.esco_skills import read_skills
    from smarco_kg.skill_extraction.index import SkillIndex
    from smarco_kg.skill_extraction.vectors import Embeddings

    workdir = Path(tempfile.mkdtemp(prefix="bench-skills-", dir=options.workdir))
    store = options.store or make_store(workdir)
    report: dict = {"store": str(store), "goals": GOALS}
    public = read_benchmarks(options.benchmarks) if options.benchmarks else {}
    texts = [s for name in BENCHMARKS for s in public.get(name, {})] or list(demo_outcomes())
    say(f"speed: one core, {len(texts)} sentences")
    report["speed"] = run_child("speed", {"store": str(store), "texts": texts})

    with KnowledgeGraph(Settings(store=store), create=False) as kg:
        records = read_skills(kg.store, kg.graphs.esco, "en")
    embeddings = Embeddings()
    weights = Weights()
    say(f"quality: {len(records)} skills")
    full = SkillIndex(records, "en", embeddings, weights)

    def ranker(index: SkillIndex):
        return lambda text: [index.iris[s.index] for s in index.rank(text, 10)]

    quality: dict = {}
    changed, by_label, by_description = held_out(records, options.seed)
    held = SkillIndex(changed, "en", embeddings, weights)
    quality["dev: held-out alternative labels"] = score(ranker(held), by_label)
    quality["dev: held-out descriptions"] = score(ranker(held), by_description)
    quality["demo outcomes"] = score(ranker(full), demo_outcomes())
    if public:
        say("public benchmarks and the baseline")
        baseline = Baseline(records)
        for name, sentences in as_iris(public, records).items():
            sentences = {s: v for s, v in sentences.items() if v}
            quality[name] = {"extractor": score(ranker(full), sentences), "baseline": score(baseline.rank, sentences)}
        ablations: dict = {}
        for label, change in [
            ("labels only", {"bm25": 0.0, "vectors": 0.0, "spans": 0.0, "demand": 0.0}),
            ("bm25 only", {"labels": 0.0, "vectors": 0.0, "spans": 0.0, "demand": 0.0}),
            ("vectors and spans only", {"labels": 0.0, "bm25": 0.0, "demand": 0.0}),
            ("without demand", {"demand": 0.0}),
            ("without spans", {"spans": 0.0}),
        ]:
            variant = SkillIndex(records, "en", embeddings, replace(weights, **change))
            ablations[label] = {
                name: score(ranker(variant), {s: v for s, v in sentences.items() if v})["rp5"]
                for name, sentences in as_iris(public, records).items()
                if name in BENCHMARKS
            }
        report["ablations_rp5"] = ablations
    report["quality"] = quality
    if not options.keep and options.store is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def table(report: dict) -> str:
    speed, quality = report["speed"], report["quality"]
    lines = [
        f"index of {speed['skills']:,} skills ({speed['labels']:,} labels), one core:",
        f"  build from the store  {speed['build_seconds']:8.1f} s    goal <= 60 s     "
        + ("ok" if speed["build_seconds"] <= GOALS["build_seconds"] else "MISS"),
        f"  read from its file    {speed['load_from_file_seconds']:8.2f} s    "
        f"({speed['index_file_mib']} MiB beside the store)",
        f"  extract p50           {speed['p50_ms']:8.2f} ms   goal <= 20 ms    "
        + ("ok" if speed["p50_ms"] <= GOALS["p50_ms"] else "MISS")
        + f"   (p95 {speed['p95_ms']} ms, {speed['sentences']} sentences)",
        f"  peak RSS              {speed['peak_rss_mib']:8.1f} MiB goal <= 300 MiB  "
        + ("ok" if speed["peak_rss_mib"] <= GOALS["peak_rss_mib"] else "MISS")
        + f"   (before {speed['rss_before_mib']} MiB, after the build {speed['rss_after_build_mib']} MiB)",
        "",
        f"{'set':38} {'RP@5':>6} {'MRR':>6} {'n':>5}   {'baseline RP@5':>13} {'MRR':>6}   {'gain':>5}",
    ]
    for name, result in quality.items():
        if "extractor" in result:
            ours, base = result["extractor"], result["baseline"]
            gain = ours["rp5"] - base["rp5"]
            mark = ""
            if name in ISSUE_GOALS:
                met = gain >= GOALS["points_over_baseline"] and ours["rp5"] >= ISSUE_GOALS[name]
                mark = f"  goal >= {ISSUE_GOALS[name]:.0f} and +10: " + ("ok" if met else "MISS")
            lines.append(
                f"{name:38} {ours['rp5']:6.1f} {ours['mrr']:6.1f} {ours['queries']:5}   "
                f"{base['rp5']:13.1f} {base['mrr']:6.1f}   {gain:+5.1f}{mark}"
            )
        else:
            lines.append(f"{name:38} {result['rp5']:6.1f} {result['mrr']:6.1f} {result['queries']:5}")
    for name, values in report.get("ablations_rp5", {}).items():
        lines.append(f"  ablation {name:28} " + "  ".join(f"{k} {v:.1f}" for k, v in values.items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a store holding the whole ESCO [default: made in a temp dir]")
    parser.add_argument("--benchmarks", type=Path, help="folder of the HOUSE, TECH and TECHWOLF annotation files")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "skills.json")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-args", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps({"speed": child_speed}[options.child](json.loads(options.child_args))), flush=True)
        return
    started = time.perf_counter()
    report = run(options)
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(table(report))


if __name__ == "__main__":
    main()
