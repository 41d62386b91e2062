"""Fixtures of the files connector tests (the kernel and database fixtures are the suite's)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from monopilot_integrations.connectors.files.settings import files_settings
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.domain.seed import load_seed, parse_seed, read_seed_file
from tests.server.conftest import Server, server, server_settings  # noqa: F401

DEMO_SEED = Path(str(files("monopilot_integrations.server.demo") / "demo-org.json"))
SCOPES = ["read:products", "read:orders", "read:inventory", "write:products"]


@pytest.fixture(autouse=True)
def _files_settings_from_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings are read once per process; tests must not see an operator's variables."""
    for name in list(os.environ):
        if name.startswith("MONOPILOT_FILES_"):
            monkeypatch.delenv(name)
    files_settings.cache_clear()


def seed(code: str) -> dict[str, Any]:
    data: dict[str, Any] = read_seed_file(DEMO_SEED).model_dump(mode="json", exclude_none=True)
    data["organization"] = {**data["organization"], "code": code, "name": f"Bakery {code}"}
    return data


async def load_org(kernel: Kernel, code: str) -> uuid.UUID:
    report = await load_seed(kernel.database, parse_seed(seed(code)), clock=kernel.clock)
    return report.org_id


@dataclass
class FilesApi:
    """A real server on loopback with the demo organisation (``a``) and a copy (``b``),
    keys ``a``/``b`` with the read scopes and write:products, and ``reader``: ``a``'s key
    with read:products only."""

    server: Server
    a: uuid.UUID
    b: uuid.UUID
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def kernel(self) -> Kernel:
        return self.server.kernel

    def auth(self, name: str = "a") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    async def call(
        self,
        method: str,
        path: str,
        status: int,
        *,
        key: str = "a",
        raw: bool = False,
        **kwargs: Any,
    ) -> Any:
        headers = {**self.auth(key), **kwargs.pop("headers", {})}
        response = await self.server.client.request(method, path, headers=headers, **kwargs)
        body = await response.read()
        assert response.status == status, body[:2000]
        if status >= 400:
            assert response.content_type == "application/problem+json"
        if not raw and response.content_type.endswith("json"):
            import json

            return json.loads(body)
        return response, body


@pytest.fixture
async def files_api(server: Server) -> AsyncIterator[FilesApi]:  # noqa: F811
    kernel = server.kernel
    api = FilesApi(server, await load_org(kernel, "demo"), await load_org(kernel, "other"))
    for name, org, scopes in (
        ("a", api.a, SCOPES),
        ("b", api.b, SCOPES),
        ("reader", api.a, ["read:products"]),
    ):
        _, api.keys[name] = await kernel.api_keys.create(
            org, name=f"files {name}", scopes=scopes, rate_limit_tier="premium"
        )
    yield api
    await kernel.runtime().log_writer.flush()
