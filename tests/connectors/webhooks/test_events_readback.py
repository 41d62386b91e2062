"""Events read back through the API: the list with its filters, one event with each
subscribed webhook's delivery and attempts, and the per-webhook statistics."""

from __future__ import annotations

import uuid
from datetime import timedelta

from monopilot_integrations.core.clock import ManualClock
from tests.connectors.webhooks.conftest import ORG_A, ORG_B, run_due, webhook_logs
from tests.connectors.webhooks.receiver import Answer, Receiver
from tests.connectors.webhooks.through_the_api import BASE, hook, order
from tests.server.conftest import Server

EVENTS = "/api/integrations/events"


async def test_one_event_shows_every_subscribed_webhook_and_its_attempts(
    api: Server, receiver: Receiver, clock: ManualClock
) -> None:
    failing = await Receiver().start()
    try:
        good = await hook(api, receiver.url, name="good")
        bad = await hook(api, failing.url, name="bad")
        paused = await hook(api, receiver.url, name="paused")
        await api.client.post(f"{BASE}/{paused['id']}/pause", headers=api.auth())
        failing.default = Answer(500, body="down")
        event_id = await api.kernel.publish(ORG_A, "order.created", order(1))
        await api.kernel.dispatch_pending()
        await run_due(api.kernel)
        clock.advance(10)
        await run_due(api.kernel)  # the failing one's first retry
        await api.kernel.runtime().log_writer.flush()
    finally:
        await failing.stop()

    answer = await api.client.get(f"{EVENTS}/{event_id}", headers=api.auth())
    assert answer.status == 200, await answer.text()
    event = await answer.json()
    assert (
        event["event_type"] == "order.created" and event["payload"]["data"]["po_number"] == "PO-1"
    )
    by_name = {d["webhook_name"]: d for d in event["deliveries"]}
    assert set(by_name) == {"good", "bad", "paused"}
    assert by_name["good"]["status"] == "succeeded" and by_name["good"]["attempts"] == 1
    assert [a["http_status"] for a in by_name["good"]["attempt_log"]] == [200]
    assert by_name["good"]["delivery_id"] == receiver.delivery_ids()[0]
    assert by_name["bad"]["status"] == "retrying" and by_name["bad"]["attempts"] == 2
    assert [a["http_status"] for a in by_name["bad"]["attempt_log"]] == [500, 500]
    assert by_name["bad"]["next_attempt_at"] is not None
    assert by_name["paused"]["status"] == "not_attempted"
    assert by_name["paused"]["delivery_id"] is None
    assert {good["id"], bad["id"], paused["id"]} == {d["webhook_id"] for d in event["deliveries"]}

    # The log rows name the event instead of copying its data; the delivery log shows it.
    rows = await webhook_logs(api.kernel)
    assert rows and all(r.request_body["body"]["event_id"] == str(event_id) for r in rows)
    assert all("data" not in r.request_body["body"] for r in rows)
    page = await (await api.client.get(f"{BASE}/{good['id']}/logs", headers=api.auth())).json()
    assert page["items"][0]["request"]["body"]["data"]["po_number"] == "PO-1"

    # Another organisation, an unknown id, a malformed id: 404 alike.
    assert (await api.client.get(f"{EVENTS}/{event_id}", headers=api.auth("b"))).status == 404
    assert (await api.client.get(f"{EVENTS}/{uuid.uuid4()}", headers=api.auth())).status == 404
    assert (await api.client.get(f"{EVENTS}/not-an-id", headers=api.auth())).status == 404

    # Statistics from the log: the failing webhook's two attempts, the good one's success.
    stats = await (await api.client.get(f"{BASE}/{bad['id']}/stats", headers=api.auth())).json()
    day = stats["windows"]["24h"]
    assert (day["attempts"], day["succeeded"], day["failed"], day["deliveries"]) == (2, 0, 2, 1)
    assert day["success_rate"] == 0 and day["last_failure"]["http_status"] == 500
    assert day["p50_ms"] is not None and day["p95_ms"] >= day["p50_ms"]
    good_stats = await (
        await api.client.get(f"{BASE}/{good['id']}/stats", headers=api.auth())
    ).json()
    assert good_stats["windows"]["7d"]["success_rate"] == 1
    assert good_stats["windows"]["7d"]["last_failure"] is None
    other = await api.client.get(f"{BASE}/{good['id']}/stats", headers=api.auth("b"))
    assert other.status == 404


