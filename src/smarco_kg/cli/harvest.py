"""``harvest``: a partner node's courses mirrored into a graph of their own."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Annotated

import typer

from smarco_kg.cli.common import Failure, StoreOption, err, opened, out, print_report, run
from smarco_kg.cli.served import ServerOption, TokenOption, running_server
from smarco_kg.write_path import WriteRejected

commands = typer.Typer()


@commands.command()
def harvest(
    node: Annotated[str, typer.Argument(help="The partner node's URL (its home, e.g. https://b.example.org)")],
    name: Annotated[str, typer.Option("--name", help="A short name for the node: the harvest graph is named after it")],
    store: StoreOption = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each request to the node")] = 30.0,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Mirror a partner node's courses into graph/harvest/NAME: everything the first time, then only the changes
    its change feed names since the last run; validated, one write per run. While a server runs on the store, it
    does the harvest (found beside the store, or --server URL --token TOKEN)."""

    def action() -> None:
        import httpx

        from smarco_kg.harvest import HarvestError
        from smarco_kg.harvest import harvest as run_harvest

        if not node.startswith(("http://", "https://")):
            raise Failure(f"{node!r} is not an http(s) URL", code=2)
        if not name.strip() or timeout <= 0:
            raise Failure("give --name (a short name) and a positive --timeout", code=2)
        served = running_server(store, server, token)
        with ExitStack() as stack:
            try:
                if served is not None:
                    report = served.harvest(node, name, timeout)
                else:
                    kg = stack.enter_context(opened(store))
                    client = stack.enter_context(httpx.Client(timeout=timeout))
                    report = run_harvest(kg, node, name, client)
            except HarvestError as error:
                raise Failure(f"cannot harvest {node}", str(error), 1) from error
            except WriteRejected as rejected:
                print_report(rejected.report, stream=err)
                raise Failure(f"what {node} serves does not conform here; nothing was stored") from rejected
            how = "full copy" if report.full else "changes only"
            out.print(
                f"{node} -> {report.graph} ({how}): {len(report.copied)} course(s) copied, "
                f"{len(report.removed)} removed, cursor {report.cursor}",
                markup=False,
            )

    run(action)
