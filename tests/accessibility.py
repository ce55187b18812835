"""axe-core (the npm package, installed by ``make`` from package-lock.json) run in a Playwright page: the
accessibility rules a page breaks, as axe reports them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from smarco_kg.config import PROJECT_ROOT

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
# WCAG 2.2 A and AA and axe's best practices; "experimental" rules left out.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_source(path: Path = AXE) -> str | None:
    """axe-core's script, or None where ``make`` has not installed it (no npm)."""
    return path.read_text(encoding="utf-8") if path.is_file() else None


def violations(page: Any, source: str | None = None) -> list[dict[str, Any]]:
    """The rules the page as it stands breaks: axe's violations (id, impact, help, nodes), injected from the local
    file, so nothing is fetched."""
    script = source if source is not None else axe_source()
    if script is None:
        raise FileNotFoundError(f"axe-core is not installed ({AXE}): run make (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=script)
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("async (options) => (await window.axe.run(document, options)).violations", options)


def counts(found: list[dict[str, Any]]) -> dict[str, int]:
    """Violated rules per impact, every impact named (0 where none)."""
    tally = Counter(v.get("impact") or "minor" for v in found)
    return {impact: tally.get(impact, 0) for impact in IMPACTS}


def serious(found: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations, one readable line each (rule, help, where)."""
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
        for v in found
        if v.get("impact") in ("critical", "serious")
    ]


def describe(found: list[dict[str, Any]]) -> str:
    """Every violation, one line each, for the test output."""
    return "\n".join(f"  {v['impact']:>9} {v['id']} ({len(v['nodes'])}): {v['help']}" for v in found)