async def test_the_event_list_filters_by_type_and_time_and_pages(
    api: Server, clock: ManualClock
) -> None:
    start = clock.now()
    for n in range(5):
        await api.kernel.publish(ORG_A, "order.created", order(n))
        clock.advance(60)
    await api.kernel.publish(
        ORG_A,
        "inventory.low",
        {"product_code": "MAKA", "qty": 1, "reorder_level": 5},
    )
    await api.kernel.publish(ORG_B, "order.created", order(99))
    auth = api.auth()
    everything = await (await api.client.get(EVENTS, headers=auth)).json()
    assert everything["items"][0]["event_type"] == "inventory.low"
    assert len(everything["items"]) == 6  # not the other organisation's
    orders = await (await api.client.get(f"{EVENTS}?type=order.created", headers=auth)).json()
    assert len(orders["items"]) == 5
    since = (start + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    until = (start + timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    window = await (
        await api.client.get(
            EVENTS, params={"type": "order.created", "since": since, "until": until}, headers=auth
        )
    ).json()
    assert len(window["items"]) == 2
    first = await (await api.client.get(f"{EVENTS}?limit=4", headers=auth)).json()
    rest = await (
        await api.client.get(
            EVENTS,
            params={
                "limit": "4",
                "before": first["next_before"],
                "before_id": first["next_before_id"],
            },
            headers=auth,
        )
    ).json()
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert len(ids) == 6 and len(set(ids)) == 6
    backwards = await api.client.get(EVENTS, params={"since": until, "until": since}, headers=auth)
    assert backwards.status == 422


async def test_the_event_list_filters_by_channel_within_the_organisation(api: Server) -> None:
    labels = [["plant-krakow"], ["plant-krakow", "retail"], ["retail"], [], ["plant-krakow2"]]
    for n, channels in enumerate(labels):
        await api.kernel.publish(ORG_A, "order.created", order(n), channels=channels)
    await api.kernel.publish(ORG_B, "order.created", order(99), channels=["plant-krakow"])
    auth = api.auth()

    async def listed(**params: str) -> list[list[str]]:
        answer = await api.client.get(EVENTS, params=params, headers=auth)
        assert answer.status == 200, await answer.text()
        return [item["channels"] for item in (await answer.json())["items"]]

    krakow = await listed(channel="plant-krakow")
    assert sorted(krakow) == [["plant-krakow"], ["plant-krakow", "retail"]]  # not ORG_B's
    assert sorted(await listed(channel="retail")) == [["plant-krakow", "retail"], ["retail"]]
    assert await listed(channel="plant") == []  # a whole name, not a part of one
    assert await listed(channel="plant-krakow", type="inventory.low") == []
    first = await (
        await api.client.get(EVENTS, params={"channel": "plant-krakow", "limit": "1"}, headers=auth)
    ).json()
    rest = await listed(
        channel="plant-krakow", before=first["next_before"], before_id=first["next_before_id"]
    )
    assert sorted([first["items"][0]["channels"], *rest]) == sorted(krakow)
    other = await api.client.get(EVENTS, params={"channel": "plant-krakow"}, headers=api.auth("b"))
    assert [item["channels"] for item in (await other.json())["items"]] == [["plant-krakow"]]
    bad = await api.client.get(EVENTS, params={"channel": "no such'channel"}, headers=auth)
    assert bad.status == 422

    document = await (await api.client.get("/api/openapi.json")).json()
    parameters = document["paths"][EVENTS]["get"]["parameters"]
    (channel,) = [p for p in parameters if p["name"] == "channel"]
    assert channel["in"] == "query" and "channel" in channel["description"]
