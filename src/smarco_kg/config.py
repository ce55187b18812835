"""Settings read from the environment (prefix ``SMARCO_``), so one deployment is one set of variables."""

from functools import cached_property
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"the base IRI must be an http(s) IRI, not {value!r}")
        return value if value.endswith(("/", "#")) else value + "/"

    @cached_property
    def elm_dir(self) -> Path:
        return self.shared_dir / "vendor" / "elm"

    @cached_property
    def esco_subset(self) -> Path:
        return self.shared_dir / "data" / "esco" / "esco-subset.ttl"
