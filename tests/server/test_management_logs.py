"""``/api/integrations/logs``: list with filters and keyset pages, one row, statistics.

Log rows come from real API calls (the buffered writer, flushed by hand) and, for exact
figures, from rows inserted with a system session. The API calls a test makes write rows
too, at the manual clock's "now"; the known data sets therefore lie in the past and the
queries bound them with ``until``.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text

from monopilot_integrations.core.logs.writer import LogEntry
from monopilot_integrations.core.tables import LogRow
from monopilot_integrations.server.management import log_queries

from .conftest import ORG_A, ORG_B, Server

LOGS = "/api/integrations/logs"
T0 = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
BEFORE_NOW = "2026-03-01T00:00:00Z"  # the manual clock reads 2026-03-02 08:00


@pytest.fixture(autouse=True)
async def _flush_logs_before_teardown(server: Server) -> AsyncIterator[None]:
    """Leave nothing in the log buffer for shutdown.

    Works around a race in ``LogWriter.close`` (core): it cancels the background task,
    and a cancellation landing after a batch's commit but before the batch leaves the
    buffer makes the final flush insert the same rows again (duplicate key).
    """
    yield
    await server.kernel.runtime().log_writer.flush()


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


# --- real API calls ---------------------------------------------------------------------


async def test_api_calls_are_logged_and_listed_without_bodies(server: Server) -> None:
    listed = await server.client.get("/api/integrations/api-keys", headers=server.auth())
    assert listed.status == 200
    created = await server.client.post(
        "/api/integrations/api-keys",
        json={"name": "erp", "scopes": ["read:products"]},
        headers=server.auth(),
    )
    assert created.status == 201
    await flush(server)

    body = await get_json(server, LOGS, integration_type="api")
    assert body["next_cursor"] is None
    by_event = {item["event_type"]: item for item in body["items"]}
    post = by_event["POST /api/integrations/api-keys"]
    get = by_event["GET /api/integrations/api-keys"]
    assert (post["status"], post["http_status"], post["direction"]) == ("success", 201, "inbound")
    assert post["has_request_body"] is True and get["has_request_body"] is False
    assert post["api_key_id"] is not None
    for item in body["items"]:
        assert "request_body" not in item and "response_body" not in item

    detail = await get_json(server, f"{LOGS}/{post['id']}")
    assert detail["request_body"] == {"name": "erp", "scopes": ["read:products"]}
    assert detail["response_body"] is None
    assert detail["id"] == post["id"] and detail["has_request_body"] is True


async def test_one_row_shows_bodies_masked_as_stored(server: Server) -> None:
    writer = server.kernel.runtime().log_writer
    log_id = writer.add(
        LogEntry(
            org_id=ORG_A,
            integration_type="comarch",
            event_type="invoice.push",
            direction="outbound",
            status="error",
            request_body={"invoice": "FV/1/2026", "api_secret": "s3cr3t-value-123"},
            response_body={"error": "denied"},
            error_message="token s3cr3t-value-123 refused",
            secrets=["s3cr3t-value-123"],
        )
    )
    await flush(server)
    response = await server.client.get(f"{LOGS}/{log_id}", headers=server.auth())
    raw = await response.text()
    assert response.status == 200
    assert "s3cr3t-value-123" not in raw
    detail = await response.json()
    assert detail["request_body"]["invoice"] == "FV/1/2026"
    assert detail["response_body"] == {"error": "denied"}
    assert detail["has_response_body"] is True


async def test_unknown_or_malformed_ids_are_not_found(server: Server) -> None:
    await get_json(server, f"{LOGS}/{uuid.uuid4()}", expect=404)
    problem = await get_json(server, f"{LOGS}/not-a-uuid", expect=404)
    assert problem["status"] == 404 and problem["type"].endswith("/not-found")


# --- filters ----------------------------------------------------------------------------


async def test_every_filter_narrows_the_list(server: Server) -> None:
    key_id = uuid.uuid4()
    webhook_id, job_id = uuid.uuid4(), uuid.uuid4()
    async with server.kernel.database.system_session() as session:
        key_id = (
            await session.execute(text("SELECT id FROM integration_api_keys LIMIT 1"))
        ).scalar_one()
        key_id = key_id if isinstance(key_id, uuid.UUID) else uuid.UUID(str(key_id))
    rows = [
        row(
            ORG_A,
            T0,
            integration_type="api",
            event_type="GET /api/x",
            direction="inbound",
            api_key_id=key_id,
            connector=None,
            http_status=200,
        ),
        row(
            ORG_A,
            T0 + timedelta(minutes=1),
            status="error",
            http_status=500,
            error_message="Partner answered 500 Internal Server Error",
            webhook_id=webhook_id,
            job_id=job_id,
            external_system="acme-shop",
        ),
        row(
            ORG_A,
            T0 + timedelta(minutes=2),
            integration_type="edi",
            event_type="ORDERS",
            direction="inbound",
            connector="edi",
            status="warning",
            error_message="unknown GLN 5900000000001",
            external_system="van",
        ),
        row(
            ORG_A,
            T0 + timedelta(minutes=3),
            status="error",
            error_message="timeout after 30s (100% of budget)",
            webhook_id=webhook_id,
        ),
        row(
            ORG_A,
            T0 + timedelta(hours=2),
            integration_type="comarch",
            connector="comarch",
            event_type="invoice.push",
            external_system="comarch-optima",
        ),
        # Another organisation's rows matching every filter: never listed.
        row(
            ORG_B,
            T0 + timedelta(minutes=1),
            status="error",
            error_message="Partner 500",
            webhook_id=webhook_id,
            job_id=job_id,
            external_system="acme-shop",
        ),
    ]
    await insert_rows(server, rows)
    a_rows = rows[:5]

    def expect(predicate: Any) -> list[str]:
        return newest_first([r for r in a_rows if predicate(r)])

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({}, expect(lambda r: True)),
        ({"integration_type": "webhook"}, expect(lambda r: r["integration_type"] == "webhook")),
        ({"event_type": "ORDERS"}, expect(lambda r: r["event_type"] == "ORDERS")),
        ({"direction": "inbound"}, expect(lambda r: r["direction"] == "inbound")),
        ({"status": "error"}, expect(lambda r: r["status"] == "error")),
        ({"api_key_id": str(key_id)}, expect(lambda r: r["api_key_id"] == key_id)),
        ({"webhook_id": str(webhook_id)}, expect(lambda r: r["webhook_id"] == webhook_id)),
        ({"connector": "edi"}, expect(lambda r: r["connector"] == "edi")),
        ({"external_system": "acme-shop"}, expect(lambda r: r["external_system"] == "acme-shop")),
        ({"job_id": str(job_id)}, expect(lambda r: r["job_id"] == job_id)),
        ({"q": "partner ANSWERED"}, [str(a_rows[1]["id"])]),
        ({"q": "100%"}, [str(a_rows[3]["id"])]),  # LIKE wildcards are literal
        ({"q": "_"}, []),
        (
            {"status": "error", "webhook_id": str(webhook_id), "q": "timeout"},
            [str(a_rows[3]["id"])],
        ),
        (
            {"since": (T0 + timedelta(minutes=1)).isoformat()},
            expect(lambda r: r["timestamp"] >= T0 + timedelta(minutes=1)),
        ),
        (
            {
                "since": (T0 + timedelta(minutes=1)).isoformat(),
                "until": (T0 + timedelta(minutes=3)).isoformat(),
            },
            [str(a_rows[2]["id"]), str(a_rows[1]["id"])],
        ),
    ]
    for params, expected in cases:
        params.setdefault("until", BEFORE_NOW)
        body = await get_json(server, LOGS, **params)
        assert ids(body) == expected, params
        assert body["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "many"},
        {"status": "failed"},
        {"direction": "sideways"},
        {"since": "2026-02-10T10:00:00"},  # naive: refused
        {"since": "2026-02-10T10:00:00Z", "until": "2026-02-10T10:00:00Z"},
        {"job_id": "42"},
        {"colour": "red"},  # unknown parameter: a typo must not silently list everything
        {"q": ""},
    ],
)
async def test_invalid_list_queries_are_422(server: Server, params: dict[str, str]) -> None:
    problem = await get_json(server, LOGS, expect=422, **params)
    assert problem["type"].endswith("/validation-error")
    assert problem["errors"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "bm90IGEgY3Vyc29y",  # "not a cursor"
        base64.urlsafe_b64encode(b"2026-02-10T10:00:00|" + str(uuid.uuid4()).encode()).decode(),
        base64.urlsafe_b64encode(b"2026-02-10T10:00:00+00:00|nope").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
async def test_a_malformed_cursor_is_422(server: Server, cursor: str) -> None:
    problem = await get_json(server, LOGS, expect=422, cursor=cursor)
    assert problem["status"] == 422
    assert problem["type"].endswith("/invalid-cursor")
    assert "cursor" in problem["detail"]


# --- keyset pages -----------------------------------------------------------------------


async def test_pages_cover_every_row_once_even_while_rows_arrive(server: Server) -> None:
    rows = []
    for i in range(23):
        # Groups of three share a timestamp: ties are broken by id.
        rows.append(row(ORG_A, T0 + timedelta(seconds=i // 3), status=("error", "success")[i % 2]))
    rows += [row(ORG_B, T0 + timedelta(seconds=i)) for i in range(5)]
    await insert_rows(server, rows)
    expected = newest_first(rows[:23])

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5, "until": BEFORE_NOW}
        if cursor:
            params["cursor"] = cursor
        body = await get_json(server, LOGS, **params)
        pages += 1
        assert len(body["items"]) <= 5
        seen += ids(body)
        if pages == 1:
            # A newer row arriving between pages neither shifts nor repeats anything.
            await insert_rows(server, [row(ORG_A, T0 + timedelta(minutes=30))])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert all(c.isalnum() or c in "-_" for c in cursor)  # url-safe, unpadded
    assert pages == 5
    assert seen == expected
    assert len(set(seen)) == len(seen)

    # 21 rows in pages of 7: the third page is full and the last; no empty fourth page.
    until = (T0 + timedelta(seconds=7)).isoformat()
    seen, cursor = [], None
    for page in range(3):
        params = {"limit": 7, "until": until, **({"cursor": cursor} if cursor else {})}
        body = await get_json(server, LOGS, **params)
        assert len(body["items"]) == 7
        seen += ids(body)
        cursor = body["next_cursor"]
        assert (cursor is None) == (page == 2)
    assert seen == newest_first(rows[:21])


async def test_pages_with_a_filter_and_the_default_limit(server: Server) -> None:
    rows = [
        row(ORG_A, T0 + timedelta(seconds=i), status="error" if i % 3 == 0 else "success")
        for i in range(160)
    ]
    await insert_rows(server, rows)
    errors = newest_first([r for r in rows if r["status"] == "error"])  # 54 rows
    first = await get_json(server, LOGS, status="error", until=BEFORE_NOW)
    assert ids(first) == errors[:50]
    second = await get_json(
        server, LOGS, status="error", until=BEFORE_NOW, cursor=first["next_cursor"]
    )
    assert ids(second) == errors[50:]
    assert second["next_cursor"] is None
    everything = await get_json(server, LOGS, limit=200, until=BEFORE_NOW)
    assert ids(everything) == newest_first(rows)


# --- statistics -------------------------------------------------------------------------


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


async def test_another_organisations_logs_are_invisible(server: Server) -> None:
    a_rows = [
        row(ORG_A, T0 + timedelta(minutes=i), status="error", duration_ms=i) for i in range(4)
    ]
    b_rows = [row(ORG_B, T0 + timedelta(minutes=i)) for i in range(2)]
    await insert_rows(server, a_rows + b_rows)
    await server.client.get(LOGS, headers=server.auth("a"))  # an api row of org A
    await flush(server)

    a_ids = {str(r["id"]) for r in a_rows}
    listed = await get_json(server, LOGS, key="b", limit=200)
    assert not a_ids & set(ids(listed))
    assert set(ids(listed)) >= {str(r["id"]) for r in b_rows}
    a_api = await get_json(server, LOGS, key="a", integration_type="api")
    assert a_api["items"]
    b_all = await get_json(server, LOGS, key="b", limit=200)
    assert not {i["id"] for i in a_api["items"]} & set(ids(b_all))
    for log_id in a_ids:
        problem = await get_json(server, f"{LOGS}/{log_id}", key="b", expect=404)
        assert log_id in problem["detail"]
    # A's cursor in B's hands pages through B's rows only.
    page = await get_json(server, LOGS, key="a", limit=1, until=BEFORE_NOW)
    other = await get_json(server, LOGS, key="b", cursor=page["next_cursor"], limit=200)
    assert not a_ids & set(ids(other))
    stats = await get_json(
        server,
        f"{LOGS}/stats",
        key="b",
        since=T0.isoformat(),
        until=(T0 + timedelta(hours=1)).isoformat(),
    )
    assert (stats["total"], stats["errors"]) == (2, 0)
