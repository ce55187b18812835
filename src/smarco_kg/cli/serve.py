"""``serve``: the HTTP server over the store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from smarco_kg.cli.common import Failure, StoreOption, run, settings_for
from smarco_kg.store import StoreError

commands = typer.Typer()


@commands.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8000,
) -> None:
    """Start the HTTP server (home page, health; the SPARQL and REST endpoints build on it). While it runs, a file
    beside the store (<store>.server.json, readable by this user only) tells load, validate and harvest to go
    through it."""

    def action() -> None:
        import logging

        import uvicorn

        from smarco_kg.api.app import create_app
        from smarco_kg.heap import cap_arenas

        cap_arenas()  # before the request threads start
        level = os.environ.get("SMARCO_LOG_LEVEL", "info").upper()
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        settings = settings_for(store)
        if not settings.remote and not Path(settings.store).exists():
            raise Failure(f"no store at {settings.store}; run 'smarco-kg init' first")
        from smarco_kg.queries import QueryFileError
        from smarco_kg.server_file import new_secret

        secret = new_secret()
        try:
            application = create_app(settings, operator_secret=secret)
        except StoreError as error:
            raise Failure(str(error)) from error
        except QueryFileError as error:
            raise Failure("a named query in queries/ is malformed; the server did not start", str(error)) from error
        from smarco_kg.api.announced import AnnouncedServer
        from smarco_kg.api.connections import HeaderDeadlineProtocol

        config = uvicorn.Config(
            application,
            host=host,
            port=port,
            log_level=os.environ.get("SMARCO_LOG_LEVEL", "info"),
            http=HeaderDeadlineProtocol.configured(settings.header_timeout, settings.header_limit),
        )
        AnnouncedServer(config, settings.server_file, secret).run()

    run(action)
