"""``/api/credentials/{id}/stack`` against a live server over the demo store.

Expected answers are recomputed here from the demo TriG files (which micro-credentials stack into which certificate,
their ECTS credits and the ESCO skills of their outcomes), the official ESCO CSVs (skill labels and the skills
pillar's broader relations, for coverage through a narrower skill), independently of the store and the service.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from rdflib import RDF, Dataset, Namespace, URIRef

from smarco_kg.config import Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.store import GraphStore
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

DATA = Settings().data_dir
ESCO_CSV = Settings().esco_export
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
DCT = Namespace("http://purl.org/dc/terms/")
SMARCO = Namespace("https://w3id.org/smarco/ontology#")
BASE = "https://w3id.org/smarco/"
CREDENTIAL = f"{BASE}credential/"
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"


@dataclass(frozen=True)
class Demo:
    certificates: dict[str, set[str]]  # certificate -> the micro-credentials stacking into it
    stacks_into: dict[str, set[str]]  # micro-credential -> certificates
    ects: dict[str, float]  # credential -> its ECTS credits
    titles: dict[str, str]
    outcomes: dict[str, dict[str, set[str]]]  # certificate -> outcome -> its skills
    teaches: dict[str, set[str]]  # micro-credential -> skills its outcomes name
    above: dict[str, set[str]]  # skill -> itself and every broader concept (transitively)
    labels: dict[str, str]  # ESCO skill -> preferred label

    def covered(self, have: set[str]) -> set[str]:
        """Every concept a held micro-credential names, itself or through a narrower skill."""
        return {up for mc in have for skill in self.teaches[mc] for up in self.above.get(skill, {skill})}

    def skills(self, certificate: str) -> set[str]:
        return set().union(*self.outcomes[certificate].values())


def load(extra: str = "") -> Demo:
    """The scheme as the demo files (plus ``extra`` TriG) state it."""
    data = Dataset()
    for name in ("courses.trig", "credentials.trig"):
        data.parse(DATA / name, format="trig", publicID=BASE)
    if extra:
        data.parse(data=extra, format="trig", publicID=BASE)
    graph = data.graph(URIRef("urn:x-rdflib:default"))
    for context in data.graphs():
        for triple in context:
            graph.add(triple)

    def ects(node: URIRef) -> list[float]:
        return [
            float(graph.value(c, ELM.point)) for c in graph.objects(node, ELM.creditPoint)
            if str(graph.value(c, ELM.framework)) == ECTS
        ]  # fmt: skip

    def skills_of(node: URIRef) -> dict[str, set[str]]:
        return {
            str(o): {str(s) for s in graph.objects(o, ELM.relatedESCOSkill)}
            for o in graph.objects(node, ELM.learningOutcome)
        }

    certificates = {str(c): set() for c in graph.subjects(RDF.type, SMARCO.Certificate)}
    stacks_into: dict[str, set[str]] = {}
    for mc in graph.subjects(RDF.type, SMARCO.MicroCredential):
        stacks_into[str(mc)] = {str(c) for c in graph.objects(mc, SMARCO.stacksInto)}
        for c in stacks_into[str(mc)]:
            certificates[c].add(str(mc))
    every = [URIRef(c) for c in [*certificates, *stacks_into]]

    broader: dict[str, set[str]] = defaultdict(set)
    with (ESCO_CSV / "relations" / "broaderRelationsSkillPillar.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            broader[row["conceptUri"]].add(row["broaderUri"])
    teaches = {mc: set().union(*skills_of(URIRef(mc)).values()) for mc in stacks_into}
    above: dict[str, set[str]] = {}
    for skill in set().union(*teaches.values()):
        seen, todo = {skill}, [skill]
        while todo:
            for up in broader.get(todo.pop(), ()):
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        above[skill] = seen
    with (ESCO_CSV / "classification-en" / "skills_en.csv").open(newline="", encoding="utf-8") as handle:
        labels = {row["conceptUri"]: row["preferredLabel"].strip() for row in csv.DictReader(handle)}
    return Demo(
        certificates,
        stacks_into,
        {str(c): ects(c)[0] for c in every if ects(c)},
        {str(c): str(graph.value(c, DCT.title)) for c in every}
        | {o: str(graph.value(URIRef(o), DCT.title)) for c in certificates for o in skills_of(URIRef(c))},
        {c: skills_of(URIRef(c)) for c in certificates},
        teaches,
        above,
        labels,
    )


@pytest.fixture(scope="module")
def demo() -> Demo:
    return load()


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("stacking"), partner="cefriel") as server:
        yield server


def stack(api: LiveServer, credential: str, have: list[str] | tuple[str, ...] = ()) -> dict:
    local = credential.removeprefix(CREDENTIAL)
    response = api.client.get(f"{api.url}/api/credentials/{local}/stack", params={"have": list(have)})
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def expected(demo: Demo, certificate: str, have: set[str]) -> dict:
    """What the answer for one certificate must say, from the files alone."""
    parts = demo.certificates[certificate]
    held = have & parts
    held_ects = sum(demo.ects[m] for m in held)
    required = demo.ects.get(certificate, sum(demo.ects[m] for m in parts))  # no credits stated: the parts' sum
    missing_skills = demo.skills(certificate) - demo.covered(have)
    return {
        "complete": held == parts and held_ects >= required,
        "held": held,
        "missing": parts - held,
        "ects": (required, held_ects, max(0.0, required - held_ects)),
        "skills": missing_skills,
        "outcomes": {o for o, skills in demo.outcomes[certificate].items() if skills & missing_skills},
        "notCounted": have - parts,
    }


def check(demo: Demo, answer: dict, have: set[str]) -> None:
    """One certificate's entry of an answer against the files."""
    certificate = answer["certificate"]["id"]
    want = expected(demo, certificate, have)
    assert answer["certificate"]["title"] == demo.titles[certificate]
    assert answer["certificate"]["ects"] == demo.ects.get(certificate)
    assert answer["complete"] is want["complete"], (certificate, sorted(have))
    parts = {m["id"]: m for m in answer["microCredentials"]}
    assert set(parts) == demo.certificates[certificate]
    assert {m for m, entry in parts.items() if entry["held"]} == want["held"]
    assert all(entry["title"] == demo.titles[m] and entry["ects"] == demo.ects[m] for m, entry in parts.items())
    missing = answer["missing"]
    assert {m["id"] for m in missing["microCredentials"]} == want["missing"]
    required, held_ects, missing_ects = want["ects"]
    assert answer["ects"] == {"required": required, "held": held_ects}
    assert missing["ects"] == missing_ects
    assert {s["id"] for s in missing["skills"]} == want["skills"]
    assert answer["outcomesCovered"] is (not want["skills"])
    for skill in missing["skills"]:
        assert skill["label"] == demo.labels[skill["id"]]
        would = {m for m in want["missing"] if skill["id"] in demo.covered({m})}
        assert {m["id"] for m in skill["coveredBy"]} == would, skill
    assert {o["id"] for o in missing["outcomes"]} == want["outcomes"]
    for outcome in missing["outcomes"]:
        assert outcome["title"] == demo.titles[outcome["id"]]
        assert {s["id"] for s in outcome["skills"]} == demo.outcomes[certificate][outcome["id"]]
        assert all(s["label"] == demo.labels[s["id"]] for s in outcome["skills"])
    assert {m["id"] for m in answer["notCounted"]} == want["notCounted"]


