"""The named graphs that carry provenance: one per partner, one for the ontology, one per imported source."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Graphs:
    """Graph IRIs under one base IRI, so every deployment names its graphs the same way."""

    base_iri: str

    @property
    def ontology(self) -> str:
        return f"{self.base_iri}graph/ontology"

    @property
    def vocabularies(self) -> str:
        """The Europass and EU code lists (EQF, modes, languages, countries…)."""
        return f"{self.base_iri}graph/vocabularies"

    @property
    def esco(self) -> str:
        return f"{self.base_iri}graph/esco"

    @property
    def register(self) -> str:
        """The register of issued credentials: their facts, never anything about the learner but the country."""
        return f"{self.base_iri}graph/register"

    def partner(self, slug: str) -> str:
        """The graph of one partner's own contributions; its tokens may write only here."""
        return f"{self.base_iri}graph/partner/{slug}"

    @property
    def partner_prefix(self) -> str:
        return f"{self.base_iri}graph/partner/"

    def is_partner_graph(self, iri: str) -> bool:
        return iri.startswith(self.partner_prefix) and len(iri) > len(self.partner_prefix)
