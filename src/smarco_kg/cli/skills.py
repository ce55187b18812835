"""``skills``: ESCO skills suggested for a text, from the ESCO in the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from smarco_kg.cli.common import Failure, StoreOption, opened, run

commands = typer.Typer(name="skills", help="ESCO skills for a text (a learning outcome).", no_args_is_help=True)


@commands.command("extract")
def extract(
    text: Annotated[str | None, typer.Argument(help="The text, e.g. a learning outcome", show_default=False)] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the text from this file ('-': standard input)")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="The text's language (ESCO labels in it are matched)")] = "en",
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many skills at most (1-100)")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer of POST /api/skills/extract")] = False,
    store: StoreOption = None,
) -> None:
    """Rank ESCO skills for TEXT (or the text of --file): skill, label, score and the part of the text matched."""

    def action() -> None:
        if (text is None) == (file is None):
            raise Failure("give the text, or --file FILE (not both)", code=2)
        given = text if text is not None else _read(file)
        with opened(store) as kg:
            found = kg.skills.extract(given, lang, limit)
        if as_json:
            items = [{"skill": m.skill, "label": m.label, "score": m.score, "matched": m.matched} for m in found]
            print(json.dumps({"items": items}, ensure_ascii=False, indent=2))
            return
        out = Console(highlight=False, soft_wrap=True)
        if not found:
            out.print("No skill found in the text.")
            return
        table = Table("#", "skill", "score", "matched", "IRI", show_lines=False)
        for rank, match in enumerate(found, start=1):
            table.add_row(str(rank), match.label, f"{match.score:.2f}", match.matched, match.skill)
        out.print(table)

    run(action)


def _read(file: Path | None) -> str:
    assert file is not None
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"cannot read {file}: {error}", code=2) from error
