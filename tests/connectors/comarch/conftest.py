"""Fixtures of the Comarch connector tests: the bridge simulator on loopback and the
assembled server with the demo organisation (the kernel and database fixtures are the
suite's)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from monopilot_integrations.connectors.comarch.simulator import BridgeSimulator, serve
from monopilot_integrations.core.db.tables import EventRow, LogRow
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.testing import run_pending_jobs
from monopilot_integrations.domain.seed import load_seed, parse_seed
from tests.server.conftest import Server, server  # noqa: F401
from tests.server.public_api_support import seed_data

SECRET = "s3cr3t-Optima-bridge-0042"
KEY = "optima-api-key-demo"


@pytest.fixture(autouse=True)
def _comarch_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short bridge timeout (the simulator's faults hold answers for 1.5 s); nothing of
    an operator's environment."""
    for name in list(os.environ):
        if name.startswith("MONOPILOT_COMARCH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MONOPILOT_COMARCH_TIMEOUT", "0.5")


@pytest.fixture
def server_settings(settings: Settings) -> Settings:
    # The simulator listens on loopback, which only allow_private_targets admits.
    return settings.model_copy(update={"api_key_bcrypt_rounds": 4, "allow_private_targets": True})


@pytest.fixture
async def bridge() -> AsyncIterator[tuple[BridgeSimulator, str]]:
    simulator = BridgeSimulator(api_key=KEY, api_secret=SECRET, delay=1.5)
    runner, url = await serve(simulator)
    yield simulator, url
    await runner.cleanup()


@dataclass
class ComarchApi:
    server: Server
    org: uuid.UUID
    other: uuid.UUID
    simulator: BridgeSimulator
    url: str
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def kernel(self) -> Any:
        return self.server.kernel

    async def call(
        self, method: str, path: str, status: int, *, key: str = "a", **kwargs: Any
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[key]}", **kwargs.pop("headers", {})}
        response = await self.server.client.request(method, path, headers=headers, **kwargs)
        body = await response.json(content_type=None) if response.status != 204 else None
        assert response.status == status, body
        if status >= 400:
            assert response.content_type == "application/problem+json"
        return body

    async def configure(self, **changes: Any) -> Any:
        config = {
            "enabled": True,
            "route": "rest",
            "api_url": self.url,
            "api_key": KEY,
            "api_secret": SECRET,
            "company_code": "DEMO",
            "test_mode": False,
            "auto_sync": True,
            **changes,
        }
        return await self.call("PUT", "/api/integrations/comarch/config", 200, json=config)

    async def invoice(self, number: str, **body: Any) -> Any:
        payload = {
            "number": number,
            "customer_code": "ORZEL",
            "issue_date": "2026-03-12",
            "payment_days": 14,
            "lines": [
                {"product_code": "CHL-ZYT-500", "qty": "240", "unit_price": "5.60"},
                {"product_code": "OPK-TORBA", "qty": "100", "unit_price": "0.18"},
            ],
            **body,
        }
        return await self.call("POST", "/api/finance/invoices", 201, json=payload)

    async def run(self) -> list[str]:
        return [o.status for o in await run_pending_jobs(self.kernel, "comarch")]

    async def sync(self, invoice_id: str) -> Any:
        return await self.call("GET", f"/api/integrations/comarch/invoices/{invoice_id}", 200)

    async def logs(self) -> list[LogRow]:
        await self.kernel.runtime().log_writer.flush()
        async with self.kernel.session(self.org) as session:
            rows = await session.scalars(
                select(LogRow).where(
                    LogRow.org_id == self.org, LogRow.integration_type == "comarch"
                )
            )
            return list(rows)

    async def events(self, event_type: str) -> list[EventRow]:
        async with self.kernel.session(self.org) as session:
            rows = await session.scalars(
                select(EventRow).where(
                    EventRow.org_id == self.org, EventRow.event_type == event_type
                )
            )
            return list(rows)


@pytest.fixture
async def comarch(
    server: Server,  # noqa: F811
    bridge: tuple[BridgeSimulator, str],
) -> AsyncIterator[ComarchApi]:
    kernel = server.kernel
    demo = await load_seed(kernel.database, parse_seed(seed_data("demo")), clock=kernel.clock)
    other = await load_seed(kernel.database, parse_seed(seed_data("other")), clock=kernel.clock)
    api = ComarchApi(server, demo.org_id, other.org_id, *bridge)
    for name, org, scopes in (
        ("a", demo.org_id, ["comarch:manage", "write:orders", "read:orders"]),
        ("b", other.org_id, ["comarch:manage", "write:orders", "read:orders"]),
        ("reader", demo.org_id, ["read:orders"]),
    ):
        _, api.keys[name] = await kernel.api_keys.create(
            org, name=f"comarch {name}", scopes=scopes, rate_limit_tier="premium"
        )
    yield api
    await kernel.runtime().log_writer.flush()