# -- the demo scheme, as the files state it ---------------------------------------------------------------------


def test_the_demo_scheme_is_three_certificates_of_fourteen_micro_credentials(demo: Demo) -> None:
    assert len(demo.certificates) == 3 and len(demo.stacks_into) == 14
    assert all(len(into) == 1 for into in demo.stacks_into.values())
    for certificate, parts in demo.certificates.items():  # the data's own rule: the certificate's ECTS are the sum
        assert demo.ects[certificate] == sum(demo.ects[m] for m in parts)


# -- certificates ---------------------------------------------------------------------------------------------------


def test_a_certificate_lists_the_micro_credentials_stacking_into_it(api: LiveServer, demo: Demo) -> None:
    for certificate, parts in demo.certificates.items():
        answer = stack(api, certificate)
        assert answer["credential"]["id"] == certificate and answer["credential"]["type"] == "certificate"
        assert answer["credential"]["stacksInto"] == [] and answer["have"] == []
        assert [c["certificate"]["id"] for c in answer["certificates"]] == [certificate]
        assert {m["id"] for m in answer["certificates"][0]["microCredentials"]} == parts


def test_completion_with_every_none_and_all_but_one_micro_credential(api: LiveServer, demo: Demo) -> None:
    for certificate, parts in demo.certificates.items():
        cases = [set(parts), set(), *(parts - {left_out} for left_out in parts)]
        for have in cases:
            (answer,) = stack(api, certificate, sorted(have))["certificates"]
            check(demo, answer, have)
            assert answer["complete"] is (have == parts)
            if have == parts:
                assert answer["missing"]["microCredentials"] == [] and answer["missing"]["ects"] == 0
            elif not have:
                assert answer["missing"]["ects"] == demo.ects[certificate] and answer["ects"]["held"] == 0
            else:
                (left_out,) = parts - have
                assert answer["missing"]["ects"] == demo.ects[left_out]


