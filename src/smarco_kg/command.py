"""The ``smarco-kg`` entry point, apart from the commands so that the processes started from it import little.

multiprocessing's children (query workers forked from their fork server, the dumps' spawned process) run the
parent's main script again, as ``__mp_main__``: the console script imports its entry point's module there, and
an entry point in ``smarco_kg.cli`` brought the whole command line with it (Typer, FastAPI, rdflib's plugins,
pyshacl: about 60 MiB in the fork server, shared by every worker forked from it, and 1-2 s to import).
"""


def main() -> None:
    """Run the command line."""
    from smarco_kg.cli import app  # here, not at the top: see the module's docstring

    app()
