"""Facts of the ESCO classification the code relies on: its collections (concept schemes) and value IRIs."""

from __future__ import annotations

ESCO_DATA = "http://data.europa.eu/esco/"
SCHEME = f"{ESCO_DATA}concept-scheme/"

# the skill collections by their usual names -> their concept schemes (from the export's conceptSchemes file)
COLLECTIONS: dict[str, str] = {
    "digital": f"{SCHEME}6c930acd-c104-4ece-acf7-f44fd7333036",
    "green": f"{SCHEME}green",
    "transversal": f"{SCHEME}skill-transversal-groups",
    "language": f"{SCHEME}skill-language-groups",
    "research": f"{SCHEME}research",
    "digcomp": f"{SCHEME}digcomp",
}
SKILL_TYPES = {"skill/competence": f"{ESCO_DATA}skill-type/skill", "knowledge": f"{ESCO_DATA}skill-type/knowledge"}
REUSE_LEVELS = ("transversal", "cross-sector", "sector-specific", "occupation-specific")
ATTRIBUTION = "This service uses the ESCO classification of the European Commission."


def scheme_iri(value: str) -> str | None:
    """A concept scheme named by collection name (green), local name (skill-transversal-groups) or IRI."""
    value = value.strip()
    if value.lower() in COLLECTIONS:
        return COLLECTIONS[value.lower()]
    if value.startswith(SCHEME) and len(value) > len(SCHEME):
        return value
    if value and "/" not in value and ":" not in value:
        return SCHEME + value
    return None