def test_missing_skills_name_what_no_held_micro_credential_covers(api: LiveServer, demo: Demo) -> None:
    """Skills are judged on their own: some certificate skills are named by none of its micro-credentials (the
    full set leaves them missing, with nothing that would cover them), others by one part only."""
    uncovered_by_scheme = 0
    for certificate, parts in demo.certificates.items():
        (answer,) = stack(api, certificate, sorted(parts))["certificates"]
        check(demo, answer, set(parts))
        uncovered_by_scheme += len(answer["missing"]["skills"])
        assert all(s["coveredBy"] == [] for s in answer["missing"]["skills"])
        (none,) = stack(api, certificate)["certificates"]
        assert {s["id"] for s in none["missing"]["skills"]} == demo.skills(certificate)
        assert {o["id"] for o in none["missing"]["outcomes"]} == {
            o for o, skills in demo.outcomes[certificate].items() if skills
        }
    expected_gaps = sum(len(demo.skills(c) - demo.covered(p)) for c, p in demo.certificates.items())
    assert uncovered_by_scheme == expected_gaps


def test_held_micro_credentials_of_another_certificate_are_not_counted(api: LiveServer, demo: Demo) -> None:
    first, second = sorted(demo.certificates)[:2]
    have = set(demo.certificates[first]) | {sorted(demo.certificates[second])[0]}
    (answer,) = stack(api, first, sorted(have))["certificates"]
    check(demo, answer, have)
    assert answer["complete"] is True
    assert [m["id"] for m in answer["notCounted"]] == [sorted(demo.certificates[second])[0]]
    assert answer["ects"]["held"] == demo.ects[first]


def test_have_takes_ids_and_iris_alike(api: LiveServer, demo: Demo) -> None:
    certificate = sorted(demo.certificates)[0]
    parts = sorted(demo.certificates[certificate])
    by_iri = stack(api, certificate, parts[:2])
    by_id = stack(api, certificate, [p.removeprefix(CREDENTIAL) for p in parts[:2]] + [parts[0]])  # a repeat too
    assert by_iri == by_id
    assert [h["id"] for h in by_iri["have"]] == parts[:2]


# -- micro-credentials ------------------------------------------------------------------------------------------------


def test_a_micro_credential_shows_its_certificates_counting_itself_as_held(api: LiveServer, demo: Demo) -> None:
    for mc, into in demo.stacks_into.items():
        answer = stack(api, mc)
        assert answer["credential"]["type"] == "micro-credential"
        assert set(answer["credential"]["stacksInto"]) == into
        assert answer["credential"]["ects"] == demo.ects[mc]
        assert {c["certificate"]["id"] for c in answer["certificates"]} == into
        for entry in answer["certificates"]:
            check(demo, entry, {mc})
            assert [m["id"] for m in entry["microCredentials"] if m["held"]] == [mc]


def test_a_micro_credential_completes_a_certificate_with_the_others(api: LiveServer, demo: Demo) -> None:
    for certificate, parts in demo.certificates.items():
        mc, *others = sorted(parts)
        (complete,) = stack(api, mc, others)["certificates"]
        assert complete["certificate"]["id"] == certificate
        check(demo, complete, set(parts))
        assert complete["complete"] is True
        (short,) = stack(api, mc, others[1:])["certificates"]
        check(demo, short, set(parts) - {others[0]})
        assert short["complete"] is False
        assert [m["id"] for m in short["missing"]["microCredentials"]] == [others[0]]


