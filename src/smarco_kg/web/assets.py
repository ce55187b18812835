"""The front-end files the pages load from this server: ``static/vendor/``, copied there from the npm registry's
packages by ``make`` (never from a CDN), so a page can say plainly when they are not installed."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"
SWAGGER_UI = ("swagger-ui-bundle.js", "swagger-ui.css")


def missing(names: tuple[str, ...], directory: Path = VENDOR) -> list[str]:
    """Those of ``names`` (files in ``static/vendor/``) that are not installed."""
    return [name for name in names if not (directory / name).is_file()]
