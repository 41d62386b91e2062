"""The plugin manager: entry-point discovery, allow/block lists, built-in defaults.

Modelled on tox 4's manager: a thin typed wrapper over pluggy that loads entry points once,
registers the kernel's own defaults ``trylast`` (so any installed plugin overrides them),
and calls ``check_pending()`` so a hook implementation with a misspelled name fails at
start-up instead of silently never running.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy

from monopilot_integrations.core.errors import PluginError
from monopilot_integrations.core.plugins import hookspecs

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME

#: Modules of the kernel registered as plugins before any entry point.
DEFAULT_PLUGINS = ("monopilot_integrations.core.plugins.defaults",)


@dataclass(frozen=True)
class PluginInfo:
    """What ``monopilot-integrations plugins`` shows about one plugin."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    builtin: bool


class PluginManager:
    """Owns one ``pluggy.PluginManager``; loads plugins on first use, exactly once."""

    def __init__(
        self,
        *,
        allow: Iterable[str] | None = None,
        block: Iterable[str] = (),
        load_entry_points: bool = True,
    ) -> None:
        self.allow = set(allow) if allow is not None else None
        self.block = set(block)
        self.load_entry_points = load_entry_points
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._loaded = False
        self._infos: dict[str, PluginInfo] = {}
        #: Bumped whenever the set of plugins changes, so caches built from hooks can tell.
        self.generation = 0
        self.skipped: dict[str, str] = {}

    @property
    def pluggy(self) -> pluggy.PluginManager:
        self.load()
        return self._pm

    @property
    def hook(self) -> Any:
        return self.pluggy.hook

    def load(self) -> None:
        """Register the defaults and the installed entry points (idempotent)."""
        if self._loaded:
            return
        self._loaded = True
        for module_name in DEFAULT_PLUGINS:
            module = importlib.import_module(module_name)
            self._register(module, module_name.rsplit(".", 1)[-1], None, None, builtin=True)
        if self.load_entry_points:
            self._load_entry_points()
        self._check()

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object or module by hand (tests, applications embedding us)."""
        self.load()
        plugin_name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        if self._pm.has_plugin(plugin_name):
            raise PluginError(f"a plugin named {plugin_name!r} is already registered")
        module = getattr(plugin, "__name__", type(plugin).__module__)
        self._register(plugin, plugin_name, None, None, builtin=False, module=module)
        self._check()
        return plugin_name

    def unregister(self, name: str) -> None:
        self._pm.unregister(name=name)
        self._infos.pop(name, None)
        self.generation += 1

    def plugins(self) -> list[PluginInfo]:
        self.load()
        return list(self._infos.values())

    def plugin_name(self, plugin: object) -> str:
        name = self._pm.get_name(plugin)
        return name if name is not None else repr(plugin)

    # --- internals ----------------------------------------------------------------------

    def _load_entry_points(self) -> None:
        seen: set[str] = set()
        for ep in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            if ep.name in seen:
                raise PluginError(
                    f"two installed distributions declare the plugin {ep.name!r} "
                    f"(entry-point group {ENTRY_POINT_GROUP!r})"
                )
            seen.add(ep.name)
            if self.allow is not None and ep.name not in self.allow:
                self.skipped[ep.name] = "not in MONOPILOT_PLUGINS"
                continue
            if ep.name in self.block:
                self.skipped[ep.name] = "in MONOPILOT_DISABLE_PLUGINS"
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {ep.name!r} ({ep.value}) failed to import: {exc}"
                ) from exc
            dist = ep.dist
            self._register(
                plugin,
                ep.name,
                dist.name if dist else None,
                dist.version if dist else None,
                builtin=False,
            )
        if self.allow is not None:
            missing = self.allow - seen
            if missing:
                raise PluginError(
                    "MONOPILOT_PLUGINS names plugins that are not installed: "
                    + ", ".join(sorted(missing))
                )

    def _register(
        self,
        plugin: object,
        name: str,
        distribution: str | None,
        version: str | None,
        *,
        builtin: bool,
        module: str | None = None,
    ) -> None:
        try:
            self._pm.register(plugin, name=name)
        except ValueError as exc:
            raise PluginError(f"cannot register plugin {name!r}: {exc}") from exc
        self._infos[name] = PluginInfo(
            name=name,
            module=module or (plugin.__name__ if isinstance(plugin, ModuleType) else repr(plugin)),
            distribution=distribution,
            version=version,
            builtin=builtin,
        )
        self.generation += 1
        log.debug("registered plugin %s", name)

    def _check(self) -> None:
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"{exc} (is the hook name misspelled?)") from exc
