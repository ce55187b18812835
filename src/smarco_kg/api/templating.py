"""The one Jinja2 environment of every HTML page (templates in ``smarco_kg/templates``, autoescaped)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
