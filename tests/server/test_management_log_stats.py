"""``/api/integrations/logs/stats`` and the log queries' plans: exact figures on known data
sets, the windows the API accepts, and the indexes the queries read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from monopilot_integrations.server.management import log_queries

from .conftest import ORG_A, ORG_B, Server
from .log_support import (
    LOGS,
    T0,
    get_json,
    insert_rows,
    row,
)

pytestmark = pytest.mark.usefixtures("flush_logs_before_teardown")


async def stats_data_set(server: Server) -> None:
    """Org A, 10:00-12:00 on 10 February, plus rows that must not count."""
    h10, h11 = T0, T0 + timedelta(hours=1)
    await insert_rows(
        server,
        [
            row(ORG_A, h10, duration_ms=10),
            row(ORG_A, h10 + timedelta(minutes=5), duration_ms=20, integration_type="api"),
            row(ORG_A, h10 + timedelta(minutes=10), duration_ms=30, status="error"),
            row(
                ORG_A,
                h10 + timedelta(minutes=59, seconds=59),
                duration_ms=40,
                status="warning",
                integration_type="edi",
            ),
            row(ORG_A, h11, duration_ms=100, status="error", integration_type="api"),
            row(ORG_A, h11 + timedelta(minutes=30), duration_ms=None, status="error"),
            row(ORG_A, h11 + timedelta(minutes=45), duration_ms=300),
            # Outside the window, or another organisation's: not counted.
            row(ORG_A, h10 - timedelta(microseconds=1), duration_ms=9999, status="error"),
            row(ORG_A, T0 + timedelta(hours=3), duration_ms=9999, status="error"),
            row(ORG_B, h10 + timedelta(minutes=1), duration_ms=9999, status="error"),
            row(ORG_B, h11 + timedelta(minutes=1), duration_ms=9999, status="error"),
        ],
    )


async def test_stats_by_hour_on_a_known_data_set(server: Server) -> None:
    await stats_data_set(server)
    stats = await get_json(
        server,
        f"{LOGS}/stats",
        since=T0.isoformat(),
        until=(T0 + timedelta(hours=3)).isoformat(),
    )
    assert stats["bucket"] == "hour"
    assert (stats["total"], stats["errors"]) == (7, 3)
    assert stats["error_rate"] == pytest.approx(3 / 7)
    # Durations 10, 20, 30, 40, 100, 300 (a null duration is not a duration).
    assert stats["p50_ms"] == pytest.approx(35.0)
    assert stats["p95_ms"] == pytest.approx(250.0)
    assert stats["by_status"] == {"success": 3, "error": 3, "warning": 1}
    assert stats["by_integration_type"] == {
        "webhook": {"total": 4, "success": 2, "error": 2},
        "api": {"total": 2, "success": 1, "error": 1},
        "edi": {"total": 1, "warning": 1},
    }
    series = stats["series"]
    assert [s["start"] for s in series] == [
        "2026-02-10T10:00:00Z",
        "2026-02-10T11:00:00Z",
        "2026-02-10T12:00:00Z",
    ]
    h10, h11, h12 = series
    assert (h10["count"], h10["errors"], h10["error_rate"]) == (4, 1, 0.25)
    assert h10["p50_ms"] == pytest.approx(25.0)
    assert h10["p95_ms"] == pytest.approx(38.5)
    assert (h11["count"], h11["errors"]) == (3, 2)
    assert h11["error_rate"] == pytest.approx(2 / 3)
    assert h11["p50_ms"] == pytest.approx(200.0)
    assert h11["p95_ms"] == pytest.approx(290.0)
    assert h12 == {
        "start": "2026-02-10T12:00:00Z",
        "count": 0,
        "errors": 0,
        "error_rate": 0.0,
        "p50_ms": None,
        "p95_ms": None,
    }

    # Org B sees only its own two rows in the same window.
    other = await get_json(
        server,
        f"{LOGS}/stats",
        key="b",
        since=T0.isoformat(),
        until=(T0 + timedelta(hours=3)).isoformat(),
    )
    assert (other["total"], other["errors"], other["p50_ms"]) == (2, 2, 9999.0)


async def test_stats_by_day_align_buckets_to_midnight_utc(server: Server) -> None:
    await stats_data_set(server)
    stats = await get_json(
        server,
        f"{LOGS}/stats",
        bucket="day",
        since="2026-02-09T12:00:00+02:00",
        until="2026-02-11T00:00:00Z",
    )
    assert [(s["start"], s["count"], s["errors"]) for s in stats["series"]] == [
        ("2026-02-09T00:00:00Z", 0, 0),
        ("2026-02-10T00:00:00Z", 9, 5),  # the two rows outside 10:00-12:00 count here
    ]
    # 10, 20, 30, 40, 100, 300 and the two 9999s of the same day
    assert stats["series"][1]["p50_ms"] == pytest.approx(70.0)
    assert stats["since"] == "2026-02-09T10:00:00Z"


async def test_stats_default_to_the_last_24_hours(server: Server) -> None:
    now = server.kernel.clock.now()
    await insert_rows(
        server,
        [
            row(ORG_A, now - timedelta(hours=1), duration_ms=5),
            row(ORG_A, now - timedelta(hours=23, minutes=59), duration_ms=7, status="error"),
            row(ORG_A, now - timedelta(hours=24, seconds=1), duration_ms=1000),
        ],
    )
    stats = await get_json(server, f"{LOGS}/stats")
    assert stats["until"] == now.isoformat().replace("+00:00", "Z")
    assert (stats["total"], stats["errors"]) == (2, 1)
    assert stats["p50_ms"] == pytest.approx(6.0)
    assert len(stats["series"]) == 24  # 08:00 yesterday (aligned) to 07:00 today
    assert sum(s["count"] for s in stats["series"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-02-10T10:00:00Z", "until": "2026-02-10T10:00:00Z"},
        {"since": "2026-02-10T10:00:00Z", "until": "2026-02-09T10:00:00Z"},
        {"since": "2026-01-01T00:00:00Z", "until": "2026-02-01T00:00:01Z"},  # > 31 days
        {"since": "2026-03-03T00:00:00Z"},  # after the default until (now)
        {"bucket": "week"},
        {"since": "yesterday"},
        {"since": "2026-02-10T10:00:00"},
        {"limit": "5"},
    ],
)
async def test_invalid_stats_windows_are_422(server: Server, params: dict[str, str]) -> None:
    problem = await get_json(server, f"{LOGS}/stats", expect=422, **params)
    assert problem["status"] == 422


async def test_a_31_day_window_is_allowed(server: Server) -> None:
    await stats_data_set(server)
    stats = await get_json(
        server,
        f"{LOGS}/stats",
        bucket="day",
        since="2026-02-01T00:00:00Z",
        until="2026-03-04T00:00:00Z",
    )
    assert len(stats["series"]) == 31
    assert stats["total"] == 9
    # Only until: the window is the 24 hours before it.
    day = await get_json(server, f"{LOGS}/stats", until="2026-02-11T00:00:00Z")
    assert (day["since"], day["total"], len(day["series"])) == ("2026-02-10T00:00:00Z", 9, 24)


# --- index use --------------------------------------------------------------------------


def explain_sql(statement: Any, dialect: Any) -> str:
    """``EXPLAIN`` of a statement, with its parameters rendered inline."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
    return prefix + str(compiled)