# -- a seeded scheme: a certificate without credits, coverage through a narrower skill, two certificates -------------

LOGISTICS = f"{CREDENTIAL}test-logistics-data"  # names a narrower skill of "analyse big data"
NO_CREDITS = f"{CREDENTIAL}test-certificate-without-credits"
MORE_CREDITS = f"{CREDENTIAL}test-certificate-with-more-credits"  # 10 ECTS, more than its one part's 2.5
ENGINEERING = f"{CREDENTIAL}smarco-certificate-smart-city-engineering"
URBAN_DATA = f"{CREDENTIAL}urban-data-analytics"  # of the engineering certificate; names "analyse big data" itself
BIG_DATA = "http://data.europa.eu/esco/skill/47a49cd6-097d-457a-9f7b-c290c14930d5"
CYBER_SECURITY = "http://data.europa.eu/esco/skill/8088750d-8388-4170-a76f-48354c469c44"
SEEDED = f"""
@prefix smarco: <https://w3id.org/smarco/ontology#> .
@prefix elm: <http://data.europa.eu/snb/model/elm/> .
@prefix dct: <http://purl.org/dc/terms/> .
<graph/test/stacking> {{
  <{LOGISTICS}> a smarco:MicroCredential, elm:LearningAchievementSpecification ;
    dct:title "Test: logistics data analysis"@en ;
    elm:creditPoint [ a elm:CreditPoint ; elm:framework <{ECTS}> ; elm:point "2.5" ] ;
    elm:learningOutcome <{LOGISTICS}/outcome/1> ;
    smarco:stacksInto <{NO_CREDITS}>, <{MORE_CREDITS}>, <{ENGINEERING}> .
  <{LOGISTICS}/outcome/1> a elm:LearningOutcome ; dct:title "Analyse logistics data"@en ;
    elm:relatedESCOSkill <http://data.europa.eu/esco/skill/6f993130-082b-4732-b62f-52cdf2096ad9> .
  <{NO_CREDITS}> a smarco:Certificate, elm:LearningAchievementSpecification ;
    dct:title "Test certificate without credits"@en ;
    elm:learningOutcome <{NO_CREDITS}/outcome/1> .
  <{NO_CREDITS}/outcome/1> a elm:LearningOutcome ; dct:title "Analyse data securely"@en ;
    elm:relatedESCOSkill <{BIG_DATA}>, <{CYBER_SECURITY}> .
  <{MORE_CREDITS}> a smarco:Certificate, elm:LearningAchievementSpecification ;
    dct:title "Test certificate with more credits"@en ;
    elm:creditPoint [ a elm:CreditPoint ; elm:framework <{ECTS}> ; elm:point "10" ] .
}}
"""


