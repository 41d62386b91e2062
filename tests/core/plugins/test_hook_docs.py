"""Every hook is documented in docs/hooks.md and exercised by at least one test."""

from __future__ import annotations

import inspect
from pathlib import Path

from monopilot_integrations.core.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[3]
MARKER = f"{hookspecs.PROJECT_NAME}_spec"


def hook_names() -> list[str]:
    return sorted(
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, MARKER)
    )


def test_the_hook_list_is_not_empty() -> None:
    assert {
        "register_connectors",
        "register_mappers",
        "register_transports",
        "provide_domain_store",
    } <= set(hook_names())


def test_every_hook_has_a_section_with_signature_and_example_in_docs() -> None:
    text = (ROOT / "docs" / "hooks.md").read_text()
    missing = []
    for name in hook_names():
        heading = f"## `{name}`"
        if heading not in text:
            missing.append(f"{name}: no section")
            continue
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        if f"def {name}(" not in section:
            missing.append(f"{name}: no signature")
        if "@hookimpl" not in section:
            missing.append(f"{name}: no example implementation")
    assert missing == []


def test_every_hook_has_a_docstring() -> None:
    assert [n for n in hook_names() if not (getattr(hookspecs, n).__doc__ or "").strip()] == []


def test_every_hook_is_exercised_by_a_test() -> None:
    sources = "\n".join(
        p.read_text()
        for folder in (ROOT / "tests", ROOT / "docs" / "examples")
        for p in folder.rglob("*.py")
        if p.name != Path(__file__).name
    )
    untested = [name for name in hook_names() if f"def {name}(" not in sources]
    assert untested == [], "hooks no test plugin implements"
