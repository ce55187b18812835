"""Settings read from the environment (prefix ``SMARCO_``), so one deployment is one set of variables."""

from functools import cached_property
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from smarco_kg.federation import FederationNode

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Where the store lives, which IRIs we mint and where the reference files are."""

    model_config = SettingsConfigDict(env_prefix="SMARCO_", frozen=True)

    store: Path = Path("var/store")
    base_iri: str = "https://w3id.org/smarco/"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    data_dir: Path = PROJECT_ROOT / "data"
    queries_dir: Path = PROJECT_ROOT / "queries"
    shared_dir: Path = PROJECT_ROOT.parent / "shared"
    host: str = "127.0.0.1"
    port: int = 8000
    tokens_file: Path = Path("var/tokens.json")
    query_timeout: float = 30.0  # seconds; a request's timeout= may only lower it
    query_workers: int = 2
    cors_origins: tuple[str, ...] = ()  # origins allowed to write from a browser; reads are open to all
    issuer_dir: Path = Path("var/issuer")  # the credential seal's key and certificate (never in the repository)
    issuer_organisation: str = "european-digital-sme-alliance"  # slug of the organisation that seals credentials
    issuer_legal_identifier: str = ""  # its eIDAS legal identifier (e.g. a VAT or LEI number); issuing needs it
    issuer_country: str = "BEL"  # country of that identifier (EU authority table code)
    federation_nodes: tuple[FederationNode, ...] = ()  # the partner nodes SERVICE may call (JSON list in the env)

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"the base IRI must be an http(s) IRI, not {value!r}")
        return value if value.endswith(("/", "#")) else value + "/"

    @field_validator("query_timeout")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("the query timeout must be a positive number of seconds")
        return value

    @cached_property
    def checkpoints_dir(self) -> Path:
        """Where query workers read checkpoints of the store: beside it, never inside it."""
        return self.store.parent / f"{self.store.name}.checkpoints"

    @cached_property
    def search_index(self) -> Path:
        """The full-text index of labels and titles: beside the store, rebuilt from it when missing or stale."""
        return self.store.parent / f"{self.store.name}.search.sqlite"

    @cached_property
    def issuer_iri(self) -> str:
        """The organisation that seals credentials and publishes the dataset (the coordinator by default)."""
        return f"{self.base_iri}organisation/{self.issuer_organisation}"

    @cached_property
    def changes_log(self) -> Path:
        """The change feed (what each write changed): beside the store."""
        return self.store.parent / f"{self.store.name}.changes.sqlite"

    @cached_property
    def esco_export(self) -> Path:
        """The official ESCO CSV export (English) the demo imports."""
        return self.shared_dir / "data" / "esco" / "v1.1.1"

    @cached_property
    def elm_dir(self) -> Path:
        return self.shared_dir / "vendor" / "elm"

    @cached_property
    def esco_subset(self) -> Path:
        return self.shared_dir / "data" / "esco" / "esco-subset.ttl"
