"""The application factory: one store per process, opened at start-up and closed at shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from smarco_kg import __version__
from smarco_kg.api import home
from smarco_kg.config import Settings
from smarco_kg.kg import KnowledgeGraph


def create_app(settings: Settings | None = None) -> FastAPI:
    """A FastAPI app over the store named by ``settings`` (default: the environment)."""
    settings = settings or Settings()
    kg = KnowledgeGraph(settings, create=False)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            kg.close()

    app = FastAPI(
        title="smarco-kg",
        version=__version__,
        summary="The SMARCO smart-community skills knowledge graph: courses, credentials, ESCO skills, partners.",
        lifespan=lifespan,
    )
    app.state.kg = kg
    app.include_router(home.router)
    return app
