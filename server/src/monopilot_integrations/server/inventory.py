"""What each installed plugin registered, for ``monopilot-integrations plugins``."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from monopilot_integrations.core.plugins.registry import Catalog, Registry

KINDS = {
    "connectors": "connectors",
    "mappers": "mappers",
    "transports": "transports",
    "event_types": "event_types",
    "scopes": "scopes",
    "routes": "routes",
    "job_handlers": "job_handlers",
    "periodic_tasks": "periodic_tasks",
    "migrations": "migrations",
    "cli_commands": "cli_commands",
}


def _label(key: Hashable) -> str:
    if isinstance(key, tuple):
        return (
            " ".join(str(k) for k in key)
            if len(key) == 2 and key[0] in {"GET", "POST", "PUT", "DELETE", "PATCH"}
            else "/".join(str(k) for k in key)
        )
    return str(key)


def plugin_inventory(registry: Registry) -> dict[str, Any]:
    plugins: list[dict[str, Any]] = []
    catalogs: dict[str, Catalog[Any]] = {
        kind: getattr(registry, attr) for kind, attr in KINDS.items()
    }
    for info in registry.plugins.plugins():
        entry: dict[str, Any] = {
            "name": info.name,
            "module": info.module,
            "distribution": info.distribution,
            "version": info.version,
            "builtin": info.builtin,
        }
        for kind, catalog in catalogs.items():
            entry[kind] = sorted(
                _label(key) for key in catalog if catalog.plugin_of(key) == info.name
            )
        plugins.append(entry)
    return {"plugins": plugins, "skipped": dict(registry.plugins.skipped)}
