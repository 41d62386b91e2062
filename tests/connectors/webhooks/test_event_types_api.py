"""The event type catalogue through the API and in the OpenAPI document, checked against
what is actually sent: every example passes its own schema, every sent body passes its
type's payload schema; and the consistency rules (retries against the schedule, money as
strings, the pause message in human units)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from monopilot_integrations.connectors.webhooks.message import human_duration
from tests.connectors.webhooks.conftest import ORG_A, run_due
from tests.connectors.webhooks.receiver import Receiver
from tests.connectors.webhooks.through_the_api import BASE
from tests.server.conftest import Server


def _check(schema: dict[str, Any], instance: Any) -> None:
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        instance
    )


async def test_catalogue_lists_every_installed_type_and_matches_what_is_sent(
    api: Server, receiver: Receiver
) -> None:
    answer = await api.client.get("/api/integrations/event-types", headers=api.auth())
    assert answer.status == 200, await answer.text()
    items = {item["name"]: item for item in (await answer.json())["items"]}
    registered = api.kernel.registry.event_types
    assert set(items) == set(registered)
    # Built-in, connector-owned (webhooks, edi) and the test plugin's own types.
    assert {"order.created", "webhook.disabled", "edi.message.failed", "test.ping"} <= set(items)
    assert items["webhook.disabled"]["publisher"] == "webhooks"
    assert items["order.created"]["publisher"] is None
    for name, item in items.items():
        assert item["description"], name
        Draft202012Validator.check_schema(item["data_schema"])
        _check(item["data_schema"], item["example"])  # every example passes its own schema
        _check(item["payload_schema"], item["example_payload"])
        assert item["example_payload"]["data"] == item["example"]

    # The OpenAPI document carries the same catalogue as 3.1 webhooks.
    document = await (await api.client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert set(document["webhooks"]) == set(items)
    hook = document["webhooks"]["order.created"]["post"]
    body = hook["requestBody"]["content"]["application/json"]
    assert body["schema"] == items["order.created"]["payload_schema"]
    _check(body["schema"], body["example"])
    assert "/api/integrations/event-types" in document["paths"]

    # Every sent body passes its type's payload schema (publish each publishable example).
    created = await api.client.post(
        BASE,
        json={"name": "all", "url": receiver.url, "events": ["*"]},
        headers=api.auth(),
    )
    assert created.status == 201
    for name, kind in registered.items():
        await api.kernel.publish(ORG_A, name, kind.example)
    await api.kernel.dispatch_pending()
    assert set(await run_due(api.kernel)) == {"succeeded"}
    assert len(receiver.received) == len(registered)
    for request in receiver.received:
        sent = json.loads(request.body)
        _check(items[sent["event"]]["payload_schema"], sent)

    filtered = await api.client.get(
        "/api/integrations/event-types?prefix=order.", headers=api.auth()
    )
    assert {i["name"] for i in (await filtered.json())["items"]} == {
        "order.created",
        "order.updated",
    }
    bad = await api.client.get("/api/integrations/event-types?colour=red", headers=api.auth())
    assert bad.status == 422
    assert (await api.client.get("/api/integrations/event-types")).status == 401


async def test_money_travels_as_strings_in_payloads(api: Server) -> None:
    kinds = api.kernel.registry.event_types
    assert kinds["product.created"].example["price"] == "0.6"
    assert kinds["order.created"].example["lines"][0]["unit_price"] == "2.1"
    with pytest.raises(Exception, match="price"):
        kinds["product.created"].validate({**kinds["product.created"].example, "price": 0.6})


async def test_max_retries_is_checked_against_the_policy_schedule(
    api: Server, receiver: Receiver
) -> None:
    auth = api.auth()
    body = {"name": "x", "url": receiver.url, "events": ["order.created"]}
    default = await (await api.client.post(BASE, json=body, headers=auth)).json()
    assert (default["retry_policy"], default["max_retries"]) == ("exponential", 5)
    immediate = await api.client.post(
        BASE, json={**body, "retry_policy": "immediate"}, headers=auth
    )
    assert (await immediate.json())["max_retries"] == 3
    too_many = await api.client.post(
        BASE, json={**body, "retry_policy": "exponential", "max_retries": 10}, headers=auth
    )
    assert too_many.status == 422
    problem = await too_many.json()
    assert problem["errors"][0]["path"] == "/max_retries"
    assert (
        "at most 5 times (5 seconds, 30 seconds, 5 minutes, 30 minutes, 2 hours)"
        in (problem["errors"][0]["message"])
    )
    # An update is checked against the policy in effect after it.
    hook = f"{BASE}/{default['id']}"
    switch = await api.client.put(hook, json={"retry_policy": "immediate"}, headers=auth)
    assert switch.status == 422 and "immediate policy retries at most 3" in await switch.text()
    ok = await api.client.put(
        hook, json={"retry_policy": "immediate", "max_retries": 2}, headers=auth
    )
    assert (await ok.json())["max_retries"] == 2


def test_durations_read_as_people_write_them() -> None:
    assert human_duration(5 * 24 * 3600) == "5 days"
    assert human_duration(36 * 3600) == "1 day 12 hours"
    assert human_duration(5400) == "1 hour 30 minutes"
    assert human_duration(1) == "1 second"
    assert human_duration(0) == "0 seconds"
