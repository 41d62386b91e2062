"""Plugin discovery, ordering, allow/block lists, duplicates and misspelled hooks."""

from __future__ import annotations

import types
from typing import Any

import pytest

import monopilot_integrations.domain.plugin as reference_store_plugin
from monopilot_integrations.core import Connector, hookimpl
from monopilot_integrations.core.errors import (
    DuplicateRegistrationError,
    PluginError,
    UnknownNameError,
)
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registration import Scope
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from tests.support.examples import requires_acme


def make_plugin(name: str, **hooks: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        fn.__name__ = hook_name
        setattr(module, hook_name, hookimpl(fn))
    return module


@requires_acme
def test_installed_entry_point_is_discovered_with_its_distribution() -> None:
    plugins = PluginManager()
    infos = {p.name: p for p in plugins.plugins()}
    assert infos["defaults"].builtin
    assert infos["acme"].distribution == "acme-monopilot-connector"
    assert infos["acme"].module == "acme_monopilot.plugin"
    registry = Registry(plugins)
    assert "acme" in registry.connectors
    assert registry.mappers.find("acme", "purchase_order").record_kind == "purchase_order"
    assert registry.plugins.plugins()  # loading twice is a no-op
    assert [p.name for p in plugins.plugins()].count("acme") == 1


@requires_acme
def test_block_list_skips_a_plugin_and_says_why() -> None:
    plugins = PluginManager(block=["acme"])
    assert "acme" not in {p.name for p in plugins.plugins()}
    assert plugins.skipped == {"acme": "in MONOPILOT_DISABLE_PLUGINS"}
    assert "acme" not in Registry(plugins).connectors


@requires_acme
def test_allow_list_keeps_only_named_plugins_and_defaults() -> None:
    plugins = PluginManager(allow=[])
    assert [p.name for p in plugins.plugins()] == ["defaults"]
    assert plugins.skipped["acme"] == "not in MONOPILOT_PLUGINS"


@requires_acme
def test_allow_list_naming_a_missing_plugin_fails_loudly() -> None:
    with pytest.raises(PluginError, match="not installed: nosuch"):
        PluginManager(allow=["acme", "nosuch"]).load()


def test_settings_read_comma_separated_lists_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONOPILOT_PLUGINS", "acme, edi")
    monkeypatch.setenv("MONOPILOT_DISABLE_PLUGINS", "edi")
    settings = Settings()
    assert settings.plugins == ["acme", "edi"]
    assert settings.disable_plugins == ["edi"]


def test_misspelled_hook_fails_at_registration() -> None:
    def register_conectors(register: Any) -> None:  # sic
        pass

    plugins = PluginManager(load_entry_points=False)
    with pytest.raises(PluginError, match="misspelled"):
        plugins.register(make_plugin("typo", register_conectors=register_conectors))


def test_duplicate_registration_names_both_plugins() -> None:
    def register_scopes(register: Any) -> None:
        register(Scope("read:products", "again"))

    plugins = PluginManager(load_entry_points=False)
    plugins.register(make_plugin("dup", register_scopes=register_scopes))
    with pytest.raises(DuplicateRegistrationError) as info:
        _ = Registry(plugins).scopes
    assert "'read:products'" in str(info.value)
    assert "'defaults'" in str(info.value) and "'dup'" in str(info.value)


def test_duplicate_connector_names_are_refused() -> None:
    class One(Connector):
        name = "same"

    class Two(Connector):
        name = "same"

    plugins = PluginManager(load_entry_points=False)
    plugins.register(make_plugin("p1", register_connectors=lambda register: register(One)))
    plugins.register(make_plugin("p2", register_connectors=lambda register: register(Two)))
    with pytest.raises(DuplicateRegistrationError, match="connector 'same'"):
        _ = Registry(plugins).connectors


def test_registering_the_wrong_kind_of_thing_is_a_clear_error() -> None:
    plugins = PluginManager(load_entry_points=False)
    plugins.register(make_plugin("bad", register_connectors=lambda register: register("acme")))
    with pytest.raises(TypeError, match="Connector subclass"):
        _ = Registry(plugins).connectors


@requires_acme
def test_unknown_lookup_lists_what_is_known() -> None:
    registry = Registry(PluginManager())
    with pytest.raises(UnknownNameError, match=r"no connector 'nosuch'.*'acme'"):
        registry.connector("nosuch")


def test_an_installed_plugin_overrides_a_trylast_default() -> None:
    sentinel = object()

    def provide_domain_store(settings: Any, database: Any) -> Any:
        return sentinel

    plugins = PluginManager(load_entry_points=False)
    plugins.register(make_plugin("store", provide_domain_store=provide_domain_store))
    # Registered after it, so pluggy would call it first if it were not ``trylast``.
    plugins.register(reference_store_plugin, "domain")
    assert Registry(plugins).domain_store(Settings(), database=None) is sentinel  # type: ignore[arg-type]


def test_collecting_hooks_run_in_pluggy_order_and_registry_sees_new_plugins() -> None:
    order: list[str] = []

    def first(register: Any) -> None:
        order.append("first")

    def second(register: Any) -> None:
        order.append("second")

    plugins = PluginManager(load_entry_points=False)
    registry = Registry(plugins)
    assert "x:1" not in registry.scopes
    plugins.register(make_plugin("a", register_periodic_tasks=first))
    plugins.register(make_plugin("b", register_periodic_tasks=second))
    plugins.register(
        make_plugin("c", register_scopes=lambda register: register(Scope("x:1", "new")))
    )
    _ = registry.periodic_tasks
    assert order == ["second", "first"]  # last registered first, as pluggy calls them
    assert "x:1" in registry.scopes  # the registry noticed the new plugin


def test_a_hook_implementation_may_take_fewer_arguments() -> None:
    def provide_domain_store(settings: Any) -> Any:
        return "from-settings-only"

    plugins = PluginManager(load_entry_points=False)
    plugins.register(make_plugin("partial", provide_domain_store=provide_domain_store))
    assert Registry(plugins).domain_store(Settings(), database=None) == "from-settings-only"  # type: ignore[arg-type]
