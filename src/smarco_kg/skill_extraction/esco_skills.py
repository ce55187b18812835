"""The ESCO skills the extractor is built from, read from the store's ESCO graph: labels, descriptions, hierarchy."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from smarco_kg.formats import result_format
from smarco_kg.store import GraphStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ESCO = "http://data.europa.eu/esco/model#"
LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass
class SkillRecord:
    """One ESCO skill in one language, as the index needs it."""

    iri: str
    label: str  # the preferred label
    alternatives: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    description: str = ""
    broader: list[str] = field(default_factory=list)  # preferred labels of its broader skills and skill groups
    occupations: float = 0.0  # occupations that need it (essential 1, optional 0.5): how often work asks for it


def _values(store: GraphStore, query: str) -> Iterator[dict[str, str]]:
    """Solutions as plain strings, read row by row from the store's own SPARQL CSV serialisation: many times faster
    than making rdflib terms of ESCO's 200,000 labels, and no document of them all held at once."""
    data = store.query(query).serialize(result_format("csv"))
    yield from csv.DictReader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""))


def _text_rows(store: GraphStore, graph: str, predicate: str, lang: str, typed: bool) -> Iterator[tuple[str, str]]:
    kind = f"?s a <{ESCO}Skill> ." if typed else ""
    query = f"""SELECT ?s ?o WHERE {{ GRAPH <{graph}> {{
  {kind} ?s <{predicate}> ?o FILTER(LANGMATCHES(LANG(?o), "{lang}")) }} }}"""
    for row in _values(store, query):
        yield row["s"], row["o"].strip()


def read_skills(store: GraphStore, graph: str, lang: str) -> list[SkillRecord]:
    """Every ``esco:Skill`` of ``graph`` with a preferred label in ``lang``, in IRI order (so an index built twice
    from the same graph is the same index)."""
    if not LANGUAGE.match(lang):
        raise ValueError(f"not a language code: {lang!r}")
    skills: dict[str, SkillRecord] = {}
    for iri, label in _text_rows(store, graph, f"{SKOS}prefLabel", lang, typed=True):
        if label and iri not in skills:
            skills[iri] = SkillRecord(iri, label)
    for predicate, attribute in ((f"{SKOS}altLabel", "alternatives"), (f"{SKOS}hiddenLabel", "hidden")):
        for iri, text in _text_rows(store, graph, predicate, lang, typed=True):
            record = skills.get(iri)
            if record is not None and text and text != record.label:
                getattr(record, attribute).append(text)
    for iri, text in _text_rows(store, graph, f"{DCT}description", lang, typed=True):
        record = skills.get(iri)
        if record is not None and len(text) > len(record.description):
            record.description = text
    groups = f"""SELECT ?s ?label WHERE {{ GRAPH <{graph}> {{ ?s a <{ESCO}Skill> ; <{SKOS}broader> ?b .
  ?b <{SKOS}prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "{lang}")) }} }}"""
    for row in _values(store, groups):
        record = skills.get(row["s"])
        if record is not None:
            record.broader.append(row["label"].strip())
    demand = f"""SELECT ?s (SUM(IF(?p = <{ESCO}relatedEssentialSkill>, 1.0, 0.5)) AS ?n) WHERE {{ GRAPH <{graph}> {{
  VALUES ?p {{ <{ESCO}relatedEssentialSkill> <{ESCO}relatedOptionalSkill> }} ?o a <{ESCO}Occupation> ; ?p ?s }} }}
GROUP BY ?s"""
    for row in _values(store, demand):
        record = skills.get(row["s"])
        if record is not None:
            record.occupations = float(row["n"])
    for record in skills.values():
        record.alternatives = sorted(set(record.alternatives))
        record.hidden = sorted(set(record.hidden) - set(record.alternatives))
        record.broader.sort()
    return [skills[iri] for iri in sorted(skills)]


def esco_stamp(store: GraphStore, graph: str) -> str:
    """What changes whenever ESCO is imported again: the import's time and the number of skills (the subset
    loaded at ``init`` carries no import time). Costs one small query (~10 ms with the whole ESCO)."""
    query = f"""SELECT (SAMPLE(?t) AS ?time) (COUNT(?s) AS ?n) WHERE {{ GRAPH <{graph}> {{
  {{ ?s a <{ESCO}Skill> }} UNION {{ <{graph}> <{PROV}generatedAtTime> ?t }} }} }}"""
    for row in _values(store, query):
        return f"{row.get('time', '')}|{row.get('n', '0')}"
    return ""


def skill_languages(store: GraphStore, graph: str) -> list[str]:
    """The languages ESCO's preferred labels of skills come in, in this store."""
    query = f"""SELECT DISTINCT (LANG(?o) AS ?lang) WHERE {{ GRAPH <{graph}> {{
  ?s a <{ESCO}Skill> ; <{SKOS}prefLabel> ?o }} }}"""
    found = {row["lang"].lower().split("-")[0] for row in _values(store, query) if row.get("lang")}
    return sorted(found)
