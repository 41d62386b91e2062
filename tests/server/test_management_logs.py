"""``/api/integrations/logs``: list with filters and keyset pages, one row, statistics.

Log rows come from real API calls (the buffered writer, flushed by hand) and, for exact
figures, from rows inserted with a system session. The API calls a test makes write rows
too, at the manual clock's "now"; the known data sets therefore lie in the past and the
queries bound them with ``until``.
"""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from monopilot_integrations.core.logs.writer import LogEntry

from .conftest import ORG_A, ORG_B, Server
from .log_support import (
    BEFORE_NOW,
    LOGS,
    T0,
    flush,
    get_json,
    ids,
    insert_rows,
    newest_first,
    row,
)

pytestmark = pytest.mark.usefixtures("flush_logs_before_teardown")

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
        base64.urlsafe_b64encode(
            b"2026-02-10T10:00:00|075a2c15-1321-4f9d-8c74-8889d2c1b556"
        ).decode(),
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
