"""A throwaway class added the way docs/architecture.md says: a shape in a shapes folder, one ``ClassEntry`` and a
demo file; the catalogue tests build a store and a server with it (``create`` is a uvicorn app factory)."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import FastAPI
from rdflib import Namespace
from rdflib.namespace import DCTERMS

from smarco_kg.api.app import create_app
from smarco_kg.catalogue import CLASSES, ClassEntry
from smarco_kg.catalogue.filters import text_filter
from smarco_kg.config import PROJECT_ROOT, Settings

EX = Namespace("http://example.org/throwaway#")

SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/throwaway#> .

ex:WorkshopShape a sh:NodeShape ;
    rdfs:label "Workshop"@en ;
    sh:targetClass ex:Workshop ;
    sh:property [ sh:path dct:title ; sh:datatype <http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> ;
                  sh:minCount 1 ; sh:uniqueLang true ] ;
    sh:property [ sh:path dct:description ; sh:datatype <http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> ] .
"""

DEMO = """@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <http://example.org/throwaway#> .

<graph/partner/cefriel> {
    <workshop/digital-twins-hands-on> a ex:Workshop ;
        dct:title "Hands-on digital twins for city planners"@en, "Gemelli digitali per urbanisti"@it ;
        dct:description "A one-day workshop building a district's digital twin."@en .
}
"""

WORKSHOPS = ClassEntry(
    "workshops",
    "workshop",
    "workshop/",
    DCTERMS.title,
    shapes=(EX.WorkshopShape,),
    home=("workshops",),
    search_type="workshop",
    search_descriptions=True,
    demo_file="workshops.trig",
    owned=True,
    filters=(text_filter(DCTERMS.title, DCTERMS.description),),
    summary=((DCTERMS.description,),),
)
CLASSES_WITH_WORKSHOPS = (*CLASSES, WORKSHOPS)


def folders(root: Path) -> tuple[Path, Path]:
    """A shapes folder and a data folder: the project's, plus the workshop's shape and demo file."""
    shapes, data = root / "shapes", root / "data"
    shutil.copytree(PROJECT_ROOT / "shapes", shapes)
    shutil.copytree(PROJECT_ROOT / "data", data)
    (shapes / "workshop.ttl").write_text(SHAPE, encoding="utf-8")
    (data / "workshops.trig").write_text(DEMO, encoding="utf-8")
    return shapes, data


def create() -> FastAPI:
    """The application with the workshops, over the store and folders the environment names."""
    return create_app(Settings(), CLASSES_WITH_WORKSHOPS)
