"""``token``: the bearer tokens that may write."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smarco_kg.cli.common import Failure, out, run, settings_for

commands = typer.Typer(
    help="Create, list and revoke the bearer tokens that may write: one partner's graph, or any graph (admin).",
    no_args_is_help=True,
)
TokensFileOption = Annotated[
    Path | None,
    typer.Option(
        "--tokens-file",
        help="Tokens file [default: $SMARCO_TOKENS_FILE or ./var/tokens.json]",
        show_default=False,
    ),
]


def _tokens(tokens_file: Path | None):  # -> smarco_kg.auth.TokenStore, imported when a token command runs
    from smarco_kg.auth import TokenStore, tokens_path

    return TokenStore(tokens_file if tokens_file is not None else tokens_path(settings_for(None)))


@commands.command("create")
def token_create(
    partner: Annotated[
        str | None, typer.Option("--partner", help="Partner slug (e.g. cefriel): may write only its graph")
    ] = None,
    admin: Annotated[bool, typer.Option("--admin", help="An admin token: may write any graph")] = False,
    label: Annotated[str, typer.Option("--label", help="A note for listings, e.g. who holds the token")] = "",
    tokens_file: TokensFileOption = None,
) -> None:
    """Create a token for one partner (--partner SLUG) or an administrator (--admin); print it, once."""

    def action() -> None:
        from smarco_kg.auth import TokenFileError

        if (partner is None) == (not admin):
            raise Failure("give exactly one of --partner SLUG or --admin", code=2)
        tokens = _tokens(tokens_file)
        try:
            secret, record = tokens.create(partner=partner, admin=admin, label=label)
        except TokenFileError as error:
            raise Failure(str(error)) from error
        except ValueError as error:
            raise Failure(str(error), code=2) from error
        except OSError as error:
            raise Failure(f"{tokens.path}: cannot write the tokens file ({error.strerror or error})") from error
        labelled = f", {record.label}" if record.label else ""
        out.print(f"created token {record.id} ({record.scope}{labelled})", markup=False)
        out.print(secret, markup=False)
        out.print(
            f"This is the only time the token is shown: it will not be shown again (only its hash is kept in "
            f"{tokens.path}). Revoke it with: smarco-kg token revoke {record.id}",
            markup=False,
        )

    run(action)


@commands.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id, as 'token list' shows it")],
    tokens_file: TokensFileOption = None,
) -> None:
    """Revoke a token: it stops authenticating at once, a running server included."""

    def action() -> None:
        from smarco_kg.auth import TokenFileError, UnknownToken

        tokens = _tokens(tokens_file)
        try:
            record = tokens.revoke(token_id)
        except (UnknownToken, TokenFileError) as error:
            raise Failure(str(error)) from error
        except OSError as error:
            raise Failure(f"{tokens.path}: cannot write the tokens file ({error.strerror or error})") from error
        out.print(f"revoked token {record.id} ({record.scope})", markup=False)

    run(action)


@commands.command("list")
def token_list(tokens_file: TokensFileOption = None) -> None:
    """List the tokens: id, partner or admin, label, creation time (never the tokens themselves)."""

    def action() -> None:
        from smarco_kg.auth import TokenFileError

        tokens = _tokens(tokens_file)
        try:
            records = tokens.list()
        except TokenFileError as error:
            raise Failure(str(error)) from error
        if not records:
            out.print(f"no tokens in {tokens.path}", markup=False)
            return
        width = max(len(record.scope) for record in records)
        for record in records:
            out.print(f"{record.id}  {record.scope:<{width}}  {record.created}  {record.label}".rstrip(), markup=False)

    run(action)
