"""Hourly roll-ups of the integration log: counted once, the same figures as the log."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import log_rollups_table
from monopilot_integrations.core.logs.rollup import GRACE, floor_hour, percentile_of, roll_up
from monopilot_integrations.core.logs.rollup_read import Figures, RollupReader
from monopilot_integrations.server.management.log_queries import percentile
from tests.support.log_rows import insert_logs, log_row

ORG_A = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
ORG_B = uuid.UUID("00000000-0000-4000-8000-0000000000b2")


async def _rollup_rows(database: Database, org: uuid.UUID) -> int:
    async with database.session(org) as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(log_rollups_table)
                .where(log_rollups_table.c.org_id == org)
            )
            or 0
        )


async def test_closed_hours_are_counted_once_and_the_open_hour_live(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    hook = uuid.uuid4()  # (api_key_id needs a stored key: webhook_id groups the same way)
    rows = []
    for hours_ago in range(0, 30):
        at = now - timedelta(hours=hours_ago, minutes=1)
        rows.append(log_row(ORG_A, at, webhook_id=hook, duration_ms=hours_ago + 1))
        rows.append(log_row(ORG_A, at, status="error", http_status=429, webhook_id=hook))
        rows.append(log_row(ORG_B, at, integration_type="webhook", status="error"))
    await insert_logs(database, rows)

    mark = await roll_up(database, ORG_A, now)
    assert mark == floor_hour(now - GRACE)
    stored = await _rollup_rows(database, ORG_A)
    assert stored > 0
    assert await roll_up(database, ORG_A, now) == mark  # nothing new: nothing added
    assert await _rollup_rows(database, ORG_A) == stored
    assert await _rollup_rows(database, ORG_B) == 0  # another organisation's log untouched

    since = floor_hour(now - timedelta(hours=29))
    by = ("integration_type", "webhook_id", "status")
    async with database.session(ORG_A) as session:
        groups = await RollupReader(session, ORG_A, now).grouped(by, since)
    expected = [r for r in rows if r["org_id"] == ORG_A and r["timestamp"] >= since]
    assert {k: f.count for k, f in groups.items()} == {
        ("api", hook, "success"): sum(1 for r in expected if r["status"] == "success"),
        ("api", hook, "error"): sum(1 for r in expected if r["status"] == "error"),
    }
    assert groups[("api", hook, "error")].rate_limited == groups[("api", hook, "error")].count
    newest_error = max(r["timestamp"] for r in expected if r["status"] == "error")
    assert groups[("api", hook, "error")].last_error_at == newest_error

    # A new row in the open hour shows at once, without a roll-up.
    await insert_logs(database, [log_row(ORG_A, now - timedelta(seconds=5), status="error")])
    async with database.session(ORG_A) as session:
        again = await RollupReader(session, ORG_A, now).grouped(("status",), since)
    assert again[("error",)].count == groups[("api", hook, "error")].count + 1
    per_hour = await _per_hour(database, now, since)
    assert len(per_hour) == 29 and sum(per_hour.values()) == len(expected) + 1


async def _per_hour(database: Database, now, since) -> dict:  # type: ignore[no-untyped-def]
    async with database.session(ORG_A) as session:
        grouped = await RollupReader(session, ORG_A, now).grouped(("hour",), since)
    return {hour: figures.count for (hour,), figures in grouped.items()}


async def test_rolled_up_p95_is_within_one_bucket_of_the_exact_one(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    durations = [3, 7, 12, 40, 80, 120, 240, 300, 800, 1200] * 20
    at = floor_hour(now) - timedelta(hours=3)
    await insert_logs(
        database,
        [log_row(ORG_A, at + timedelta(seconds=i), duration_ms=d) for i, d in enumerate(durations)],
    )
    await roll_up(database, ORG_A, now)
    async with database.session(ORG_A) as session:
        (figures,) = (await RollupReader(session, ORG_A, now).grouped((), at)).values()
    histogram = figures.durations
    exact = percentile(sorted(float(d) for d in durations), 0.95)
    assert exact is not None
    approx = percentile_of(histogram, 0.95)
    assert approx is not None
    assert 1000 <= approx <= 2500  # exact is 1200: the (1000, 2500] bucket
    assert percentile_of([0] * len(histogram), 0.95) is None


async def test_two_rollers_at_once_count_each_hour_once(
    database: Database, clock: ManualClock
) -> None:
    import asyncio

    now = clock.now()
    await insert_logs(
        database, [log_row(ORG_A, now - timedelta(hours=h, minutes=10)) for h in range(1, 12)]
    )
    await asyncio.gather(*(roll_up(database, ORG_A, now) for _ in range(3)))
    async with database.session(ORG_A) as session:
        reader = RollupReader(session, ORG_A, now)
        grouped = await reader.grouped((), floor_hour(now - timedelta(hours=12)))
    assert [f.count for f in grouped.values()] == [11]
    _ = Figures
