"""``/api/integrations/logs``: the integration log of the caller's organisation.

* ``GET /logs``: newest first, keyset pages (``next_cursor``), filters; rows without bodies.
* ``GET /logs/stats``: totals, error rate, duration percentiles and a series per hour or day.
* ``GET /logs/{id}``: one row with its (masked, as stored) bodies.

A cursor holds the position only: send the same filters with it as for the first page.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from monopilot_integrations.core.db.tables import logs_table
from monopilot_integrations.core.web.fields import AwareTimestamp
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_query
from monopilot_integrations.server.management import log_queries
from monopilot_integrations.server.management.common import admin_routes, path_uuid
from monopilot_integrations.server.management.log_queries import Cursor

STATS_MAX_WINDOW = timedelta(days=31)
STATS_DEFAULT_WINDOW = timedelta(hours=24)
#: Columns a list filter compares for equality.
EQUALITY_FILTERS = (
    "integration_type",
    "event_type",
    "direction",
    "status",
    "api_key_id",
    "webhook_id",
    "connector",
    "external_system",
    "job_id",
)


# --- models -----------------------------------------------------------------------------


class LogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200, description="Rows per page")
    cursor: str | None = Field(
        default=None, max_length=200, description="next_cursor of the previous page"
    )
    integration_type: str | None = Field(
        default=None, max_length=50, description="api, webhook, edi, comarch, import, export..."
    )
    event_type: str | None = Field(default=None, max_length=100)
    direction: Literal["inbound", "outbound"] | None = None
    status: Literal["success", "warning", "error"] | None = None
    since: AwareTimestamp | None = Field(default=None, description="timestamp >= since")
    until: AwareTimestamp | None = Field(default=None, description="timestamp < until")
    api_key_id: uuid.UUID | None = None
    webhook_id: uuid.UUID | None = None
    connector: str | None = Field(default=None, max_length=100)
    external_system: str | None = Field(default=None, max_length=100)
    job_id: uuid.UUID | None = Field(default=None, description="Attempts of one job")
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Text in error_message (case-insensitive)",
    )

    @model_validator(mode="after")
    def _window(self) -> LogQuery:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("'until' must be after 'since'")
        return self


class LogItem(BaseModel):
    """A log row without its bodies."""

    id: uuid.UUID
    timestamp: datetime
    integration_type: str
    event_type: str
    direction: str
    status: str
    http_status: int | None
    error_message: str | None
    error_class: str | None
    api_key_id: uuid.UUID | None
    webhook_id: uuid.UUID | None
    job_id: uuid.UUID | None
    connector: str | None
    external_system: str | None
    retry_count: int
    duration_ms: int | None
    created_at: datetime
    has_request_body: bool = Field(description="Fetch the row by id to see the bodies")
    has_response_body: bool


class LogDetail(LogItem):
    """A log row with its bodies, masked as they were stored."""

    request_body: Any = None
    response_body: Any = None


class LogPage(BaseModel):
    items: list[LogItem]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: last")


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareTimestamp | None = Field(default=None, description="Default: until - 24 h")
    until: AwareTimestamp | None = Field(default=None, description="Default: now")
    bucket: Literal["hour", "day"] = "hour"


class StatsBucket(BaseModel):
    start: datetime = Field(description="Start of the bucket (UTC)")
    count: int
    errors: int
    error_rate: float
    p50_ms: float | None = Field(description="Median duration_ms; null without durations")
    p95_ms: float | None


class LogStats(BaseModel):
    since: datetime
    until: datetime
    bucket: Literal["hour", "day"]
    total: int
    errors: int = Field(description="Rows with status 'error'")
    error_rate: float = Field(description="errors / total (0 without rows)")
    p50_ms: float | None
    p95_ms: float | None
    by_integration_type: dict[str, dict[str, int]] = Field(
        description="Per integration_type: count per status, and 'total'"
    )
    by_status: dict[str, int]
    series: list[StatsBucket]


# --- handlers ---------------------------------------------------------------------------


def _item(row: Any, model: type[LogItem] = LogItem) -> LogItem:
    return model.model_validate(dict(row._mapping))


async def list_logs(request: web.Request) -> web.Response:
    query = parse_query(request, LogQuery)
    after = None
    if query.cursor is not None:
        try:
            after = Cursor.decode(query.cursor)
        except ValueError:
            raise Problem(
                422,
                "the cursor is malformed: pass next_cursor from a previous page as is",
                kind="invalid-cursor",
                errors=[
                    {
                        "location": "query",
                        "path": "/cursor",
                        "message": "malformed cursor",
                        "type": "invalid_cursor",
                    }
                ],
            ) from None
    org = request_org(request)
    kernel = request_kernel(request)
    statement = log_queries.list_statement(
        org,
        dialect=kernel.database.dialect,
        equals={name: getattr(query, name) for name in EQUALITY_FILTERS},
        since=query.since,
        until=query.until,
        text=query.q,
        after=after,
        limit=query.limit + 1,
    )
    async with kernel.session(org) as session:
        rows = (await session.execute(statement)).all()
    items = [_item(row) for row in rows[: query.limit]]
    next_cursor = None
    if len(rows) > query.limit:
        last = items[-1]
        next_cursor = Cursor(last.timestamp, last.id).encode()
    return json_response(LogPage(items=items, next_cursor=next_cursor))


async def get_log(request: web.Request) -> web.Response:
    org = request_org(request)
    log_id = path_uuid(request)
    kernel = request_kernel(request)
    c = logs_table.c
    statement = select(
        logs_table,
        log_queries.has_body(c.request_body, kernel.database.dialect).label("has_request_body"),
        log_queries.has_body(c.response_body, kernel.database.dialect).label("has_response_body"),
    ).where(c.org_id == org, c.id == log_id)
    async with kernel.session(org) as session:
        row = (await session.execute(statement)).first()
    if row is None:
        raise Problem(404, f"no integration log {log_id} in this organisation")
    return json_response(_item(row, LogDetail))


async def log_stats(request: web.Request) -> web.Response:
    query = parse_query(request, StatsQuery)
    org = request_org(request)
    kernel = request_kernel(request)
    until = (query.until or kernel.clock.now()).astimezone(UTC)
    since = (query.since or until - STATS_DEFAULT_WINDOW).astimezone(UTC)
    if until <= since:
        raise Problem(422, "'until' must be after 'since'", kind="invalid-window")
    if until - since > STATS_MAX_WINDOW:
        raise Problem(
            422, f"the window may span at most {STATS_MAX_WINDOW.days} days", kind="invalid-window"
        )
    async with kernel.session(org) as session:
        stats = await log_queries.log_stats(
            session, org, since, until, query.bucket, dialect=kernel.database.dialect
        )
    by_type, by_status = log_queries.group_totals(stats.totals)
    total = sum(n for _, _, n in stats.totals)
    errors = by_status.get("error", 0)
    return json_response(
        LogStats(
            since=since,
            until=until,
            bucket=query.bucket,
            total=total,
            errors=errors,
            error_rate=_rate(errors, total),
            p50_ms=stats.p50_ms,
            p95_ms=stats.p95_ms,
            by_integration_type=by_type,
            by_status=by_status,
            series=[
                StatsBucket(
                    start=p.start,
                    count=p.count,
                    errors=p.errors,
                    error_rate=_rate(p.errors, p.count),
                    p50_ms=p.p50_ms,
                    p95_ms=p.p95_ms,
                )
                for p in stats.series
            ],
        )
    )


def _rate(errors: int, total: int) -> float:
    return errors / total if total else 0.0


_route = admin_routes("/api/integrations/logs", "logs.", ("logs",))


# ``/stats`` before ``/{id}``: the router tries routes in registration order.
ROUTES = [
    _route(
        "GET",
        "",
        list_logs,
        "list",
        "List integration logs, newest first (keyset pages, filters; no bodies)",
        query_model=LogQuery,
        response_model=LogPage,
    ),
    _route(
        "GET",
        "/stats",
        log_stats,
        "stats",
        "Totals, error rate, duration percentiles and a per-hour or per-day series",
        query_model=StatsQuery,
        response_model=LogStats,
    ),
    _route(
        "GET",
        "/{id}",
        get_log,
        "get",
        "One integration log row with its masked bodies",
        response_model=LogDetail,
    ),
]
