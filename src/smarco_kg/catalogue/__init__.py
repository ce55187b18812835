"""The catalogue layer under every interface: class entries, filters, the JSON-LD vocabulary, reads and writes."""

from smarco_kg.catalogue.classes import CLASSES, ClassEntry
from smarco_kg.catalogue.registry import Catalogue, CatalogueError

__all__ = ["CLASSES", "Catalogue", "CatalogueError", "ClassEntry"]
