"""Pause, resume, delete, automatic pause, secret rotation and an outage (SQLite and
PostgreSQL), with a real receiver on loopback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook as StandardWebhook

from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.signing import verify_body_signature
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.kernel import Kernel
from tests.connectors.webhooks.conftest import (
    ORG_A,
    all_rows,
    create_webhook,
    jobs,
    run_due,
    webhook_logs,
)
from tests.connectors.webhooks.receiver import Answer, Receiver

PING = {"product_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40", "code": "MAKA-550", "name": "Flour"}


ORDER = {
    "po_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40",
    "po_number": "PO-1",
    "supplier_code": "MLYN",
    "status": "draft",
}


async def publish(kernel: Kernel, n: int = 1) -> None:
    for i in range(n):
        await kernel.publish(ORG_A, "product.created", {**PING, "code": f"P-{i}"})
    await kernel.dispatch_pending()


async def webhook_row(kernel: Kernel) -> Webhook:
    async with kernel.database.system_session() as session:
        return (await session.execute(select(Webhook))).scalar_one()


async def test_pause_stops_deliveries_and_resume_restarts_them(
    hooks: Kernel, receiver: Receiver
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    service = WebhookService(hooks)
    await service.pause(ORG_A, hook.id)
    await publish(hooks, 2)
    assert await jobs(hooks) == []  # a paused webhook gets no jobs at all
    await service.resume(ORG_A, hook.id)
    await publish(hooks, 1)
    assert await run_due(hooks) == ["succeeded"]
    assert [b["data"]["code"] for b in receiver.bodies()] == ["P-0"]


async def test_a_delivery_in_flight_when_paused_waits_in_the_dead_letter_queue_for_recover(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    from monopilot_integrations.connectors.webhooks.api.deliveries import recover
    from monopilot_integrations.connectors.webhooks.api.models import WebhookRecoverRequest

    hook = await create_webhook(hooks, receiver.url)
    await publish(hooks, 1)
    service = WebhookService(hooks)
    await service.pause(ORG_A, hook.id)
    assert await run_due(hooks) == ["dead"]
    assert receiver.received == []
    await service.resume(ORG_A, hook.id)
    window = WebhookRecoverRequest(since=clock.now() - timedelta(hours=1))
    clock.advance(1)
    assert await recover(hooks, ORG_A, hook.id, window) == 1
    assert await run_due(hooks) == ["succeeded"]
    (job,) = await jobs(hooks)
    assert receiver.delivery_ids() == [str(job.id)]  # the same delivery id as before


async def test_a_deleted_webhook_receives_nothing_more(hooks: Kernel, receiver: Receiver) -> None:
    hook = await create_webhook(hooks, receiver.url)
    await publish(hooks, 1)  # planned while it existed
    await WebhookService(hooks).delete(ORG_A, hook.id)
    assert await run_due(hooks) == ["succeeded"]  # finished cleanly, without sending
    (log,) = await webhook_logs(hooks)
    assert log.status == "warning" and "deleted" in (log.error_message or "")
    await publish(hooks, 2)
    assert len(await jobs(hooks)) == 1
    assert receiver.received == []
    row = await webhook_row(hooks)
    assert row.deleted_at is not None and row.secret == ""  # the secret is wiped


async def test_a_webhook_failing_for_five_days_is_paused_and_announced(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.default = Answer(500)
    hook = await create_webhook(hooks, receiver.url, retry_policy="manual", max_retries=0)
    start = clock.now()
    await publish(hooks, 1)
    assert await run_due(hooks) == ["dead"]
    assert (await webhook_row(hooks)).failing_since == start
    clock.advance(days=4, hours=23)
    await publish(hooks, 1)
    assert await run_due(hooks) == ["dead"]
    assert (await webhook_row(hooks)).status == "active"
    clock.advance(hours=1)
    await publish(hooks, 1)
    assert await run_due(hooks) == ["dead"]
    row = await webhook_row(hooks)
    assert (row.status, row.paused_reason) == ("paused", "failing")
    (event,) = [e for e in await all_rows(hooks, EventRow) if e.event_type == "webhook.disabled"]
    assert event.data["webhook_id"] == str(hook.id) and event.data["reason"] == "failing"
    assert event.data["failing_since"].startswith(start.strftime("%Y-%m-%dT%H:%M"))
    assert event.data["detail"].startswith("no successful delivery for 5 days; last error:")


async def test_a_success_ends_the_failing_streak(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.answer(Answer(500))
    await create_webhook(hooks, receiver.url)
    await publish(hooks, 1)
    await run_due(hooks)
    assert (await webhook_row(hooks)).failing_since is not None
    clock.advance(5)
    assert await run_due(hooks) == ["succeeded"]
    assert (await webhook_row(hooks)).failing_since is None


async def test_rotation_signs_with_both_secrets_during_the_grace_period(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    rotated = await WebhookService(hooks).rotate_secret(ORG_A, hook.id, grace_seconds=3600)
    assert rotated.secret != hook.secret
    await publish(hooks, 1)
    await run_due(hooks)
    got = receiver.received[-1]
    for secret in (hook.secret, rotated.secret):  # receivers on either secret accept it
        assert verify_body_signature(secret, got.body, got.headers["X-MonoPilot-Signature"])
        StandardWebhook(secret).verify(got.body, got.headers)
    assert len(got.headers["webhook-signature"].split(" ")) == 2

    clock.advance(3601)
    await publish(hooks, 1)
    await run_due(hooks)
    got = receiver.received[-1]
    assert verify_body_signature(rotated.secret, got.body, got.headers["X-MonoPilot-Signature"])
    assert not verify_body_signature(hook.secret, got.body, got.headers["X-MonoPilot-Signature"])
    assert len(got.headers["webhook-signature"].split(" ")) == 1


async def test_a_receiver_down_for_a_while_gets_everything_once_back(
    hooks: Kernel, clock: ManualClock
) -> None:
    receiver = Receiver()  # not started yet: connections are refused
    await create_webhook(hooks, receiver.url)
    await publish(hooks, 5)
    assert await run_due(hooks) == ["retrying"] * 5
    clock.advance(5)
    assert await run_due(hooks) == ["retrying"] * 5
    await receiver.start()
    try:
        clock.advance(30)
        assert await run_due(hooks) == ["succeeded"] * 5
    finally:
        await receiver.stop()
    delivered = {b["data"]["code"] for b in receiver.bodies()}
    assert delivered == {f"P-{i}" for i in range(5)}
    assert sorted(receiver.delivery_ids()) == sorted(str(j.id) for j in await jobs(hooks))
    errors = [log for log in await webhook_logs(hooks) if log.status == "error"]
    assert len(errors) == 10 and all("connection failed" in (e.error_message or "") for e in errors)


async def test_a_slow_endpoint_does_not_hold_back_the_others(
    hooks: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONOPILOT_WEBHOOKS_MAX_IN_FLIGHT_PER_WEBHOOK", "2")
    monkeypatch.setenv("MONOPILOT_WEBHOOKS_BUSY_WAIT_SECONDS", "0.2")
    slow, fast = Receiver(), Receiver()
    await slow.start()
    await fast.start()
    try:
        slow.default = Answer(200, delay=1.5)
        fast.watch = slow
        await create_webhook(hooks, slow.url, name="slow", events=["product.created"])
        await create_webhook(hooks, fast.url, name="fast", events=["order.created"])
        await publish(hooks, 6)
        slow_jobs = await jobs(hooks)
        await hooks.publish(ORG_A, "order.created", ORDER)
        await hooks.dispatch_pending()
        (fast_job,) = [j for j in await jobs(hooks) if j.event_type == "order.created"]
        # Six deliveries to the slow receiver at once, on this one loop...
        slow_runs = [asyncio.create_task(hooks.run_job(j.org_id, j.id)) for j in slow_jobs]
        async with asyncio.timeout(10):
            while slow.in_flight < 2:  # noqa: ASYNC110 (polls another server's counter)
                await asyncio.sleep(0.01)
        # ...and the fast receiver's delivery goes through while two of them hang there.
        fast_outcome = await hooks.run_job(fast_job.org_id, fast_job.id)
        slow_outcomes = [o.status for o in await asyncio.gather(*slow_runs)]
    finally:
        await slow.stop()
        await fast.stop()
    assert fast_outcome.status == "succeeded"
    assert fast.received[0].watched_in_flight == 2
    assert slow_outcomes.count("succeeded") == 2  # never more than 2 in flight there
    assert slow_outcomes.count("retrying") == 4  # the others come back later (busy)
    busy = [log for log in await webhook_logs(hooks) if "in flight" in (log.error_message or "")]
    assert len(busy) == 4 and all(log.http_status is None for log in busy)
    # Deferred, not failed: the receiver never failed them, so no retry is spent.
    assert all((log.status, log.error_class) == ("warning", "DeferredError") for log in busy)
    deferred = [j for j in await jobs(hooks) if j.status == "retrying"]
    assert len(deferred) == 4 and all(j.retries == 0 for j in deferred)


async def test_a_secret_that_cannot_be_decrypted_sends_nothing_and_is_recoverable(
    hooks: Kernel, receiver: Receiver
) -> None:
    from sqlalchemy import update

    from tests.connectors.webhooks.conftest import ORG_B

    await create_webhook(hooks, receiver.url)
    foreign = await create_webhook(hooks, receiver.url, org=ORG_B, events=["order.created"])
    async with hooks.database.system_session() as session:
        token = await session.scalar(select(Webhook.secret).where(Webhook.id == foreign.id))
        # Another organisation's token copied into this row does not decrypt here.
        await session.execute(update(Webhook).where(Webhook.org_id == ORG_A).values(secret=token))
    await publish(hooks, 1)
    assert await run_due(hooks) == ["dead"]
    (log,) = await webhook_logs(hooks)
    assert "cannot decrypt" in (log.error_message or "") and "recover" in (log.error_message or "")
    assert receiver.received == []
