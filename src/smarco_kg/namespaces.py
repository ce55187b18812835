"""The vocabularies smarco-kg speaks, as rdflib namespaces and as a prefix map for SPARQL and Turtle."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, RDF, RDFS, SH, SKOS, XSD

SMARCO = Namespace("https://w3id.org/smarco/ontology#")
SMSH = Namespace("https://w3id.org/smarco/shapes#")
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
ESCO = Namespace("http://data.europa.eu/esco/model#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
PROV = Namespace("http://www.w3.org/ns/prov#")

PREFIXES: dict[str, str] = {
    "smarco": str(SMARCO),
    "elm": str(ELM),
    "esco": str(ESCO),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "foaf": str(FOAF),
    "org": str(ORG),
    "rov": str(ROV),
    "schema": str(SCHEMA),
    "dcat": str(DCAT),
    "void": str(VOID),
    "prov": str(PROV),
    "sh": str(SH),
}

__all__ = ["ELM", "ESCO", "PREFIXES", "PROV", "ROV", "SCHEMA", "SMARCO", "SMSH", "VOID"]
