"""Finding the server that runs on a store, for the commands that write (``load``, ``validate``, ``harvest``): the
server file beside the store (``server_file``), or ``--server URL --token TOKEN``. A file whose server is gone is
said so, removed, and the store is used directly."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from smarco_kg.cli.common import Failure, err, settings_for
from smarco_kg.server_client import ServerClient
from smarco_kg.server_file import ServerFileError, process_exists, read, withdraw

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="A running server's URL to write through (with --token) [default: the server running on the store, "
        "found beside it]",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="SMARCO_TOKEN", help="An admin token for --server", show_default=False)
]
STARTING_SECONDS = 5.0  # how long a server whose process runs may take to answer (it writes the file once it listens)


def running_server(store: str | None, server: str | None, token: str | None) -> ServerClient | None:
    """The server to write through, or None to open the store directly."""
    if server is not None:
        if not server.startswith(("http://", "https://")):
            raise Failure(f"--server {server!r} is not an http(s) URL", code=2)
        if not token:
            raise Failure("--server needs an admin token: --token TOKEN or $SMARCO_TOKEN", code=2)
        return ServerClient(server, token)
    path = settings_for(store).server_file
    try:
        record = read(path)
    except ServerFileError as error:
        raise Failure(str(error)) from error
    if record is None:
        return None
    client = ServerClient(record.url, record.secret, local=True)
    deadline = time.monotonic() + (STARTING_SECONDS if process_exists(record.pid) else 0.0)
    while True:
        found = client.identity()
        if found is not None and found.get("pid") == record.pid:
            err.print(f"through the server running on this store ({record.url}, process {record.pid})", markup=False)
            return client
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    withdraw(path, record)
    err.print(
        f"the server that left {path} (process {record.pid}, {record.url}) is gone: the file is removed and the "
        "store used directly",
        markup=False,
    )
    return None
