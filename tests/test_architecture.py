"""The layering rules, checked by walking every module's imports: nothing outside ``api/`` (and the command on top of
it) imports ``api/``, no module imports another's underscore names, the catalogue knows no HTTP, and importing the
application reads neither the environment nor the shapes."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import smarco_kg

PACKAGE = Path(smarco_kg.__file__).parent
TOP = ("smarco_kg.cli",)  # the command sits on top of everything: it serves the application


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported from
    name: str | None  # the name imported (None: the module itself)
    line: int


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of a smarco_kg module anywhere in the package (functions included), and every attribute read
    through a module imported by name (``resources._render``)."""
    found: list[Import] = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules_by_name: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.startswith("smarco_kg"):
                    for alias in node.names:
                        found.append(Import(module, node.module, alias.name, node.lineno))
                        if (package.parent / node.module.replace(".", "/") / alias.name).with_suffix(".py").exists():
                            modules_by_name[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("smarco_kg"):
                        found.append(Import(module, alias.name, None, node.lineno))
                        modules_by_name[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                target = modules_by_name.get(node.value.id)
                if target is not None:
                    found.append(Import(module, target, node.attr, node.lineno))
    return found


def private(name: str | None) -> bool:
    return name is not None and name.startswith("_") and not name.startswith("__")


def test_the_walk_sees_the_package() -> None:
    walked = imports()
    assert len({i.module for i in walked}) > 60
    assert any(i.module == "smarco_kg.api.app" and i.target == "smarco_kg.kg" for i in walked)


def test_nothing_below_the_http_layer_imports_it() -> None:
    offending = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports()
        if (i.target == "smarco_kg.api" or i.target.startswith("smarco_kg.api."))
        and not i.module.startswith(("smarco_kg.api", *TOP))
    ]
    assert offending == []


def test_no_module_imports_another_modules_underscore_names() -> None:
    offending = [
        f"{i.module}:{i.line} uses {i.target}.{i.name}" for i in imports() if private(i.name) and i.target != i.module
    ]
    assert offending == []


def test_the_catalogue_knows_no_http() -> None:
    offending = []
    for path in sorted((PACKAGE / "catalogue").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offending += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("fastapi", "starlette")]
    assert offending == []


def test_the_walk_finds_each_kind_of_violation(tmp_path: Path) -> None:
    """The rules' own check, on a package made for it: an underscore name imported, one read through a module, and
    a domain module importing the HTTP layer."""
    package = tmp_path / "smarco_kg"
    (package / "api").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "api" / "__init__.py").write_text("")
    (package / "api" / "pages.py").write_text("def _render(): ...\n")
    (package / "gaps.py").write_text(
        "from smarco_kg.api.pages import _render\nfrom smarco_kg.api import pages\npages._render()\n"
    )
    walked = imports(package)
    assert [(i.name, i.line) for i in walked if private(i.name)] == [("_render", 1), ("_render", 3)]
    assert {i.target for i in walked if i.module == "smarco_kg.gaps"} == {"smarco_kg.api.pages", "smarco_kg.api"}


def test_importing_the_application_reads_no_environment_and_parses_nothing(tmp_path: Path) -> None:
    """With settings in the environment that would fail if read (a base IRI that is no IRI, a shapes folder that
    does not exist), every module imports, and no shapes or demo data have been parsed."""
    script = (
        "import importlib, pkgutil, smarco_kg\n"
        "for m in pkgutil.walk_packages(smarco_kg.__path__, 'smarco_kg.'):\n"
        "    importlib.import_module(m.name)\n"
        "from smarco_kg.catalogue.vocabulary import shapes_graph, vocabulary\n"
        "print(shapes_graph.cache_info().currsize, vocabulary.cache_info().currsize)\n"
    )
    env = {
        **os.environ,
        "SMARCO_BASE_IRI": "not an iri",
        "SMARCO_SHAPES_DIR": str(tmp_path / "no-shapes"),
        "SMARCO_DATA_DIR": str(tmp_path / "no-data"),
    }
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]
