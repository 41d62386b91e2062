"""The per-loop cache of webhook rows that ``handle`` reads (``cache.py``): changes made
through the API apply to the very next attempt, a cached "paused" or "deleted" is never
trusted without a fresh read, and the success stamp is written once, not per attempt
(SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select, update
from standardwebhooks import Webhook as StandardWebhook

from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.signing import verify_body_signature
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.kernel import Kernel
from tests.connectors.webhooks.conftest import ORG_A, connector, create_webhook, jobs
from tests.connectors.webhooks.receiver import Receiver

PING = {"product_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40", "code": "MAKA-550", "name": "Flour"}


async def planned(kernel: Kernel, n: int) -> list[JobRow]:
    """``n`` deliveries planned now (while the webhook is active), none attempted yet."""
    for i in range(n):
        await kernel.publish(ORG_A, "product.created", {**PING, "code": f"P-{i}"})
    await kernel.dispatch_pending()
    return await jobs(kernel)


async def attempt(kernel: Kernel, job: JobRow) -> str:
    return (await kernel.run_job(job.org_id, job.id)).status


async def set_row(kernel: Kernel, **values: object) -> None:
    """Change the row behind the API's back, as another process would."""
    async with kernel.database.system_session() as session:
        await session.execute(update(Webhook).values(**values))


async def webhook_row(kernel: Kernel) -> Webhook:
    async with kernel.database.system_session() as session:
        return (await session.execute(select(Webhook))).scalar_one()


async def test_a_pause_through_the_api_stops_the_next_delivery_of_a_warm_cache(
    hooks: Kernel, receiver: Receiver
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    first, second = await planned(hooks, 2)
    assert await attempt(hooks, first) == "succeeded"  # the row is cached now
    await WebhookService(hooks).pause(ORG_A, hook.id)
    assert await attempt(hooks, second) == "dead"
    assert len(receiver.received) == 1


async def test_a_delete_through_the_api_stops_the_next_delivery_of_a_warm_cache(
    hooks: Kernel, receiver: Receiver
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    first, second = await planned(hooks, 2)
    assert await attempt(hooks, first) == "succeeded"
    await WebhookService(hooks).delete(ORG_A, hook.id)
    assert await attempt(hooks, second) == "succeeded"  # finished without sending
    assert len(receiver.received) == 1


async def test_a_rotation_through_the_api_signs_the_next_delivery_with_the_new_secret(
    hooks: Kernel, receiver: Receiver
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    first, second = await planned(hooks, 2)
    assert await attempt(hooks, first) == "succeeded"
    rotated = await WebhookService(hooks).rotate_secret(ORG_A, hook.id, grace_seconds=0)
    assert await attempt(hooks, second) == "succeeded"
    got = receiver.received[-1]
    signature = got.headers["X-MonoPilot-Signature"]
    assert verify_body_signature(rotated.secret, got.body, signature)
    assert not verify_body_signature(hook.secret, got.body, signature)
    StandardWebhook(rotated.secret).verify(got.body, got.headers)


async def test_an_update_through_the_api_sends_the_next_delivery_to_the_new_url(
    hooks: Kernel, receiver: Receiver
) -> None:
    from monopilot_integrations.connectors.webhooks.api.models import WebhookUpdate

    other = await Receiver().start()
    try:
        hook = await create_webhook(hooks, receiver.url)
        first, second = await planned(hooks, 2)
        assert await attempt(hooks, first) == "succeeded"
        await WebhookService(hooks).update(ORG_A, hook.id, WebhookUpdate(url=other.url))
        assert await attempt(hooks, second) == "succeeded"
        assert len(receiver.received) == 1 and len(other.received) == 1
    finally:
        await other.stop()


async def test_a_cached_pause_is_read_again_before_a_delivery_is_refused(
    hooks: Kernel, receiver: Receiver
) -> None:
    """Another process resumed the webhook: this one's cached "paused" is not trusted."""
    hook = await create_webhook(hooks, receiver.url)
    first, second = await planned(hooks, 2)
    await WebhookService(hooks).pause(ORG_A, hook.id)
    assert await attempt(hooks, first) == "dead"  # "paused" is cached now
    await set_row(hooks, status="active", paused_reason=None, paused_at=None)
    assert await attempt(hooks, second) == "succeeded"
    assert len(receiver.received) == 1


async def test_without_the_cache_a_pause_elsewhere_applies_to_the_next_attempt(
    hooks: Kernel, receiver: Receiver
) -> None:
    """``row_cache_seconds = 0``: every attempt reads the row (the strict setting)."""
    connector(hooks).webhooks.ttl = 0
    await create_webhook(hooks, receiver.url)
    first, second = await planned(hooks, 2)
    assert await attempt(hooks, first) == "succeeded"
    await set_row(hooks, status="paused", paused_reason="manual")
    assert await attempt(hooks, second) == "dead"
    assert len(receiver.received) == 1


async def test_successes_together_write_the_stamp_once_and_a_failure_rearms_it(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    from tests.connectors.webhooks.receiver import Answer

    await create_webhook(hooks, receiver.url, retry_policy="manual", max_retries=0)
    start = clock.now()
    first, *others = await planned(hooks, 3)
    assert await attempt(hooks, first) == "succeeded"
    assert (await webhook_row(hooks)).last_triggered_at == start
    clock.advance(1)  # within the resolution: no write
    for job in others:
        assert await attempt(hooks, job) == "succeeded"
    assert (await webhook_row(hooks)).last_triggered_at == start

    receiver.answer(Answer(500))
    clock.advance(1)
    (failing,) = [j for j in await planned(hooks, 1) if j.status == "queued"]
    assert await attempt(hooks, failing) == "dead"
    assert (await webhook_row(hooks)).failing_since == clock.now()
    clock.advance(1)
    (ok,) = [j for j in await planned(hooks, 1) if j.status == "queued"]
    assert await attempt(hooks, ok) == "succeeded"  # ends the streak at once
    row = await webhook_row(hooks)
    assert row.failing_since is None and row.last_triggered_at == clock.now()
