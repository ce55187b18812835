"""schema.org markup for search engines: a course as a schema.org ``Course`` in JSON-LD, embedded in its page."""

from __future__ import annotations

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from smarco_kg.catalogue.filters import EQF, LANGUAGE
from smarco_kg.catalogue.read import label_of, pick_label
from smarco_kg.catalogue.vocabulary import curie, local_name
from smarco_kg.namespaces import ELM, SMARCO

# ISO 639-2/B codes of the EU language authority -> BCP 47, for schema.org inLanguage and the switcher.
LANGUAGE_TAGS = {
    "BUL": "bg", "CES": "cs", "DAN": "da", "DEU": "de", "ELL": "el", "ENG": "en", "EST": "et", "FIN": "fi",
    "FRA": "fr", "GLE": "ga", "HRV": "hr", "HUN": "hu", "ITA": "it", "LAV": "lv", "LIT": "lt", "MLT": "mt",
    "NLD": "nl", "POL": "pl", "POR": "pt", "RON": "ro", "SLK": "sk", "SLV": "sl", "SPA": "es", "SWE": "sv",
}  # fmt: skip


def name_of(graph: Graph, node: Node, lang: str) -> str:
    """A node's label in ``lang`` (with fallbacks), else its CURIE."""
    label = label_of(graph, node, lang)
    if label is not None:
        return str(label)
    return curie(node) if isinstance(node, URIRef) else "(unnamed)"


def skills_in(graph: Graph) -> list[URIRef]:
    """The ESCO skills a description's outcomes relate to."""
    return sorted({o for o in graph.objects(None, ELM.relatedESCOSkill) if isinstance(o, URIRef)}, key=str)


def language_tag(iri: Node) -> str:
    code = str(iri)[len(LANGUAGE) :] if str(iri).startswith(LANGUAGE) else local_name(str(iri))
    return LANGUAGE_TAGS.get(code.upper(), code.lower())


def course_jsonld(graph: Graph, root: URIRef, base_iri: str, lang: str) -> dict:
    """The schema.org ``Course`` search engines read: name, description, provider, languages, credential, skills,
    EQF level."""

    def text(node: Node, prop: URIRef) -> str | None:
        values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
        picked = pick_label(values, lang) if values else None
        return str(picked) if picked is not None else None

    body: dict = {"@context": "https://schema.org", "@type": "Course", "@id": str(root), "url": str(root)}
    body["name"] = name_of(graph, root, lang)
    if description := text(root, DCTERMS.description):
        body["description"] = description
    providers = [
        {"@type": "Organization", "@id": str(o), "name": name_of(graph, o, lang), "url": str(o)}
        for o in sorted(graph.objects(root, ELM.providedBy), key=str)
    ]
    if providers:
        body["provider"] = providers[0] if len(providers) == 1 else providers
    specifications = list(graph.objects(root, ELM.learningAchievementSpecification))
    languages = {language_tag(o) for o in graph.objects(root, ELM.defaultLanguage)}
    for spec in specifications:
        languages |= {language_tag(o) for o in graph.objects(spec, DCTERMS.language)}
    if languages:
        body["inLanguage"] = sorted(languages)[0] if len(languages) == 1 else sorted(languages)
    credentials = [
        {"@type": "EducationalOccupationalCredential", "@id": str(s), "name": name_of(graph, s, lang), "url": str(s)}
        for s in specifications
        if str(s).startswith(f"{base_iri}credential/")
        or any(t in (SMARCO.MicroCredential, SMARCO.Certificate) for t in graph.objects(s, RDF.type))
    ]
    if credentials:
        body["educationalCredentialAwarded"] = credentials[0] if len(credentials) == 1 else credentials
    skills = [
        {"@type": "DefinedTerm", "@id": str(s), "name": name_of(graph, s, lang), "url": str(s),
         "inDefinedTermSet": "http://data.europa.eu/esco/concept-scheme/skills"}
        for s in skills_in(graph)
    ]  # fmt: skip
    if skills:
        body["teaches"] = skills
    levels = sorted({str(o) for spec in specifications for o in graph.objects(spec, ELM.EQFLevel)})
    if levels:
        level = levels[0]
        number = level[len(EQF) :] if level.startswith(EQF) else local_name(level)
        body["educationalLevel"] = {
            "@type": "DefinedTerm",
            "name": f"EQF level {number}",
            "termCode": number,
            "url": level,
            "inDefinedTermSet": "https://europa.eu/europass/en/european-qualifications-framework-eqf",
        }
    return body


def markup(graph: Graph, root: URIRef, base_iri: str, lang: str) -> dict | None:
    """The schema.org markup of ``root`` when its class has a mapping (courses), else None."""
    if (root, RDF.type, ELM.LearningOpportunity) in graph:
        return course_jsonld(graph, root, base_iri, lang)
    return None
