"""``seed_demo``: every installed plugin adds its demo data, plain or coroutine
implementations alike, and hands back its logins through ``register``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

import pytest

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registration import DemoLogin
from monopilot_integrations.core.plugins.registry import Registry

ORG = uuid.UUID("00000000-0000-4000-8000-00000000de70")
KERNEL = cast(Kernel, object())  # the registry hands the kernel through, untouched


class PlainPlugin:
    @hookimpl
    def seed_demo(self, org_id: uuid.UUID, register: Callable[[DemoLogin], None]) -> None:
        register(DemoLogin("ledger", "/ledger/login", f"clerk@{org_id.hex[:6]}.test", "pw-1"))


class AsyncPlugin:
    def __init__(self) -> None:
        self.seen: list[tuple[Any, uuid.UUID]] = []

    @hookimpl
    async def seed_demo(
        self, kernel: Kernel, org_id: uuid.UUID, register: Callable[[DemoLogin], None]
    ) -> None:
        self.seen.append((kernel, org_id))
        register(DemoLogin("shop", "/shop/login", "buyer@shop.test", "pw-2", note="a buyer"))


class WrongPlugin:
    @hookimpl
    def seed_demo(self, register: Callable[[Any], None]) -> None:
        register({"email": "x@y.test", "password": "z"})


def registry_of(*plugins: object) -> Registry:
    manager = PluginManager(allow=[])
    for number, plugin in enumerate(plugins):
        manager.register(plugin, f"demo-{number}")
    return Registry(manager)


async def test_plain_and_coroutine_implementations_both_register_their_logins() -> None:
    later = AsyncPlugin()
    logins = await registry_of(PlainPlugin(), later).seed_demo(KERNEL, ORG)

    assert later.seen == [(KERNEL, ORG)]  # the coroutine ran, with the kernel and the org
    assert sorted(logins, key=lambda login: login.realm) == [
        DemoLogin("ledger", "/ledger/login", f"clerk@{ORG.hex[:6]}.test", "pw-1"),
        DemoLogin("shop", "/shop/login", "buyer@shop.test", "pw-2", note="a buyer"),
    ]


async def test_without_implementations_there_are_no_logins() -> None:
    assert await registry_of().seed_demo(KERNEL, ORG) == []


async def test_register_refuses_anything_but_a_demo_login() -> None:
    with pytest.raises(TypeError, match="expects a DemoLogin"):
        await registry_of(WrongPlugin()).seed_demo(KERNEL, ORG)
