"""``monopilot-integrations new-connector NAME``: a connector package to start from.

The files come from ``templates/connector/`` (package data), rendered with
:class:`string.Template`: ``${name}`` and friends in the text, ``NAME`` in the paths,
``.tmpl`` dropped from the file names. The result installs, registers through its entry
point, migrates its own Alembic branch and passes its own tests as generated.
"""

from __future__ import annotations

import re
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.server.migration_revision import core_base_revision

TEMPLATE = "connector"
#: A plugin name is also a Python package, a table prefix and an Alembic branch label.
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def connector_variables(name: str) -> dict[str, str]:
    """What the templates may refer to, all derived from the name."""
    if not NAME.match(name) or name.endswith("_") or "__" in name:
        raise ConfigError(
            f"connector name {name!r}: use lowercase letters, digits and single underscores, "
            "starting with a letter (it becomes a Python package and a table prefix)"
        )
    words = name.split("_")
    return {
        "name": name,
        "distribution": "monopilot-integrations-" + "-".join(words),
        "class_prefix": "".join(w.capitalize() for w in words),
        "title": " ".join(w.capitalize() for w in words),
        "env_prefix": f"MONOPILOT_{name.upper()}_",
        "table": f"{name}_deliveries",
        "core_revision": core_base_revision(),
        "date": date.today().isoformat(),
    }


def new_connector(name: str, parent: Path) -> Path:
    """Write the package for ``name`` into a new folder under ``parent``; returns it."""
    variables = connector_variables(name)
    target = parent / variables["distribution"]
    if target.exists():
        raise ConfigError(f"{target} exists already: choose another --dir or remove it")
    for source, relative in _template_files(files(__package__) / "templates" / TEMPLATE, ()):
        path = target.joinpath(*(part.replace("NAME", name) for part in relative))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text()).substitute(variables))
    return target


def _template_files(
    folder: Traversable, prefix: tuple[str, ...]
) -> list[tuple[Traversable, tuple[str, ...]]]:
    found: list[tuple[Traversable, tuple[str, ...]]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _template_files(entry, (*prefix, entry.name))
        elif entry.name.endswith(".tmpl"):
            found.append((entry, (*prefix, entry.name.removesuffix(".tmpl"))))
    return found
