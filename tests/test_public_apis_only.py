"""The project's code uses only the public API of other libraries.

A name that starts with an underscore is a library's internal: it changes without notice
in any release, and code that leans on it breaks on an upgrade nobody thought risky. So
are ``sqlalchemy.util`` (SQLAlchemy's own helpers) and a dialect's driver modules
(``sqlalchemy.dialects.sqlite.aiosqlite``: the adapter classes behind the public
``sqlalchemy.dialects.<name>`` package). The project's own modules are exempt: inside
``monopilot_integrations`` an underscore marks what is private to the project.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Every distribution's sources (core, server, connectors, examples, ...) and the benchmarks.
TREES = [
    *sorted(ROOT.glob("*/src")),
    *sorted(ROOT.glob("connectors/*/src")),
    *sorted(ROOT.glob("docs/examples/*/src")),
    ROOT / "bench",
]
OWN = "monopilot_integrations"


def _private(part: str) -> bool:
    """``_name`` is private; ``__name__``-style names (``__future__``, ``__version__``)
    are the language's and public."""
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _is_module(dotted: str) -> bool:
    try:
        return importlib.util.find_spec(dotted) is not None
    except (ImportError, ValueError):
        return False


def _problem(module: str, name: str | None) -> str | None:
    """Why importing ``name`` from ``module`` (or ``module`` itself) uses an internal."""
    parts = module.split(".")
    if any(_private(part) for part in parts):
        return f"private module {module}"
    if name is not None and _private(name):
        return f"private name {name} of {module}"
    full = parts + ([name] if name is not None else [])
    if full[:2] == ["sqlalchemy", "util"]:
        return "sqlalchemy.util (SQLAlchemy's internal helpers)"
    driver = len(parts) >= 4 or (len(full) >= 4 and _is_module(".".join(full)))
    if full[:2] == ["sqlalchemy", "dialects"] and driver:
        return f"driver module {'.'.join(full[:4])} (use sqlalchemy.dialects.{full[2]})"
    return None


def _local_names(path: Path) -> set[str]:
    """Modules beside a script (``bench/_webhook_kernel.py``): importable as top-level."""
    return {p.stem for p in path.parent.glob("*.py")} | {
        p.name for p in path.parent.iterdir() if (p / "__init__.py").is_file()
    }


def _module_aliases(tree: ast.Module, own: set[str]) -> dict[str, str]:
    """Local names bound to another library's modules: ``import x.y as z`` -> {z: x.y}."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in own:
                    continue
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
    return aliases


def _dotted(node: ast.Attribute, modules: dict[str, str]) -> str | None:
    """``sqlalchemy.util.await_`` for that expression, when it starts at a module."""
    attrs: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        attrs.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name) or current.id not in modules:
        return None
    return ".".join([modules[current.id], *reversed(attrs)])


def _problem_in_use(dotted: str) -> str | None:
    """Why an expression such as ``sys._getframe`` reaches into a library's internals."""
    parts = dotted.split(".")
    if any(_private(part) for part in parts):
        return f"private name in {dotted}"
    if parts[:2] == ["sqlalchemy", "util"]:
        return f"{dotted}: sqlalchemy.util (SQLAlchemy's internal helpers)"
    return None


def uses_of_internals(path: Path, root: Path = ROOT) -> Iterator[str]:
    """``file:line: what`` for each import of another library's internals in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = {OWN} | _local_names(path)
    where = path.relative_to(root)
    modules = _module_aliases(tree, own)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            dotted = _dotted(node, modules)
            if dotted is not None and (problem := _problem_in_use(dotted)) is not None:
                yield f"{where}:{node.lineno}: {problem}"
            continue
        if isinstance(node, ast.Import):
            imports = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports = [(node.module, alias.name) for alias in node.names]
        else:
            continue  # relative imports are the project's own
        for module, name in imports:
            if module.split(".")[0] in own:
                continue
            problem = _problem(module, name)
            if problem is not None:
                yield f"{where}:{node.lineno}: {problem}"


def test_the_checker_sees_each_kind_of_internal(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from __future__ import annotations\n"
        "import sqlalchemy.engine._row\n"
        "from aiohttp import _helpers, web\n"
        "from sqlalchemy.util import await_\n"
        "from sqlalchemy import util\n"
        "from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_cursor\n"
        "from sqlalchemy.dialects.postgresql import asyncpg, JSONB\n"
        "from monopilot_integrations.core.db import _anything\n"
        "from . import _sibling\n"
        "from sample import _itself\n"
        "from pydantic import __version__\n"
        "import sqlalchemy as sa, sys\n"
        "sa.util.await_(sys._getframe(), sa.select)\n",
        encoding="utf-8",
    )
    found = list(uses_of_internals(sample, tmp_path))
    assert sorted(int(line.split(":")[1]) for line in found) == [2, 3, 4, 5, 6, 7, 13, 13, 13]
    assert "private name _helpers of aiohttp" in found[1]
    assert "driver module sqlalchemy.dialects.postgresql.asyncpg" in found[5]


def test_no_module_uses_another_librarys_internals() -> None:
    assert {"core", "server"} <= {tree.parent.name for tree in TREES}
    found = [
        problem
        for tree in TREES
        for path in sorted(tree.rglob("*.py"))
        if ".venv" not in path.parts
        for problem in uses_of_internals(path)
    ]
    assert found == [], "internals of other libraries imported:\n" + "\n".join(found)
