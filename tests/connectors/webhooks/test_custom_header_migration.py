"""The migration ``webhooks_0002`` encrypts the custom header values stored in clear by
earlier versions, and drops those of deleted webhooks (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.connectors.webhooks.secret_box import SecretBox
from monopilot_integrations.core.crypto import Keyring, generate_key
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from tests.support import services

ORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
LIVE, DELETED, PLAIN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
HEADERS = {"Authorization": "Bearer clear-token-123", "X-Partner-Key": "clear-key-456"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    admin_url = services.need("postgres", services.POSTGRES_URL)
    name = f"mp_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def _insert(url: str) -> None:
    engine = create_async_engine(url)
    postgres = engine.dialect.name == "postgresql"
    now = datetime(2026, 12, 1, tzinfo=UTC)
    async with engine.begin() as conn:
        for webhook_id, headers, deleted in (
            (LIVE, HEADERS, None),
            (DELETED, HEADERS, now),
            (PLAIN, None, None),
        ):
            await conn.execute(
                text(
                    "INSERT INTO integration_webhooks (id, org_id, name, url, events, status, "
                    "secret, retry_policy, max_retries, custom_headers, deleted_at, "
                    "created_at, updated_at) VALUES (:id, :org, 'h', 'https://x.example/', "
                    ":events, 'active', 'sealed', 'exponential', 3, :headers, :deleted, "
                    ":now, :now)"
                ),
                {
                    "id": webhook_id if postgres else webhook_id.hex,
                    "org": ORG if postgres else ORG.hex,
                    "events": '["*"]',
                    "headers": json.dumps(headers) if headers else None,
                    "deleted": deleted,
                    "now": now,
                },
            )
    await engine.dispose()


async def _rows(url: str) -> dict[str, tuple[object, object]]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        result = await conn.execute(
            text("SELECT id, custom_headers, custom_headers_sealed FROM integration_webhooks")
        )
        rows = {
            str(uuid.UUID(str(r.id))): (
                json.loads(r.custom_headers)
                if isinstance(r.custom_headers, str)
                else r.custom_headers,
                r.custom_headers_sealed,
            )
            for r in result
        }
    await engine.dispose()
    return rows


async def test_clear_values_are_encrypted_by_the_migration(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = Registry(PluginManager())
    await migrate.upgrade(empty_database, registry, revision="webhooks_0001")
    await _insert(empty_database)
    spec = f"m1:{generate_key()}"
    monkeypatch.setenv("MONOPILOT_SECRET_KEYS", spec)
    await migrate.upgrade(empty_database, registry)

    rows = await _rows(empty_database)
    names, token = rows[str(LIVE)]
    assert names == list(HEADERS)
    assert isinstance(token, str) and "clear-" not in token
    assert SecretBox(Keyring.from_config(spec)).open_headers(ORG, token) == HEADERS
    assert rows[str(DELETED)] == (None, None)  # kept in clear after deletion before: gone
    assert rows[str(PLAIN)] == (None, None)
    assert "clear-" not in json.dumps(rows, default=str)
