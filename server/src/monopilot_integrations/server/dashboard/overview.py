"""The overview's figures: per integration, per API key, from the hourly roll-ups.

Reading a week of an organisation's log is a read of its roll-up rows (a few thousand)
plus a count of the open hour from the log's ``(org_id, timestamp)`` index; the closed
hours are rolled up first (usually nothing to do: the periodic task keeps up). Retry-queue
depth and dead letters are counts over the jobs table's ``(org_id, status, connector)``
index. Nothing here grows with the size of the log.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from monopilot_integrations.core.apikeys.store import ApiKey
from monopilot_integrations.core.db.tables import api_keys_table, jobs_table
from monopilot_integrations.core.logs.rollup import floor_hour, percentile_of, roll_up
from monopilot_integrations.core.logs.rollup_read import Figures, OpenHours, RollupReader

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
WAITING = ("queued", "retrying", "running")


@dataclass
class Tally:
    """Successes, warnings and errors with their duration histogram."""

    successes: int = 0
    warnings: int = 0
    errors: int = 0
    rate_limited: int = 0
    durations: list[int] = field(default_factory=list)

    def add(self, status: str, figures: Figures) -> None:
        if status == "success":
            self.successes += figures.count
        elif status == "error":
            self.errors += figures.count
        else:
            self.warnings += figures.count
        self.rate_limited += figures.rate_limited
        if not self.durations:
            self.durations = [0] * len(figures.durations)
        self.durations = [a + b for a, b in zip(self.durations, figures.durations, strict=True)]

    @property
    def total(self) -> int:
        return self.successes + self.warnings + self.errors

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.total if self.total else None

    @property
    def p95_ms(self) -> float | None:
        return percentile_of(self.durations, 0.95) if self.durations else None


@dataclass
class IntegrationRow:
    name: str
    log_type: str
    day: Tally
    week: Tally
    hourly: list[tuple[datetime, int, int]]
    daily: list[tuple[datetime, int, int]]
    retry_depth: int = 0
    dead_letters: int = 0
    panel: str | None = None


@dataclass
class ApiKeyRow:
    id: uuid.UUID
    name: str
    masked: str
    status: str
    tier: str
    last_used_at: datetime | None
    day: Tally
    week: Tally


@dataclass
class Overview:
    """The page's figures, with the open hours its reader counted (for the panels shown
    on the same page to reuse)."""

    generated_at: datetime
    integrations: list[IntegrationRow]
    api_keys: list[ApiKeyRow]
    open_hours: OpenHours | None = None


async def build_overview(
    kernel: Any, org_id: uuid.UUID, installed: dict[str, str], panels: dict[str, str]
) -> Overview:
    """The organisation's overview at ``kernel.clock.now()``.

    ``installed`` maps the log's ``integration_type`` of each integration to show, even
    when it logged nothing, to its name (a connector's name, which its jobs carry: the
    webhooks connector logs as ``webhook``); ``panels`` maps a connector to its panel.
    """
    now = kernel.clock.now()
    await roll_up(kernel.database, org_id, now)
    week_start = floor_hour(now - WEEK) + timedelta(hours=1)
    day_start = floor_hour(now - DAY) + timedelta(hours=1)
    async with kernel.database.session(org_id) as session:
        reader = RollupReader(session, org_id, shared=OpenHours(org_id, now))
        hourly = await reader.grouped(
            ("integration_type", "status", "hour"), week_start, histogram=False
        )
        # One read for both windows, per integration and per API key.
        both = await reader.grouped(
            ("integration_type", "status", "api_key_id"), week_start, split=day_start
        )
        jobs = await _job_counts(session, org_id)
        keys = (
            await session.execute(
                select(api_keys_table)
                .where(api_keys_table.c.org_id == org_id)
                .order_by(api_keys_table.c.created_at.desc())
            )
        ).all()
    log_types = dict(installed)
    for log_type, *_ in both:
        log_types.setdefault(log_type, log_type)
    rows = {
        name: _empty_row(name, log_type, now, panels.get(name))
        for log_type, name in log_types.items()
    }
    per_key_day: dict[Any, Tally] = defaultdict(Tally)
    per_key_week: dict[Any, Tally] = defaultdict(Tally)
    for (log_type, status, key_id, recent), figures in both.items():
        row = rows[log_types[log_type]]
        row.week.add(status, figures)
        if key_id is not None:
            per_key_week[key_id].add(status, figures)
        if recent:
            row.day.add(status, figures)
            if key_id is not None:
                per_key_day[key_id].add(status, figures)
    for (log_type, status, hour), figures in hourly.items():
        _chart_add(rows[log_types[log_type]], hour, status, figures.count)
    for connector, status, n in jobs:
        row = rows.get(connector) or rows.setdefault(
            connector, _empty_row(connector, connector, now, panels.get(connector))
        )
        if status == "dead":
            row.dead_letters += n
        else:
            row.retry_depth += n
    api_keys = [
        ApiKeyRow(
            id=k.id,
            name=k.name,
            masked=ApiKey.from_row(k).masked_key,
            status=k.status,
            tier=k.rate_limit_tier,
            last_used_at=k.last_used_at,
            day=per_key_day.get(k.id, Tally()),
            week=per_key_week.get(k.id, Tally()),
        )
        for k in keys
    ]
    return Overview(now, list(rows.values()), api_keys, reader.open_hours)


async def _job_counts(session: Any, org_id: uuid.UUID) -> list[tuple[str, str, int]]:
    c = jobs_table.c
    stmt = (
        select(c.connector, c.status, func.count())
        .where(c.org_id == org_id, c.status.in_((*WAITING, "dead")))
        .group_by(c.connector, c.status)
    )
    return [(r[0], r[1], int(r[2])) for r in (await session.execute(stmt)).all()]


def _empty_row(name: str, log_type: str, now: datetime, panel: str | None) -> IntegrationRow:
    first_hour = floor_hour(now) - timedelta(hours=23)
    first_day = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=6)
    return IntegrationRow(
        name=name,
        log_type=log_type,
        day=Tally(),
        week=Tally(),
        hourly=[(first_hour + timedelta(hours=i), 0, 0) for i in range(24)],
        daily=[(first_day + timedelta(days=i), 0, 0) for i in range(7)],
        panel=panel,
    )


def _chart_add(row: IntegrationRow, hour: datetime, status: str, count: int) -> None:
    ok = count if status != "error" else 0
    bad = count if status == "error" else 0
    index = int((hour - row.hourly[0][0]) / timedelta(hours=1))
    if 0 <= index < len(row.hourly):
        h, s, e = row.hourly[index]
        row.hourly[index] = (h, s + ok, e + bad)
    day_index = (hour.date() - row.daily[0][0].date()).days
    if 0 <= day_index < len(row.daily):
        d, s, e = row.daily[day_index]
        row.daily[day_index] = (d, s + ok, e + bad)
