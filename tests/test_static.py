"""The pages' own stylesheets and scripts are well formed: an unclosed block silently drops every rule after it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from smarco_kg.web import i18n

STATIC = i18n.MESSAGES.parent / "static"


def own(suffix: str) -> list[Path]:
    return sorted(p for p in STATIC.glob(f"*{suffix}") if p.is_file())


@pytest.mark.parametrize("path", own(".css"), ids=lambda p: p.name)
def test_every_stylesheet_closes_each_block_it_opens(path: Path) -> None:
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r'"[^"]*"|\'[^\']*\'', '""', text)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{path.name}:{number} closes a block it never opened"
    assert depth == 0, f"{path.name} leaves {depth} block(s) open"


@pytest.mark.parametrize("path", own(".js"), ids=lambda p: p.name)
def test_every_script_parses(path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (make installs it with the front-end packages)")
    module = "import " in path.read_text(encoding="utf-8") or "export " in path.read_text(encoding="utf-8")
    command = [node, "--input-type=module", "--check"] if module else [node, "--check", str(path)]
    done = subprocess.run(
        command, input=path.read_text(encoding="utf-8") if module else None, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
