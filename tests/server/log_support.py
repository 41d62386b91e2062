"""What the log API tests share: rows inserted with a system session, the buffered
writer flushed by hand, JSON read with an expected status."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from monopilot_integrations.core.db.tables import LogRow

from .conftest import Server

LOGS = "/api/integrations/logs"
T0 = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
BEFORE_NOW = "2026-03-01T00:00:00Z"  # the manual clock reads 2026-03-02 08:00


async def flush(server: Server) -> None:
    await server.kernel.runtime().log_writer.flush()


def row(org: uuid.UUID, timestamp: datetime, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": uuid.uuid4(),
        "org_id": org,
        "timestamp": timestamp,
        "integration_type": "webhook",
        "event_type": "order.created",
        "direction": "outbound",
        "status": "success",
        "http_status": 200,
        "request_body": None,
        "response_body": None,
        "error_message": None,
        "error_class": None,
        "api_key_id": None,
        "webhook_id": None,
        "job_id": None,
        "connector": "webhooks",
        "external_system": None,
        "retry_count": 0,
        "duration_ms": None,
        "created_at": timestamp,
    }
    data.update(values)
    return data


async def insert_rows(server: Server, rows: list[dict[str, Any]]) -> None:
    async with server.kernel.database.system_session() as session:
        await session.execute(insert(LogRow), rows)


async def get_json(
    server: Server, path: str, *, key: str = "a", expect: int = 200, **params: Any
) -> Any:
    response = await server.client.get(path, params=params, headers=server.auth(key))
    body = await response.json(content_type=None)
    assert response.status == expect, body
    return body


def newest_first(rows: list[dict[str, Any]]) -> list[str]:
    ordered = sorted(rows, key=lambda r: (r["timestamp"], r["id"]), reverse=True)
    return [str(r["id"]) for r in ordered]


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]
