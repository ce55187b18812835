"""``token``: the bearer tokens that may write."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from smarco_kg.cli.common import Failure, StoreOption, out, run, settings_for

if TYPE_CHECKING:
    from smarco_kg.config import Settings
    from smarco_kg.store import GraphStore

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
    store: StoreOption = None,
) -> None:
    """Create a token for one partner (--partner SLUG, a partner the store holds) or an administrator (--admin);
    print it, once."""

    def action() -> None:
        from smarco_kg.auth import TokenFileError, check_partner_slug

        if (partner is None) == (not admin):
            raise Failure("give exactly one of --partner SLUG or --admin", code=2)
        if partner is not None:
            try:
                check_partner_slug(partner)
            except ValueError as error:
                raise Failure(str(error), code=2) from error
            _require_partner(settings_for(store), partner)
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


def _require_partner(settings: Settings, slug: str) -> None:
    """A partner exists when the store holds its graph (its organisation's record lives there); Failure if not."""
    from smarco_kg.graphs import Graphs
    from smarco_kg.store import StoreError

    graphs = Graphs(settings.base_iri)
    graph = graphs.partner(slug)
    try:
        with _readable(settings) as kg_store:
            if kg_store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").boolean:
                return
            known = sorted(g[len(graphs.partner_prefix) :] for g in kg_store.graphs() if graphs.is_partner_graph(g))
    except StoreError as error:
        raise Failure(f"cannot check that partner {slug!r} exists: {error}") from error
    close = difflib.get_close_matches(slug, known, n=3)
    raise Failure(
        f"no partner {slug!r} in the store at {settings.store}: its graph <{graph}> holds nothing",
        (f"Did you mean {' or '.join(close)}? " if close else "")
        + f"A partner's token needs the partner's organisation in its graph first: load it with "
        f"'smarco-kg load FILE --graph {graph}' (or write it with an admin token), then create the token. "
        f"The store holds {len(known)} partner(s).",
    )


@contextmanager
def _readable(settings: Settings) -> Iterator[GraphStore]:
    """The store to read; while a server holds an embedded store, the newest checkpoint it made (its query workers
    read the same), so the check works beside a running server."""
    from smarco_kg.store import StoreError, StoreLockedError, open_store, store_for

    try:
        opened = store_for(settings, create=False)
    except StoreLockedError as locked:
        for checkpoint in sorted(settings.checkpoints_dir.glob("checkpoint-*"), reverse=True):
            try:  # the server removes a checkpoint once a newer one is read: then the next newest
                opened = open_store(checkpoint, create=False, read_only=True)
                break
            except StoreError:
                continue
        else:
            raise locked
    try:
        yield opened
    finally:
        opened.close()
