"""What every route shares: the knowledge graph, the query workers, the tokens and the single writer's lock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from fastapi import Request

from smarco_kg.api.members import MemberIndex
from smarco_kg.api.problems import Problem
from smarco_kg.auth import Principal, TokenStore, bearer_secret
from smarco_kg.config import Settings
from smarco_kg.gaps import CatalogueCache
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.query_workers import QueryWorkers, StoreQueries
from smarco_kg.write_path import WriteRejected


@dataclass
class Service:
    kg: KnowledgeGraph
    queries: QueryWorkers | StoreQueries
    tokens: TokenStore
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    members: MemberIndex = field(default_factory=MemberIndex)
    catalogue: CatalogueCache = field(default_factory=CatalogueCache)
    generation: int = 0  # how many commits this server has made: what cached views of the store are keyed by
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(follow_redirects=False))
    # one client for every call to partner nodes: making one (its TLS context) costs ~20 ms

    @property
    def settings(self) -> Settings:
        return self.kg.settings

    def committed(self, graphs: Iterable[str], *, actor: str, operation: str, subjects: Iterable[str] = ()) -> None:
        """After every commit: a new checkpoint, so the next query sees the write; cached views are stale; the
        change is recorded in the feed and the text index re-reads the graphs written."""
        self.generation += 1
        self.kg.changed(graphs, actor=actor, operation=operation, subjects=subjects)
        self.queries.refresh()

    @staticmethod
    def rejected(rejected: WriteRejected) -> Problem:
        report = rejected.report
        return Problem(
            422,
            "the data does not conform to the shapes",
            f"{len(report.violations)} violation(s); nothing was stored",
            errors=[
                {
                    "focusNode": p.focus_node,
                    "path": p.path,
                    "value": p.value,
                    "message": p.message,
                    "severity": p.severity,
                    "shape": p.shape,
                }
                for p in report.problems
            ],
        )


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
    principal = service(request).tokens.authenticate(secret)
    if principal is None:
        raise Problem(401, "invalid token", "the token is unknown or was revoked", challenge)
    return principal
