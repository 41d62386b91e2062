"""The webhook routes at the edges: timestamps whose UTC form leaves the years 1-9999,
offsets past 64 bits, and delivery logs stored with text UTF-8 cannot encode."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from monopilot_integrations.core.db.types import JSONText
from tests.connectors.webhooks.conftest import ORG_A, connector
from tests.connectors.webhooks.receiver import Receiver
from tests.server.conftest import Server, server, server_settings  # noqa: F401
from tests.server.log_support import insert_rows, row

BASE = "/api/integrations/webhooks"
EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.fixture
async def api(server: Server) -> Any:  # noqa: F811
    yield server
    await connector(server.kernel).close()


async def make_webhook(api: Server, receiver: Receiver) -> str:
    created = await api.client.post(
        BASE,
        json={"name": "x", "url": receiver.url, "events": ["order.created"]},
        headers=api.auth("a"),
    )
    assert created.status == 201
    webhook_id: str = (await created.json())["id"]
    return webhook_id


@pytest.mark.parametrize("moment", EDGES)
async def test_timestamps_at_the_edges_are_never_a_500(
    api: Server, receiver: Receiver, moment: str
) -> None:
    webhook_id = await make_webhook(api, receiver)
    logs = await api.client.get(
        f"{BASE}/{webhook_id}/logs", params={"before": moment}, headers=api.auth("a")
    )
    assert logs.status == 200, await logs.text()
    for window in ({"since": moment}, {"since": "2000-01-01T00:00:00Z", "until": moment}):
        recovered = await api.client.post(
            f"{BASE}/{webhook_id}/recover", json=window, headers=api.auth("a")
        )
        body = await recovered.json(content_type=None)
        assert recovered.status in (200, 409, 422), body
        if recovered.status == 200:
            assert body["recovered"] == 0


async def test_an_offset_past_64_bits_is_a_422(api: Server) -> None:
    response = await api.client.get(BASE, params={"offset": str(2**63)}, headers=api.auth("a"))
    assert response.status == 422, await response.text()


async def test_a_delivery_log_with_a_lone_surrogate_reads_back(
    api: Server, receiver: Receiver
) -> None:
    if api.kernel.database.is_postgres:
        pytest.skip("PostgreSQL's jsonb refuses unpaired surrogates: no such row can exist")
    webhook_id = await make_webhook(api, receiver)
    stored = row(
        ORG_A,
        datetime(2026, 2, 10, tzinfo=UTC),
        webhook_id=uuid.UUID(webhook_id),
        request_body=JSONText('{"data": {"note": "a\\ud800b"}}'),
        response_body=JSONText('"\\udc00"'),
    )
    await insert_rows(api, [stored])
    response = await api.client.get(f"{BASE}/{webhook_id}/logs", headers=api.auth("a"))
    page = await response.json()
    assert response.status == 200, page
    (item,) = [i for i in page["items"] if i["id"] == str(stored["id"])]
    assert item["request"] == {"data": {"note": "a\ufffdb"}}
    assert item["response"] == "\ufffd"
