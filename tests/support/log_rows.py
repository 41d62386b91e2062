"""Integration log rows written straight into the table, for figures and benchmarks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import logs_table


def log_row(
    org_id: uuid.UUID,
    at: datetime,
    *,
    integration_type: str = "api",
    status: str = "success",
    duration_ms: int | None = 10,
    http_status: int | None = 200,
    api_key_id: uuid.UUID | None = None,
    webhook_id: uuid.UUID | None = None,
    error_message: str | None = None,
    event_type: str = "GET /api/technical/products",
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "org_id": org_id,
        "timestamp": at,
        "created_at": at,
        "integration_type": integration_type,
        "event_type": event_type,
        "direction": "inbound" if integration_type == "api" else "outbound",
        "status": status,
        "http_status": http_status,
        "duration_ms": duration_ms,
        "api_key_id": api_key_id,
        "webhook_id": webhook_id,
        "error_message": error_message,
        "retry_count": 0,
    }


async def insert_logs(database: Database, rows: list[dict[str, Any]], batch: int = 5000) -> None:
    for start in range(0, len(rows), batch):
        async with database.transaction() as conn:
            await conn.execute(insert(logs_table), rows[start : start + batch])
