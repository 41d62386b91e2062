"""Hostile input on the assembled server: a 4xx problem document every time, nothing stored.

Each case here answered 500 once: a lone surrogate in a JSON body, a non-ASCII API key,
JSON nested a thousand deep, a broken gzip or deflate body, an offset past 64 bits and
timestamps whose UTC form falls outside the years 1-9999.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from monopilot_integrations.core.db.tables import LogRow, events_table

from .conftest import Server

pytestmark = pytest.mark.usefixtures("flush_logs_before_teardown")

EVENTS = "/api/integrations/events"
PRODUCTS = "/api/technical/products"
WORKORDER = {"wo_number": "WO-1", "qty_completed": 5}


async def post_raw(
    server: Server, path: str, body: bytes, **headers: str
) -> tuple[int, dict[str, Any], str]:
    response = await server.client.post(
        path,
        data=body,
        headers={**server.auth(), "Content-Type": "application/json", **headers},
    )
    text = await response.text()
    return response.status, json.loads(text), response.content_type


async def event_count(server: Server) -> int:
    async with server.kernel.database.system_session() as session:
        return int(await session.scalar(select(func.count()).select_from(events_table)) or 0)


def event_body(data_json: str) -> bytes:
    return ('{"event_type": "workorder.completed", "data": ' + data_json + "}").encode()


async def test_a_lone_surrogate_in_a_body_is_refused_and_nothing_is_stored(
    server: Server,
) -> None:
    before = await event_count(server)
    for escape in ("\\ud800", "\\uDFFF", "\\udbff x"):
        data = '{"wo_number": "' + escape + '", "qty_completed": 5}'
        status, problem, content_type = await post_raw(server, EVENTS, event_body(data))
        assert (status, content_type) == (422, "application/problem+json"), problem
        assert "surrogate" in problem["detail"]
    # A key counts too, on any route that reads JSON.
    status, problem, _ = await post_raw(server, PRODUCTS, b'{"\\ud800": 1}')
    assert status == 422, problem
    assert await event_count(server) == before
    # A pair is one character (here U+1F600) and is accepted.
    pair = '{"wo_number": "WO-\\ud83d\\ude00", "qty_completed": 5}'
    status, accepted, _ = await post_raw(server, EVENTS, event_body(pair))
    assert status == 202, accepted
    assert await event_count(server) == before + 1


async def test_a_non_ascii_api_key_is_a_401(server: Server) -> None:
    for raw in (b"mp_live_\xc3\xa9\xff\xfe", b"mp_live_" + "é".encode() * 20, b"\xed\xa0\x80"):
        header = "Bearer " + raw.decode("latin-1")  # sent as these bytes on the wire
        for name, value in (("Authorization", header), ("X-API-Key", raw.decode("latin-1"))):
            response = await server.client.get(PRODUCTS, headers={name: value})
            problem = await response.json(content_type=None)
            assert response.status == 401, problem
            assert problem["type"].endswith("api-key-malformed")


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
async def test_json_nested_too_deep_is_refused_and_the_log_keeps_the_row(
    server: Server, depth: int
) -> None:
    deep = "[" * depth + "]" * depth
    before = await event_count(server)
    for path, body in ((EVENTS, event_body(deep)), (PRODUCTS, deep.encode())):
        status, problem, content_type = await post_raw(server, path, body)
        assert (status, content_type) == (422, "application/problem+json"), problem
        assert problem["type"].endswith("too-deep")
    assert await event_count(server) == before
    # The request log took the refused bodies (masked, cut at its own depth) and flushed.
    await server.kernel.runtime().log_writer.flush()
    async with server.kernel.database.system_session() as session:
        rows = (
            await session.execute(select(LogRow.http_status).where(LogRow.http_status == 422))
        ).all()
    assert len(rows) == 2


async def test_json_at_the_depth_limit_is_accepted(server: Server) -> None:
    data = '{"wo_number": "WO-1", "qty_completed": 5, "x": ' + "[" * 62 + "]" * 62 + "}"
    status, body, _ = await post_raw(server, EVENTS, event_body(data))
    # The catalogue's schema decides about "x"; the depth itself is not refused.
    assert status in (202, 422), body
    assert not body.get("type", "").endswith("too-deep")


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_does_not_decompress_is_a_400(server: Server, encoding: str) -> None:
    for path in (EVENTS, PRODUCTS, "/api/integrations/webhooks"):
        status, problem, content_type = await post_raw(
            server, path, b"this is not compressed", **{"Content-Encoding": encoding}
        )
        assert 400 <= status < 500, problem
        assert content_type == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        PRODUCTS,
        "/api/integrations/webhooks",
        "/api/integrations/api-keys",
        "/api/integrations/dead-letters",
        "/api/integrations/retries",
        "/api/sales/orders",
        "/api/integrations/edi/partners",
    ],
)
@pytest.mark.parametrize("value", [str(2**63), str(2**64 + 5), "-1", str(10**30)])
async def test_an_offset_out_of_range_is_a_422(server: Server, path: str, value: str) -> None:
    response = await server.client.get(path, params={"offset": value}, headers=server.auth())
    problem = await response.json(content_type=None)
    assert response.status == 422, problem
    assert problem["errors"][0]["path"] == "/offset"


async def test_a_huge_integer_in_a_body_is_a_422(server: Server) -> None:
    body = {
        "number": "PO-HUGE",
        "supplier_code": "SUP-1",
        "lines": [{"product_code": "P-1", "qty": 1, "unit_price": 1, "line_no": 2**63}],
    }
    response = await server.client.post(
        "/api/planning/purchase-orders", json=body, headers=server.auth()
    )
    problem = await response.json(content_type=None)
    assert response.status == 422, problem
    assert any(e["path"] == "/lines/0/line_no" for e in problem["errors"])


EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("moment", EDGES)
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/integrations/logs", "since"),
        ("/api/integrations/logs", "until"),
        ("/api/integrations/logs/stats", "since"),
        ("/api/integrations/logs/stats", "until"),
        ("/api/integrations/dead-letters", "since"),
        ("/api/integrations/dead-letters", "until"),
        (PRODUCTS, "updated_since"),
        ("/api/integrations/edi/inbox", "since"),
    ],
)
async def test_timestamps_at_the_edges_in_queries_are_never_a_500(
    server: Server, path: str, name: str, moment: str
) -> None:
    response = await server.client.get(path, params={name: moment}, headers=server.auth())
    body = await response.json(content_type=None)
    assert response.status in (200, 422), body
    if response.status == 422:
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("moment", EDGES)
async def test_timestamps_at_the_edges_in_bodies_are_clamped(server: Server, moment: str) -> None:
    created = await server.client.post(
        "/api/integrations/api-keys",
        json={"name": "edge", "scopes": ["read:products"], "expires_at": moment},
        headers=server.auth(),
    )
    key = await created.json()
    assert created.status == 201, key
    assert key["expires_at"][:4] in ("0001", "9999")
    window = (
        {"since": moment, "until": "9999-12-30T00:00:00Z"}
        if moment.startswith("0001")
        else {"since": "2000-01-01T00:00:00Z", "until": moment}
    )
    redrive = await server.client.post(
        "/api/integrations/dead-letters/redrive", json=window, headers=server.auth()
    )
    assert redrive.status == 202, await redrive.text()
    assert (await redrive.json())["redriven"] == 0


async def test_a_path_no_route_matches_is_a_404_without_a_key(server: Server) -> None:
    """Not "missing API key": there is nothing to guard, and the routes are public (the
    OpenAPI document lists them). A method the route lacks is a 405."""
    for path in ("/api/no-such-thing", "/portal/supplier/no-such-page", "/nothing"):
        answer = await server.client.get(path)
        assert answer.status == 404, (path, await answer.text())
        assert answer.content_type == "application/problem+json"
        assert "no route matches" in (await answer.json())["detail"]
    wrong_method = await server.client.request("PATCH", "/api/integrations/api-keys")
    assert wrong_method.status == 405
