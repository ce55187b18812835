"""What every route shares: the knowledge graph, its catalogue, the query workers, the tokens and the writer's lock."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass, field

import httpx
from fastapi import Request

from smarco_kg.api.list_rows import ListRows
from smarco_kg.api.problems import Problem
from smarco_kg.auth import Principal, TokenFileError, TokenStore, bearer_secret
from smarco_kg.catalogue import Catalogue
from smarco_kg.catalogue.members import MemberIndex
from smarco_kg.catalogue.page_items import PageItems
from smarco_kg.catalogue.read import Kept, LinkedLabels, Listing, SkillsBelow, taught_in
from smarco_kg.catalogue.summaries import MAX_MEMBERS, MemberSummaries
from smarco_kg.catalogue.write import MemberWrites
from smarco_kg.config import Settings
from smarco_kg.dashboard import Figures
from smarco_kg.gaps import Catalogue as TaughtCatalogue
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.query_admission import QueryAdmission, query_client

MAX_SKILLS = 5_000
"""Skills whose narrower skills are kept (at most ``MAX_BELOW`` IRIs each)."""
OPERATOR = "operator"
"""The token id of whoever holds the secret of the running server's file (``server_file``): the store's operator."""


@dataclass
class Service:
    kg: KnowledgeGraph
    queries: QueryAdmission
    tokens: TokenStore
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    members: MemberIndex = field(default_factory=MemberIndex)
    summaries: MemberSummaries = field(default_factory=MemberSummaries)
    page_items: PageItems = field(default_factory=PageItems)  # what the summaries are written as in compact JSON-LD
    list_rows: ListRows = field(default_factory=ListRows.empty)  # what the collection pages draw of each member
    linked_labels: LinkedLabels = field(init=False)  # the labels of what pages link to
    below: SkillsBelow = field(init=False)  # the skills below each skill a listing is filtered by
    taught: GenerationCache[str, TaughtCatalogue] = field(init=False)  # what the catalogue teaches, for gaps
    dashboard: GenerationCache[tuple[int, str | None], Figures] = field(init=False)  # (year, organisation)
    dashboard_pages: GenerationCache[tuple[str, str, str], tuple[bytes, dict[str, str]]] = field(init=False)
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(follow_redirects=False))
    # one client for every call to partner nodes: making one (its TLS context) costs ~20 ms
    operator_secret: str | None = None  # this run's secret, written to the server file (``server_file``)

    def __post_init__(self) -> None:
        generation = lambda: self.kg.generation  # noqa: E731
        self.taught = GenerationCache("gap-catalogue", kept=1)
        self.linked_labels = GenerationCache("linked-labels", kept=MAX_MEMBERS)
        self.below = GenerationCache("skills-below", kept=MAX_SKILLS)
        # a few years for each of 22 partners and the whole; the four asked last computed again after a write
        # after the report's (priority 0), yielding the cores to requests: 20 s at 100k issued credentials
        self.dashboard = GenerationCache(
            "dashboard-figures", kept=64, warm=4, generation=generation, priority=1, nice=True
        )
        # drawn pages per (address, query, Accept-Language): at 209 organisations drawing one costs about 100 ms
        self.dashboard_pages = GenerationCache("dashboard-pages", kept=64)

    @property
    def settings(self) -> Settings:
        return self.kg.settings

    @property
    def catalogue(self) -> Catalogue:
        return self.kg.catalogue

    @property
    def generation(self) -> int:
        """How many commits this process has made: what cached views of the store are keyed by."""
        return self.kg.generation

    @property
    def kept(self) -> Kept:
        """What reads keep for the write generation now: each request takes it once, at its start."""
        # the courses of each skill from the text index: every write through this server re-indexes the graphs it
        # changed before it is answered, so no page asked after it reads an older index; a reader reads the same
        # file, at least as new as its checkpoint
        return Kept(self.generation, self.linked_labels, self.below, taught_in(self.kg.search))

    @property
    def listing(self) -> Listing:
        return Listing(self.kg.store, self.members, self.summaries, self.settings.base_iri, self.kept)

    @property
    def writes(self) -> MemberWrites:
        kg = self.kg
        return MemberWrites(kg.store, kg, kg.graphs, self.settings.base_iri, kg.catalogue.vocabulary)


def service(request: Request) -> Service:
    return request.app.state.service


def authenticate(request: Request) -> Principal:
    """The principal behind the request's bearer token; 401 without a valid one."""
    challenge = {"WWW-Authenticate": 'Bearer realm="smarco-kg"'}
    try:
        secret = bearer_secret(request.headers.get("authorization"))
    except ValueError as error:
        raise Problem(401, "malformed Authorization header", str(error), challenge) from error
    if secret is None:
        raise Problem(401, "authentication required", "writes need 'Authorization: Bearer <token>'", challenge)
    svc = service(request)
    if svc.operator_secret and hmac.compare_digest(secret.encode(), svc.operator_secret.encode()):
        return Principal(OPERATOR, None, True, "the server's operator")
    principal = svc.tokens.authenticate(secret)
    if principal is None:
        raise Problem(401, "invalid token", "the token is unknown or was revoked", challenge)
    return principal


def client(request: Request) -> str:
    """Who a query is from, for its fair share of the query workers: a valid bearer token's id, else the remote
    address (a token that is malformed, unknown or revoked counts as none, so made-up tokens share an address)."""
    principal = None
    try:
        secret = bearer_secret(request.headers.get("authorization"))
        principal = service(request).tokens.authenticate(secret) if secret else None
    except (ValueError, TokenFileError):
        pass
    return query_client(principal.token_id if principal else None, request.client.host if request.client else None)
