"""Channels and payload filters decide which events of a type a webhook gets; a replay
after a pause delivers what was missed and nothing twice; every old secret within its
grace period keeps signing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook

from tests.connectors.webhooks.conftest import ORG_A, connector, jobs, run_due
from tests.connectors.webhooks.receiver import Answer, Receiver
from tests.connectors.webhooks.through_the_api import BASE, hook, order
from tests.server.conftest import Server


def numbers(receiver: Receiver) -> list[str]:
    return sorted(body["data"]["po_number"] for body in receiver.bodies())


async def deliver(api: Server) -> None:
    await api.kernel.dispatch_pending()
    await run_due(api.kernel)


async def test_channels_and_payload_filters_choose_the_events(
    api: Server, receiver: Receiver
) -> None:
    krakow, picky = await Receiver().start(), await Receiver().start()
    try:
        await hook(api, receiver.url)  # no channel, no filter: everything of its type
        await hook(api, krakow.url, channels=["plant-krakow"])
        made = await hook(
            api,
            picky.url,
            filter={"status": {"in": ["sent", "confirmed"]}, "supplier_code": "MLYN"},
        )
        assert made["filter"] == {"status": {"in": ["sent", "confirmed"]}, "supplier_code": "MLYN"}
        publish = api.client.post
        for n, (status, supplier, channels) in enumerate(
            [
                ("draft", "MLYN", ["plant-krakow"]),
                ("sent", "MLYN", []),
                ("sent", "OTHER", ["plant-gdansk"]),
                ("confirmed", "MLYN", ["plant-gdansk", "plant-krakow"]),
            ]
        ):
            answer = await publish(
                "/api/integrations/events",
                json={
                    "event_type": "order.created",
                    "data": order(n, status, supplier),
                    "channels": channels,
                },
                headers=api.auth(),
            )
            assert answer.status == 202, await answer.text()
        await deliver(api)
        assert numbers(receiver) == ["PO-0", "PO-1", "PO-2", "PO-3"]
        assert numbers(krakow) == ["PO-0", "PO-3"]
        assert numbers(picky) == ["PO-1", "PO-3"]
    finally:
        await krakow.stop()
        await picky.stop()


async def test_nested_keys_and_filter_validation(api: Server, receiver: Receiver) -> None:
    nested = await hook(
        api,
        receiver.url,
        events=["shipment.dispatched"],
        filter={"lines.product_code": "NEVER"},  # through an array: declared, never equal
    )
    assert nested["filter"] == {"lines.product_code": "NEVER"}
    bad_cases = [
        ({"filter": {"stauts": "sent"}}, "no subscribed event type declares this field"),
        ({"filter": {"status": {"gt": 1}}}, "a condition is a value"),
        ({"filter": {"status": ["a"]}}, "compare with a string"),
        ({"filter": {"bad path!": 1}}, "is not a field path"),
        ({"filter": {"status": {"in": []}}}, "'in' takes 1 to 100"),
        ({"channels": ["no spaces allowed"]}, "is not a channel name"),
        ({"channels": ["a", "a"]}, "listed twice"),
        ({"rate_limit": 0}, "greater than or equal to 1"),
    ]
    for fields, message in bad_cases:
        answer = await api.client.post(
            BASE,
            json={"name": "x", "url": receiver.url, "events": ["order.created"], **fields},
            headers=api.auth(),
        )
        assert answer.status == 422, fields
        assert message in await answer.text(), (fields, await answer.text())
    # '*' subscribes to every type: any well-formed path is accepted.
    star = await hook(api, receiver.url, events=["*"], filter={"custom.field": True})
    assert star["filter"] == {"custom.field": True}
    # Changing the events re-checks the stored filter.
    picky = await hook(api, receiver.url, filter={"po_number": "PO-1"})
    moved = await api.client.put(
        f"{BASE}/{picky['id']}", json={"events": ["inventory.low"]}, headers=api.auth()
    )
    assert moved.status == 422 and "po_number" in await moved.text()
    cleared = await api.client.put(
        f"{BASE}/{picky['id']}", json={"filter": None}, headers=api.auth()
    )
    assert (await cleared.json())["filter"] is None
    bad_event = await api.client.post(
        "/api/integrations/events",
        json={"event_type": "order.created", "data": order(1), "channels": ["bad channel"]},
        headers=api.auth(),
    )
    assert bad_event.status == 422 and "channels" in await bad_event.text()


async def test_replay_after_a_pause_delivers_what_was_missed_and_nothing_twice(
    api: Server, receiver: Receiver
) -> None:
    auth = api.auth()
    start = api.kernel.clock.now().isoformat()
    made = await hook(api, receiver.url)
    url = f"{BASE}/{made['id']}"
    await api.kernel.publish(ORG_A, "order.created", order(1))
    await deliver(api)
    await api.client.post(f"{url}/pause", headers=auth)
    for n in (2, 3):
        await api.kernel.publish(ORG_A, "order.created", order(n))
    await api.kernel.publish(
        ORG_A, "inventory.low", {"product_code": "M", "qty": 1, "reorder_level": 2}
    )
    await deliver(api)
    assert numbers(receiver) == ["PO-1"]  # paused: nothing more
    api.kernel.clock.advance(1)  # type: ignore[attr-defined]
    paused_replay = await api.client.post(f"{url}/replay", json={"since": start}, headers=auth)
    assert paused_replay.status == 409
    await api.client.post(f"{url}/resume", headers=auth)
    receiver.answer(Answer(500))  # the first replayed delivery fails once, then retries
    started = await api.client.post(f"{url}/replay", json={"since": start}, headers=auth)
    assert started.status == 202, await started.text()
    replay = await started.json()
    assert replay["status"] == "running" and replay["mode"] == "all"
    await run_due(api.kernel)  # the replay job: creates the two missed deliveries
    await run_due(api.kernel)  # the deliveries
    progress = await (await api.client.get(f"{url}/replays/{replay['id']}", headers=auth)).json()
    assert progress["status"] == "finished"
    assert (progress["events_total"], progress["events_done"]) == (3, 3)
    assert (progress["queued"], progress["skipped"]) == (2, 1)
    assert sorted(set(numbers(receiver))) == ["PO-1", "PO-2", "PO-3"]

    # Again: nothing is sent twice (one delivery is retrying, one succeeded, one was sent).
    before = len(receiver.received)
    again = await (
        await api.client.post(f"{url}/replay", json={"since": start}, headers=auth)
    ).json()
    await run_due(api.kernel)
    second = await (await api.client.get(f"{url}/replays/{again['id']}", headers=auth)).json()
    assert (second["status"], second["queued"], second["skipped"]) == ("finished", 0, 3)
    new = [json.loads(r.body)["data"]["po_number"] for r in receiver.received[before:]]
    assert "PO-1" not in new and new.count("PO-2") + new.count("PO-3") <= 1  # the retry only
    # Forced: every event of the range is sent again, as new deliveries.
    api.kernel.clock.advance(10)  # type: ignore[attr-defined]
    await run_due(api.kernel)
    forced = await (
        await api.client.post(f"{url}/replay", json={"since": start, "force": True}, headers=auth)
    ).json()
    await run_due(api.kernel)
    await run_due(api.kernel)
    done = await (await api.client.get(f"{url}/replays/{forced['id']}", headers=auth)).json()
    assert done["queued"] == 3
    assert numbers(receiver).count("PO-1") == 2
    other = await api.client.get(f"{url}/replays/{forced['id']}", headers=api.auth("b"))
    assert other.status == 404


async def test_replay_of_failed_deliveries_keeps_their_delivery_ids(
    api: Server, receiver: Receiver
) -> None:
    auth = api.auth()
    start = api.kernel.clock.now().isoformat()
    made = await hook(api, receiver.url, max_retries=0)
    receiver.answer(Answer(500))
    await api.kernel.publish(ORG_A, "order.created", order(1))
    await api.kernel.publish(ORG_A, "order.created", order(2))
    await deliver(api)
    api.kernel.clock.advance(1)  # type: ignore[attr-defined]
    dead = [j for j in await jobs(api.kernel) if j.status == "dead"]
    assert len(dead) == 1
    started = await api.client.post(
        f"{BASE}/{made['id']}/replay", json={"since": start, "mode": "failed"}, headers=auth
    )
    replay = await started.json()
    await run_due(api.kernel)
    await run_due(api.kernel)
    progress = await (
        await api.client.get(f"{BASE}/{made['id']}/replays/{replay['id']}", headers=auth)
    ).json()
    assert (progress["queued"], progress["skipped"]) == (1, 1)
    ids = receiver.delivery_ids()
    assert ids.count(str(dead[0].id)) == 2  # the failed attempt and the replayed one


async def test_every_secret_within_its_grace_keeps_signing(api: Server, receiver: Receiver) -> None:
    auth = api.auth()
    made = await hook(api, receiver.url)
    url = f"{BASE}/{made['id']}"
    first = made["secret"]
    second = (
        await (
            await api.client.post(
                f"{url}/rotate-secret", json={"grace_seconds": 3600}, headers=auth
            )
        ).json()
    )["secret"]
    third_out = await (
        await api.client.post(f"{url}/rotate-secret", json={"grace_seconds": 600}, headers=auth)
    ).json()
    third = third_out["secret"]
    assert len(third_out["older_secrets_expire_at"]) == 1  # the first, still in its hour
    await api.kernel.publish(ORG_A, "order.created", order(1))
    await deliver(api)
    request = receiver.received[0]
    for secret in (first, second, third):  # each verifies the same delivery
        StandardWebhook(secret).verify(request.body, request.headers)
    api.kernel.clock.advance(601)  # the second's grace ends; the first's runs on
    connector(api.kernel).webhooks.forget(ORG_A, uuid.UUID(made["id"]))
    await api.kernel.publish(ORG_A, "order.created", order(2))
    await deliver(api)
    later = receiver.received[1]
    StandardWebhook(first).verify(later.body, later.headers)
    StandardWebhook(third).verify(later.body, later.headers)
    assert len(later.headers["webhook-signature"].split()) == 2
    # A rotation without grace stops every old secret at once.
    now = await (
        await api.client.post(f"{url}/rotate-secret", json={"grace_seconds": 0}, headers=auth)
    ).json()
    assert now["previous_secret_expires_at"] is None and now["older_secrets_expire_at"] == []


async def test_a_replay_interrupted_between_pages_resumes_after_the_last_one(
    api: Server, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monopilot_integrations.connectors.webhooks import replays

    auth = api.auth()
    start = api.kernel.clock.now().isoformat()
    made = await hook(api, receiver.url)
    url = f"{BASE}/{made['id']}"
    await api.client.post(f"{url}/pause", headers=auth)
    for n in range(5):
        await api.kernel.publish(ORG_A, "order.created", order(n))
    await deliver(api)
    await api.client.post(f"{url}/resume", headers=auth)
    api.kernel.clock.advance(1)  # type: ignore[attr-defined]
    monkeypatch.setattr(replays, "PAGE", 2)
    real_send, calls = replays._send, []

    async def crash_on_the_second_page(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("the worker lost its broker")
        await real_send(*args)

    monkeypatch.setattr(replays, "_send", crash_on_the_second_page)
    replay = await (
        await api.client.post(f"{url}/replay", json={"since": start}, headers=auth)
    ).json()
    await run_due(api.kernel)  # two pages commit, the second's sending fails: a retry
    halfway = await (await api.client.get(f"{url}/replays/{replay['id']}", headers=auth)).json()
    assert (halfway["status"], halfway["events_done"], halfway["queued"]) == ("running", 4, 4)
    api.kernel.clock.advance(60)  # type: ignore[attr-defined]
    await run_due(api.kernel)  # the retry resumes after the second page
    await run_due(api.kernel)
    done = await (await api.client.get(f"{url}/replays/{replay['id']}", headers=auth)).json()
    assert (done["status"], done["events_total"], done["events_done"]) == ("finished", 5, 5)
    assert (done["queued"], done["skipped"]) == (5, 0)
    assert numbers(receiver) == [f"PO-{n}" for n in range(5)]  # each once
