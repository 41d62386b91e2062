"""Custom header values are secrets: encrypted at rest, never returned by the API, masked
in the management request's log row, wiped on delete, and still sent to the receiver."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from monopilot_integrations.connectors.webhooks.secret_box import SecretBox
from tests.connectors.webhooks.conftest import ORG_A, connector
from tests.connectors.webhooks.receiver import Receiver
from tests.server.conftest import Server, server, server_settings  # noqa: F401

BASE = "/api/integrations/webhooks"
LOGS = "/api/integrations/logs"
VALUES = {
    "Authorization": "Bearer partner-token-1111",
    "X-Partner-Key": "xpk-2222-partner",
    "Ocp-Apim-Subscription-Key": "ocp-3333-subscription",
}
CHANGED = "xpk-4444-rotated"


@pytest.fixture
async def api(server: Server) -> Any:  # noqa: F811
    yield server
    await connector(server.kernel).close()


async def _raw_row(api: Server, webhook_id: str) -> dict[str, Any]:
    """The row as stored (no column types applied): what a database dump would show."""
    key = uuid.UUID(webhook_id)
    async with api.kernel.database.system_session() as session:
        found = (
            (
                await session.execute(
                    text("SELECT * FROM integration_webhooks WHERE id = :id"),
                    {"id": key if api.kernel.database.is_postgres else key.hex},
                )
            )
            .mappings()
            .one()
        )
    return dict(found)


def _no_value_in(text_: str, values: list[str]) -> None:
    for value in values:
        assert value not in text_
        assert value.split()[-1] not in text_  # the token without its scheme word


async def _management_log_bodies(api: Server) -> list[Any]:
    await api.kernel.runtime().log_writer.flush()
    auth = api.auth("a")
    page = await (await api.client.get(LOGS, params={"limit": "200"}, headers=auth)).json()
    bodies = []
    for item in page["items"]:
        if item["event_type"] in (f"POST {BASE}", f"PUT {BASE}/{{id}}"):
            answer = await api.client.get(f"{LOGS}/{item['id']}", headers=auth)
            assert answer.status == 200
            raw = await answer.text()
            _no_value_in(raw, [*VALUES.values(), CHANGED])
            bodies.append((await answer.json())["request_body"])
    return bodies


async def test_values_are_sealed_never_shown_masked_in_logs_and_wiped_on_delete(
    api: Server, receiver: Receiver
) -> None:
    auth = api.auth("a")
    body = {"name": "ERP", "url": receiver.url, "events": ["*"], "custom_headers": VALUES}
    response = await api.client.post(BASE, json=body, headers=auth)
    assert response.status == 201
    created = await response.json()
    assert created["custom_headers"] == list(VALUES)
    hook = f"{BASE}/{created['id']}"
    update = {"custom_headers": {**dict.fromkeys(VALUES, "***"), "X-Partner-Key": CHANGED}}
    assert (await api.client.put(hook, json=update, headers=auth)).status == 200

    # At rest: names in clear, values only inside the keyring token.
    row = await _raw_row(api, created["id"])
    _no_value_in(json.dumps(row, default=str), [*VALUES.values(), CHANGED])
    names = row["custom_headers"]
    assert (json.loads(names) if isinstance(names, str) else names) == list(VALUES)
    opened = SecretBox(api.kernel.keyring).open_headers(ORG_A, row["custom_headers_sealed"])
    assert opened == {**VALUES, "X-Partner-Key": CHANGED}

    # Never returned by any read; sent to the receiver, decrypted.
    for answer in (
        await api.client.get(hook, headers=auth),
        await api.client.get(BASE, headers=auth),
    ):
        _no_value_in(await answer.text(), [*VALUES.values(), CHANGED])
    result = await (await api.client.post(f"{hook}/test", headers=auth)).json()
    assert result["delivered"] is True, result
    sent = receiver.received[-1].headers
    assert sent["Authorization"] == VALUES["Authorization"]
    assert sent["X-Partner-Key"] == CHANGED
    assert sent["Ocp-Apim-Subscription-Key"] == VALUES["Ocp-Apim-Subscription-Key"]
    _no_value_in(
        await (await api.client.get(f"{hook}/logs", headers=auth)).text(),
        [*VALUES.values(), CHANGED],
    )

    # The management requests' log rows keep the names, never the values.
    bodies = await _management_log_bodies(api)
    assert len(bodies) == 2
    for logged in bodies:
        assert set(logged["custom_headers"]) == set(VALUES)
        assert set(logged["custom_headers"].values()) == {"***"}

    assert (await api.client.delete(hook, headers=auth)).status == 204
    row = await _raw_row(api, created["id"])
    assert row["custom_headers"] is None and row["custom_headers_sealed"] is None


async def test_null_custom_headers_remove_them(api: Server, receiver: Receiver) -> None:
    auth = api.auth("a")
    body = {"name": "ERP", "url": receiver.url, "events": ["*"], "custom_headers": VALUES}
    created = await (await api.client.post(BASE, json=body, headers=auth)).json()
    hook = f"{BASE}/{created['id']}"
    cleared = await api.client.put(hook, json={"custom_headers": None}, headers=auth)
    assert (await cleared.json())["custom_headers"] == []
    row = await _raw_row(api, created["id"])
    assert row["custom_headers_sealed"] is None
