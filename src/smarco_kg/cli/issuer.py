"""``issuer``: the key that seals issued credentials."""

from __future__ import annotations

from typing import Annotated

import typer

from smarco_kg.cli.common import Failure, out, run, settings_for

commands = typer.Typer(name="issuer", help="The key that seals issued credentials.", no_args_is_help=True)


@commands.command("keygen")
def issuer_keygen(
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key")] = False,
) -> None:
    """Generate the issuer's RSA key and self-signed certificate in $SMARCO_ISSUER_DIR (default var/issuer)."""

    def action() -> None:
        from smarco_kg.europass import seal

        settings = settings_for(None)
        if not settings.issuer_legal_identifier:
            raise Failure("set SMARCO_ISSUER_LEGAL_IDENTIFIER (the issuer's eIDAS legal identifier) first", code=2)
        if (settings.issuer_dir / seal.KEY_FILE).exists() and not force:
            raise Failure(f"a key exists in {settings.issuer_dir}; --force replaces it", code=1)
        key = seal.generate(
            settings.issuer_dir,
            name=settings.issuer_organisation.replace("-", " ").title(),
            legal_identifier=settings.issuer_legal_identifier,
            country=settings.issuer_country,
        )
        out.print(f"issuer key {key.thumbprint} written to {settings.issuer_dir}", markup=False)

    run(action)
