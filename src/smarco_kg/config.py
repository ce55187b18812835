"""Settings read from the environment (prefix ``SMARCO_``), so one deployment is one set of variables; or from a
TOML file (``SMARCO_CONFIG``) whose sections name the settings' groups: ``[store] url = …`` is ``SMARCO_STORE``,
``[store] user = …`` is ``SMARCO_STORE_USER``. The environment wins over the file."""

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class FederationNode(BaseModel):
    """One partner node: a name for people, its SPARQL endpoint, how long to wait for it."""

    name: str
    endpoint: str
    timeout: float = 5.0

    @field_validator("endpoint")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"a node's endpoint is an http(s) URL, not {value!r}")
        return value

    @field_validator("timeout")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("a node's timeout is a positive number of seconds")
        return value


class Settings(BaseSettings):
    """Where the store lives, which IRIs we mint and where the reference files are."""

    model_config = SettingsConfigDict(env_prefix="SMARCO_", frozen=True)

    store: Path | str = Path("var/store")  # a directory (embedded store) or a remote store's SPARQL query URL
    store_update_url: str | None = None  # the remote store's SPARQL Update URL (default: the query URL)
    store_graph_store_url: str | None = None  # its Graph Store Protocol URL, for bulk loads (default: by update)
    store_auth: Literal["none", "basic", "digest", "bearer"] | None = None  # default: basic with a user, else none
    store_user: str | None = None
    store_password: SecretStr | None = None
    store_token: SecretStr | None = None  # for bearer authentication
    store_timeout: float = 60.0  # seconds a remote store may take per request
    store_retries: int = 3  # retries of a read that failed on the connection or with a 502, 503 or 504
    store_max_rows: int | None = None  # the remote store's result cap (Virtuoso's ResultSetMaxRows), if any
    state_dir: Path | None = None  # the local files of a remote-store deployment (index, change feed, dumps)
    base_iri: str = "https://w3id.org/smarco/"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    data_dir: Path = PROJECT_ROOT / "data"
    queries_dir: Path = PROJECT_ROOT / "queries"
    shared_dir: Path = PROJECT_ROOT.parent / "shared"
    tokens_file: Path = Path("var/tokens.json")
    query_timeout: float = 30.0  # seconds; a request's timeout= may only lower it
    query_workers: int = 2
    page_readers: int = 2  # processes that draw people's pages and the collections beside the server (0: none)
    dumps_interval: float = 10.0  # seconds at least between the starts of two rewrites of the dumps
    query_reserved_workers: int = 1  # of those, kept for clients with no long query (at most query_workers - 1)
    query_reserved_seconds: float = 1.0  # how long a query may hold a reserved worker before it waits for another
    query_client_limit: int = 2  # queries one client (token, else address) may run at once
    query_client_queue: int = 4  # queries one client may have waiting beyond those; more is a 429
    cors_origins: tuple[str, ...] = ()  # origins allowed to write from a browser; reads are open to all
    issuer_dir: Path = Path("var/issuer")  # the credential seal's key and certificate (never in the repository)
    issuer_organisation: str = "european-digital-sme-alliance"  # slug of the organisation that seals credentials
    issuer_legal_identifier: str = ""  # its eIDAS legal identifier (e.g. a VAT or LEI number); issuing needs it
    issuer_country: str = "BEL"  # country of that identifier (EU authority table code)
    federation_nodes: tuple[FederationNode, ...] = ()  # the partner nodes SERVICE may call (JSON list in the env)
    # Bodies: the most bytes a request may send, by route (a 413 past it), and the seconds it may take to send them
    # (a 408). The demo's largest file is 100 KiB; a sealed credential with its signature is a few KiB.
    body_limit: int = 1 << 20  # any route not named below
    sparql_body_limit: int = 1 << 20  # POST /sparql: a query or an update
    api_body_limit: int = 1 << 20  # writes under /api (REST members, the planner)
    extract_body_limit: int = 64 << 10  # POST /api/skills/extract: a text of at most 20,000 characters, as JSON
    verify_body_limit: int = 4 << 20  # a credential, with any embedded files: verified, or uploaded to a gap page
    sheet_body_limit: int = 8 << 20  # POST /api/courses/import: a spreadsheet of courses (a few KB per course)
    load_body_limit: int = 1 << 30  # PUT and POST /store (Graph Store Protocol): admin loads, streamed to disk
    body_timeout: float = 30.0  # seconds to send a body, for every route but /store
    load_body_timeout: float = 600.0  # seconds to send a body to /store
    header_timeout: float = 30.0  # seconds to send a request's line and headers (smarco-kg serve)
    header_limit: int = 64 << 10  # bytes of a request's line and headers (smarco-kg serve)
    # Test fault injection, never for a deployment: the process ends at once (os._exit) right before a write's
    # store commit (its change event journalled) or right after it (the event not yet published), as a kill there
    # would; the crash-recovery tests set SMARCO_TEST_CRASH to make that moment exact.
    test_crash: Literal["", "before-commit", "after-commit"] = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _ConfigFile(settings_cls)

    @field_validator("store", mode="before")
    @classmethod
    def _store_location(cls, value: object) -> Path | str:
        """A URL names a remote store; anything else is the embedded store's directory."""
        text = str(value)
        if text.startswith(("http://", "https://")):
            return text
        if "://" in text:
            raise ValueError(f"a remote store is named by an http(s) URL, not {text!r}")
        return Path(text)

    @model_validator(mode="after")
    def _remote_credentials(self) -> "Settings":
        auth = self.store_auth
        if auth in ("basic", "digest") and not (self.store_user and self.store_password):
            raise ValueError(f"store_auth {auth} needs store_user and store_password")
        if auth == "bearer" and not self.store_token:
            raise ValueError("store_auth bearer needs store_token")
        return self

    @property
    def remote(self) -> bool:
        """The store is a remote SPARQL store rather than an embedded one."""
        return isinstance(self.store, str)

    @cached_property
    def local_state(self) -> Path:
        """The stem of the files kept beside the store (``<stem>.search.sqlite``…): the store's directory for
        the embedded store; ``state_dir/remote`` (default ``var/remote``) for a remote one."""
        if isinstance(self.store, Path):
            return self.store
        return (self.state_dir or Path("var")) / "remote"

    def _beside_store(self, suffix: str) -> Path:
        """``<stem>.<suffix>`` next to the local-state stem: files that must never be inside the store."""
        return self.local_state.parent / f"{self.local_state.name}.{suffix}"

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"the base IRI must be an http(s) IRI, not {value!r}")
        return value if value.endswith(("/", "#")) else value + "/"

    @field_validator("query_timeout", "query_reserved_seconds", "body_timeout", "load_body_timeout", "header_timeout")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("a timeout is a positive number of seconds")
        return value

    @field_validator(
        "body_limit",
        "sparql_body_limit",
        "api_body_limit",
        "verify_body_limit",
        "sheet_body_limit",
        "extract_body_limit",
        "verify_body_limit",
        "load_body_limit",
        "header_limit",
    )
    @classmethod
    def _positive_limit(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("a size limit is a positive number of bytes")
        return value

    @field_validator("dumps_interval")
    @classmethod
    def _not_negative_interval(cls, value: float) -> float:
        if value < 0:
            raise ValueError("the dumps interval is a number of seconds, 0 or more")
        return value

    @field_validator("query_workers", "query_client_limit")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("at least 1")
        return value

    @field_validator("query_reserved_workers", "query_client_queue", "page_readers")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("0 or more")
        return value

    @cached_property
    def checkpoints_dir(self) -> Path:
        """Where query workers read checkpoints of the store: beside it, never inside it."""
        return self._beside_store("checkpoints")

    @cached_property
    def search_index(self) -> Path:
        """The full-text index of labels and titles: beside the store, rebuilt from it when missing or stale."""
        return self._beside_store("search.sqlite")

    @cached_property
    def issuer_iri(self) -> str:
        """The organisation that seals credentials and publishes the dataset (the coordinator by default)."""
        return f"{self.base_iri}organisation/{self.issuer_organisation}"

    @cached_property
    def skill_index_dir(self) -> Path:
        """The skill extractor's index of ESCO, one file per ESCO import and language: beside the store."""
        return self._beside_store("skill-index")

    @cached_property
    def changes_log(self) -> Path:
        """The change feed (what each write changed): beside the store."""
        return self._beside_store("changes.sqlite")

    @cached_property
    def server_file(self) -> Path:
        """Where a running server says how to reach it (``server_file``): beside the store, only while it runs."""
        return self._beside_store("server.json")

    @cached_property
    def dumps_dir(self) -> Path:
        """The dataset's dumps (``/dumps``): beside the store."""
        return self._beside_store("dumps")

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


class _ConfigFile(PydanticBaseSettingsSource):
    """The TOML file named by ``SMARCO_CONFIG``: top-level keys are settings; a section's keys are prefixed with
    its name (``[store] url`` is ``store``, ``[store] timeout`` is ``store_timeout``)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._values: dict[str, Any] = {}
        name = os.environ.get("SMARCO_CONFIG")
        if not name:
            return
        try:
            document = tomllib.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"SMARCO_CONFIG {name}: {error}") from error
        for key, value in document.items():
            if isinstance(value, dict):
                for inner, item in value.items():
                    self._values[key if inner == "url" else f"{key}_{inner}"] = item
            else:
                self._values[key] = value
        unknown = sorted(set(self._values) - set(settings_cls.model_fields))
        if unknown:
            raise ValueError(f"SMARCO_CONFIG {name}: unknown setting(s) {', '.join(unknown)}")

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)
