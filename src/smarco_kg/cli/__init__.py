"""The ``smarco-kg`` command: initialise, load, validate, query, dump and serve the knowledge graph; one module per
group of commands."""

import typer

from smarco_kg.cli import data, export, harvest, imports, issuer, serve, skills, tokens

app = typer.Typer(
    name="smarco-kg",
    help="The SMARCO smart-community skills knowledge graph: courses, credentials, ESCO skills, partners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data.commands)
app.add_typer(serve.commands)
app.add_typer(harvest.commands)
app.add_typer(imports.commands, name="import")
app.add_typer(export.commands, name="export")
app.add_typer(issuer.commands, name="issuer")
app.add_typer(tokens.commands, name="token")
app.add_typer(skills.commands, name="skills")

__all__ = ["app"]
