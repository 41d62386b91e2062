"""Fixtures of the EDI connector tests (the kernel and database fixtures are the suite's)."""

from __future__ import annotations

import os

import pytest

from monopilot_integrations.connectors.edi.settings import edi_settings


@pytest.fixture(autouse=True)
def _edi_settings_from_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings are read once per process; tests must not see an operator's variables."""
    for name in list(os.environ):
        if name.startswith("MONOPILOT_EDI_"):
            monkeypatch.delenv(name)
    edi_settings.cache_clear()


from collections.abc import AsyncIterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

from tests.connectors.edi.support import Org, setup_org  # noqa: E402
from tests.server.conftest import Server, server, server_settings  # noqa: E402, F401


@dataclass
class EdiApi:
    """A real server on loopback with the demo organisation (``a``) and a copy of it
    (``b``), EDI set up in both, and API keys: ``a``/``b`` with ``edi:manage``,
    ``reader`` of ``a`` with only ``read:orders``."""

    server: Server
    a: Org
    b: Org
    keys: dict[str, str] = field(default_factory=dict)

    def auth(self, name: str = "a") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    async def call(
        self, method: str, path: str, status: int, *, key: str = "a", **kwargs: Any
    ) -> Any:
        headers = {**self.auth(key), **kwargs.pop("headers", {})}
        response = await self.server.client.request(
            method, "/api/integrations/edi" + path, headers=headers, **kwargs
        )
        body = await response.json(content_type=None) if response.status != 204 else None
        assert response.status == status, body
        if status >= 400:
            assert response.content_type == "application/problem+json"
        return body


@pytest.fixture
async def edi_api(server: Server) -> AsyncIterator[EdiApi]:  # noqa: F811
    kernel = server.kernel
    a = await setup_org(kernel, "demo")
    b = await setup_org(kernel, "other")
    api = EdiApi(server, a, b)
    for name, org, scopes in (
        ("a", a.id, ["edi:manage"]),
        ("b", b.id, ["edi:manage"]),
        ("reader", a.id, ["read:orders"]),
    ):
        _, api.keys[name] = await kernel.api_keys.create(
            org, name=f"edi {name}", scopes=scopes, rate_limit_tier="premium"
        )
    yield api


from .sftp_server import sftp_server  # noqa: E402, F401 (a fixture of the SFTP tests)
