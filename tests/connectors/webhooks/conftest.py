"""Fixtures of the webhook tests: loopback targets allowed, a real receiver, helpers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from monopilot_integrations.connectors.webhooks.api.models import WebhookCreate, WebhookWithSecret
from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.connector import WebhooksConnector
from monopilot_integrations.core.db.tables import JobRow, LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.settings import Settings
from tests.connectors.webhooks.receiver import Receiver
from tests.server.conftest import Server, server, server_settings  # noqa: F401

ORG_A = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
ORG_B = uuid.UUID("00000000-0000-4000-8000-0000000000b2")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The kernel's test settings, with loopback receivers allowed (as in development)."""
    return settings.model_copy(update={"allow_private_targets": True})


@pytest.fixture
def fast_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short timeouts, so a hanging receiver costs a test less than a second."""
    monkeypatch.setenv("MONOPILOT_WEBHOOKS_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("MONOPILOT_WEBHOOKS_BUSY_WAIT_SECONDS", "0.2")


@pytest.fixture
async def hooks(kernel: Kernel) -> AsyncIterator[Kernel]:
    """The kernel, closing the connector's pooled HTTP session of this loop afterwards."""
    yield kernel
    await connector(kernel).close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()


def connector(kernel: Kernel) -> WebhooksConnector:
    instance = kernel.connector("webhooks")
    assert isinstance(instance, WebhooksConnector)
    return instance


async def create_webhook(
    kernel: Kernel, url: str, org: uuid.UUID = ORG_A, **fields: Any
) -> WebhookWithSecret:
    body = WebhookCreate(
        name=fields.pop("name", "receiver"), url=url, **{"events": ["*"], **fields}
    )
    return await WebhookService(kernel).create(org, body)


async def jobs(kernel: Kernel, **where: Any) -> list[JobRow]:
    async with kernel.database.system_session() as session:
        query = select(JobRow).where(JobRow.connector == "webhooks")
        query = query.order_by(JobRow.created_at, JobRow.id)
        for name, value in where.items():
            query = query.where(getattr(JobRow, name) == value)
        return list((await session.execute(query)).scalars().all())


async def run_due(kernel: Kernel) -> list[str]:
    """Run one attempt of every webhook job that is due now; returns their outcomes."""
    outcomes = []
    for job in await jobs(kernel):
        if job.status in ("queued", "retrying", "running"):
            outcome = await kernel.run_job(job.org_id, job.id)
            outcomes.append(outcome.status)
    return outcomes


async def webhook_logs(kernel: Kernel) -> list[LogRow]:
    async with kernel.database.system_session() as session:
        query = select(LogRow).where(LogRow.integration_type == "webhook")
        return list((await session.execute(query.order_by(LogRow.timestamp))).scalars().all())


async def all_rows(kernel: Kernel, model: Any) -> list[Any]:
    async with kernel.database.system_session() as session:
        return list((await session.execute(select(model))).scalars().all())


@pytest.fixture
async def api(server: Server) -> AsyncIterator[Server]:  # noqa: F811
    """The assembled server, for tests through the HTTP API; its webhooks connector (and
    with it the delivery client) closed afterwards."""
    yield server
    await connector(server.kernel).close()