@pytest.fixture(scope="module")
def seeded(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    def seed(store: GraphStore) -> None:
        store.bulk_load(SEEDED.encode(), rdf_syntax("trig"), base_iri=BASE)

    with live_server(_demo_template, tmp_path_factory.mktemp("seeded"), partner="cefriel", seed=seed) as server:
        yield server


@pytest.fixture(scope="module")
def scheme() -> Demo:
    """The demo scheme with the seeded credentials."""
    return load(SEEDED)


def test_a_micro_credential_stacking_into_two_certificates_shows_both(seeded: LiveServer, scheme: Demo) -> None:
    answer = stack(seeded, LOGISTICS)
    assert {c["certificate"]["id"] for c in answer["certificates"]} == {NO_CREDITS, MORE_CREDITS, ENGINEERING}
    for entry in answer["certificates"]:
        check(scheme, entry, {LOGISTICS})


def test_a_skill_is_covered_through_a_narrower_one_and_credits_default_to_the_parts(
    seeded: LiveServer, scheme: Demo
) -> None:
    (answer,) = stack(seeded, NO_CREDITS, [LOGISTICS])["certificates"]
    check(scheme, answer, {LOGISTICS})
    assert answer["certificate"]["ects"] is None and answer["ects"] == {"required": 2.5, "held": 2.5}
    assert answer["complete"] is True
    assert [s["id"] for s in answer["missing"]["skills"]] == [CYBER_SECURITY]  # big data: through the narrower skill


def test_a_held_micro_credential_stacking_elsewhere_covers_skills_but_earns_no_credits(
    seeded: LiveServer, scheme: Demo
) -> None:
    (answer,) = stack(seeded, NO_CREDITS, [URBAN_DATA])["certificates"]
    check(scheme, answer, {URBAN_DATA})
    assert [m["id"] for m in answer["notCounted"]] == [URBAN_DATA] and answer["ects"]["held"] == 0
    assert answer["complete"] is False and answer["missing"]["ects"] == 2.5
    assert BIG_DATA not in {s["id"] for s in answer["missing"]["skills"]}


def test_reaching_the_credits_without_a_required_micro_credential_does_not_complete(
    seeded: LiveServer, scheme: Demo, demo: Demo
) -> None:
    original = demo.certificates[ENGINEERING]
    (answer,) = stack(seeded, ENGINEERING, sorted(original))["certificates"]
    check(scheme, answer, set(original))
    assert answer["missing"]["ects"] == 0 and answer["complete"] is False
    assert [m["id"] for m in answer["missing"]["microCredentials"]] == [LOGISTICS]


def test_holding_every_part_without_the_credits_does_not_complete(seeded: LiveServer, scheme: Demo) -> None:
    (answer,) = stack(seeded, MORE_CREDITS, [LOGISTICS])["certificates"]
    check(scheme, answer, {LOGISTICS})
    assert answer["missing"]["microCredentials"] == [] and answer["missing"]["ects"] == 7.5
    assert answer["complete"] is False and answer["outcomesCovered"] is True  # it names no outcome to cover


# -- errors ---------------------------------------------------------------------------------------------------------


def test_an_unknown_credential_is_404(api: LiveServer, demo: Demo) -> None:
    for local in ("no-such-credential", "Not_An_Id"):
        body = problem(api.client.get(f"{api.url}/api/credentials/{local}/stack"), 404)
        assert "credential" in body["title"]


def test_an_unknown_parameter_is_422(api: LiveServer, demo: Demo) -> None:
    certificate = sorted(demo.certificates)[0].removeprefix(CREDENTIAL)
    response = api.client.get(f"{api.url}/api/credentials/{certificate}/stack", params={"holding": "x"})
    body = problem(response, 422)
    assert body["errors"][0]["parameter"] == "holding"


@pytest.mark.parametrize(
    "value",
    ["no-such-micro-credential", f"{CREDENTIAL}no-such-micro-credential", "http://example.org/credential/x", "A B"],
)
def test_a_have_that_is_not_a_credential_is_422_naming_it(api: LiveServer, demo: Demo, value: str) -> None:
    certificate, parts = sorted(demo.certificates.items())[0]
    response = api.client.get(
        f"{api.url}/api/credentials/{certificate.removeprefix(CREDENTIAL)}/stack",
        params={"have": [sorted(parts)[0], value]},
    )
    body = problem(response, 422)
    assert [(e["parameter"], e["value"]) for e in body["errors"]] == [("have", value)]
    assert value in body["detail"]


def test_a_certificate_is_not_something_to_have(api: LiveServer, demo: Demo) -> None:
    first, second = sorted(demo.certificates)[:2]
    response = api.client.get(
        f"{api.url}/api/credentials/{first.removeprefix(CREDENTIAL)}/stack", params={"have": second}
    )
    body = problem(response, 422)
    assert body["errors"][0]["value"] == second and "certificate" in body["errors"][0]["message"]


def test_the_route_is_documented(api: LiveServer) -> None:
    spec = api.client.get(f"{api.url}/openapi.json").json()
    operation = spec["paths"]["/api/credentials/{id}/stack"]["get"]
    assert operation["summary"] and "stack" in operation["description"]
    assert operation["tags"] == ["Credentials"]
    have = next(p for p in operation["parameters"] if p["name"] == "have")
    assert have["in"] == "query" and have["schema"]["type"] == "array"
    for status in ("404", "422"):
        assert "application/problem+json" in operation["responses"][status]["content"]
