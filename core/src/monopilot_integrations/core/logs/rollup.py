"""Rolling closed hours of ``integration_logs`` up into ``integration_log_rollups``.

An hour is *closed* once it ended :data:`GRACE` ago: the log writer flushes its buffer
within seconds, so no row with a timestamp in a closed hour arrives later (one that did,
after a stall of more than the grace, would be missing from the roll-up, never counted
twice). Each organisation's mark says up to where its roll-ups are complete; rolling claims
the next stretch by moving the mark in the same transaction that writes the rows, so two
processes rolling at once cannot count an hour twice: the second one's conditional update
finds the mark moved and gives up.

The roll-up runs as a periodic task (every organisation that has a mark or an API key) and
before every overview, which then only has to count the open hour from the log itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.log_rollups import DURATION_BOUNDS_MS, HISTOGRAM_COLUMNS
from monopilot_integrations.core.db.tables import (
    api_keys_table,
    log_rollup_marks_table,
    log_rollups_table,
    logs_table,
)

#: How long after its end an hour counts as closed.
GRACE = timedelta(minutes=5)
#: How far back roll-ups are kept and first computed (the overview shows 7 days).
HORIZON = timedelta(days=8)
HOUR = timedelta(hours=1)

GroupKey = tuple[str, str, uuid.UUID | None, uuid.UUID | None]


@dataclass
class Group:
    """Counts of the log rows of one (integration type, status, API key, webhook)."""

    integration_type: str
    status: str
    api_key_id: uuid.UUID | None
    webhook_id: uuid.UUID | None
    count: int = 0
    rate_limited: int = 0
    durations: list[int] = field(default_factory=lambda: [0] * (len(DURATION_BOUNDS_MS) + 1))
    last_error_at: datetime | None = None

    @property
    def key(self) -> GroupKey:
        return (self.integration_type, self.status, self.api_key_id, self.webhook_id)

    def merge(self, other: Group) -> None:
        self.count += other.count
        self.rate_limited += other.rate_limited
        self.durations = [a + b for a, b in zip(self.durations, other.durations, strict=True)]
        self.last_error_at = _latest(self.last_error_at, other.last_error_at)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _duration_bucket() -> Any:
    d = logs_table.c.duration_ms
    whens = [(d <= bound, index) for index, bound in enumerate(DURATION_BOUNDS_MS)]
    return case((d.is_(None), -1), *whens, else_=len(DURATION_BOUNDS_MS))


def hour_of(column: Any, dialect: str) -> Any:
    """The start of the hour of a timestamp column, in SQL (UTC: stored so on both)."""
    if dialect == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", column))
    return func.strftime("%Y-%m-%d %H:00:00", column)


async def count_window(
    session: AsyncSession, org_id: uuid.UUID, since: datetime, until: datetime
) -> list[tuple[datetime, Group]]:
    """The groups of the organisation's log rows with ``since <= timestamp < until``, per
    hour (the hour's start with each group).

    One statement over a range of the ``(org_id, timestamp)`` index, grouped in SQL; the
    duration histogram is one ``SUM(CASE ...)`` per bucket, so the database returns one row
    per group and hour, not one per bucket.
    """
    c = logs_table.c
    hour = hour_of(c.timestamp, session.get_bind().dialect.name).label("hour")
    bucket = _duration_bucket()
    is_error = c.status == "error"
    keys = (hour, c.integration_type, c.status, c.api_key_id, c.webhook_id)
    stmt = (
        select(
            *keys,
            func.count().label("n"),
            func.sum(case((c.http_status == 429, 1), else_=0)).label("limited"),
            func.max(case((is_error, c.timestamp), else_=None)).label("last_error_at"),
            *(
                func.sum(case((bucket == index, 1), else_=0))
                for index in range(len(DURATION_BOUNDS_MS) + 1)
            ),
        )
        .where(c.org_id == org_id, c.timestamp >= since, c.timestamp < until)
        .group_by(*keys)
    )
    out: list[tuple[datetime, Group]] = []
    for row in (await session.execute(stmt)).all():
        group = Group(row.integration_type, row.status, row.api_key_id, row.webhook_id)
        group.count = int(row.n)
        group.rate_limited = int(row.limited or 0)
        group.durations = [int(v or 0) for v in row[8:]]
        group.last_error_at = aware(row.last_error_at)
        start = aware(row.hour)
        assert start is not None
        out.append((start, group))
    return out


def aware(value: Any) -> datetime | None:
    """``max()`` over a timestamp comes back as text on SQLite (no column type to apply)."""
    if value is None or isinstance(value, datetime):
        return _utc(value)
    text = str(value).replace(" ", "T")
    return _utc(datetime.fromisoformat(text))


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def rolled_until(session: AsyncSession, org_id: uuid.UUID) -> datetime | None:
    m = log_rollup_marks_table.c
    value = await session.scalar(select(m.rolled_until).where(m.org_id == org_id))
    return aware(value)


async def roll_up(database: Database, org_id: uuid.UUID, now: datetime) -> datetime:
    """Count every closed hour not yet rolled up; returns the organisation's new mark.

    A first roll-up starts :data:`HORIZON` back. Roll-ups older than the horizon are
    deleted in the same transaction.
    """
    closed = floor_hour(now - GRACE)
    earliest = floor_hour(now - HORIZON)
    async with database.session(org_id) as session:
        mark = await rolled_until(session, org_id)
        start = max(mark, earliest) if mark is not None else earliest
        if start >= closed:
            return mark or closed
        if not await _claim(session, org_id, mark, closed):
            return closed  # another process is rolling this stretch right now
        rows = [
            _row(org_id, hour, group)
            for hour, group in await count_window(session, org_id, start, closed)
        ]
        for first in range(0, len(rows), 1000):
            await session.execute(insert(log_rollups_table), rows[first : first + 1000])
        r = log_rollups_table.c
        await session.execute(
            delete(log_rollups_table).where(r.org_id == org_id, r.hour < earliest)
        )
    return closed


async def _claim(
    session: AsyncSession, org_id: uuid.UUID, mark: datetime | None, new: datetime
) -> bool:
    m = log_rollup_marks_table.c
    if mark is None:
        try:
            async with session.begin_nested():
                await session.execute(
                    insert(log_rollup_marks_table).values(
                        id=uuid.uuid4(), org_id=org_id, rolled_until=new
                    )
                )
        except IntegrityError:
            return False
        return True
    result = await session.execute(
        update(log_rollup_marks_table)
        .where(m.org_id == org_id, m.rolled_until == mark)
        .values(rolled_until=new)
    )
    return bool(getattr(result, "rowcount", 0))


def _row(org_id: uuid.UUID, hour: datetime, group: Group) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "org_id": org_id,
        "hour": hour,
        "integration_type": group.integration_type,
        "status": group.status,
        "api_key_id": group.api_key_id,
        "webhook_id": group.webhook_id,
        "count": group.count,
        "rate_limited": group.rate_limited,
        **dict(zip(HISTOGRAM_COLUMNS, group.durations, strict=True)),
        "last_error_at": group.last_error_at,
    }


async def organisations_to_roll(database: Database) -> Sequence[uuid.UUID]:
    """Organisations with a mark (the dashboard was opened) or an API key."""
    async with database.system_session() as session:
        marked = select(log_rollup_marks_table.c.org_id)
        keyed = select(api_keys_table.c.org_id)
        result = await session.execute(marked.union(keyed))
        return [row[0] for row in result.all()]


async def roll_up_all(kernel: Any) -> None:
    """The periodic task: roll up every organisation that has something to show."""
    database = kernel.database
    now = kernel.clock.now()
    for org_id in await organisations_to_roll(database):
        await roll_up(database, org_id, now)


def percentile_of(durations: Sequence[int], fraction: float) -> float | None:
    """The ``fraction`` percentile of a duration histogram, interpolated linearly inside
    its bucket (exact to within one bucket); the open last bucket answers its lower
    bound. ``None`` when nothing was measured."""
    total = sum(durations)
    if total == 0:
        return None
    rank = fraction * total
    seen = 0
    for index, n in enumerate(durations):
        if n and seen + n >= rank:
            low = 0 if index == 0 else DURATION_BOUNDS_MS[index - 1]
            if index >= len(DURATION_BOUNDS_MS):
                return float(low)
            high = DURATION_BOUNDS_MS[index]
            return low + (high - low) * (rank - seen) / n
        seen += n
    return float(DURATION_BOUNDS_MS[-1])