async def test_queries_read_the_org_time_index_range(server: Server) -> None:
    database = server.kernel.database
    dialect = database.dialect
    since, until = T0, T0 + timedelta(days=31)
    statements = dict(log_queries.stats_statements(ORG_A, since, until, "hour", dialect=dialect))
    statements["day series"] = log_queries.stats_statements(
        ORG_A, since, until, "day", dialect=dialect
    )["series"]
    statements["first page"] = log_queries.list_statement(ORG_A, dialect=dialect, limit=51)
    statements["next page"] = log_queries.list_statement(
        ORG_A,
        dialect=dialect,
        limit=51,
        after=log_queries.Cursor(T0, uuid.uuid4()),
        equals={"integration_type": "api", "status": "error"},
        text="timeout",
    )
    async with database.session(ORG_A) as session:
        if database.is_postgres:
            # The tables are tiny here: forbid the sequential scan to see what is possible.
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        for name, statement in statements.items():
            connection = await session.connection()
            result = await connection.exec_driver_sql(explain_sql(statement, connection.dialect))
            plan = "\n".join(" ".join(str(v) for v in r) for r in result)
            assert "idx_int_logs_org_time" in plan, (name, plan)
            if not database.is_postgres:
                assert "SCAN integration_logs" not in plan, (name, plan)


def test_percentile_matches_percentile_cont() -> None:
    assert log_queries.percentile([], 0.5) is None
    assert log_queries.percentile([7], 0.95) == 7.0
    assert log_queries.percentile([10, 20, 30, 40], 0.5) == 25.0
    assert log_queries.percentile([10, 20, 30, 40], 0.95) == pytest.approx(38.5)
    assert log_queries.percentile([1, 2, 3, 4, 5], 1.0) == 5.0


def test_cursor_round_trips_and_rejects_naive_timestamps() -> None:
    cursor = log_queries.Cursor(datetime(2026, 2, 10, 10, 0, 0, 123456, tzinfo=UTC), uuid.uuid4())
    assert log_queries.Cursor.decode(cursor.encode()) == cursor
    assert "=" not in cursor.encode()
    with pytest.raises(ValueError):
        log_queries.Cursor.decode(cursor.encode()[:-4])


# --- organisations ----------------------------------------------------------------------
