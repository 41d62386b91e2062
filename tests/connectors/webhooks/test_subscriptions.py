"""The subscriptions ``plan`` reads (``subscriptions.py``): one read serves the events of
an organisation published before it began, so a change committed before an event was
published is always seen by that event's plan, whichever process made it; a change
through this process's API drops the cache at once; ``row_cache_seconds = 0`` reads on
every event (SQLite and PostgreSQL). The clock is a manual one: it moves only where a
test says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from monopilot_integrations.connectors.webhooks import store
from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.kernel import Kernel
from tests.connectors.webhooks.conftest import ORG_A, connector, create_webhook, jobs
from tests.connectors.webhooks.receiver import Receiver

PING = {"product_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40", "code": "MAKA-550", "name": "Flour"}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the subscription queries ``plan`` makes."""
    count = [0]
    query = store.active_subscriptions

    async def counted(session, org_id):  # type: ignore[no-untyped-def]
        count[0] += 1
        return await query(session, org_id)

    monkeypatch.setattr(store, "active_subscriptions", counted)
    yield count


async def publish(kernel: Kernel, n: int = 1) -> None:
    for _ in range(n):
        await kernel.publish(ORG_A, "product.created", PING)


async def planned_for(kernel: Kernel) -> list[str]:
    """Dispatch what was published; the webhooks the new jobs are for."""
    before = {job.id for job in await jobs(kernel)}
    await kernel.dispatch_pending()
    return sorted(str(job.subject_id) for job in await jobs(kernel) if job.id not in before)


async def set_rows(kernel: Kernel, **values: object) -> None:
    """Change the rows behind the API's back, as another process would."""
    async with kernel.database.system_session() as session:
        await session.execute(update(Webhook).values(**values))


async def test_one_read_serves_the_events_published_before_it(
    hooks: Kernel, receiver: Receiver, clock: ManualClock, reads: list[int]
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    await publish(hooks, 3)
    clock.advance(1)  # the dispatch reads after the three were published
    assert await planned_for(hooks) == [str(hook.id)] * 3
    assert reads[0] == 1


async def test_a_change_elsewhere_before_a_publish_is_seen_by_that_event(
    hooks: Kernel, receiver: Receiver, clock: ManualClock, reads: list[int]
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    await publish(hooks)
    clock.advance(1)
    assert await planned_for(hooks) == [str(hook.id)]  # read (and kept) at this moment
    clock.advance(1)
    await set_rows(hooks, status="paused", paused_reason="manual")  # another process
    await publish(hooks)  # published after the read: read again
    clock.advance(1)
    assert await planned_for(hooks) == []
    await set_rows(hooks, status="active", paused_reason=None)
    clock.advance(1)
    await publish(hooks)
    clock.advance(1)
    assert await planned_for(hooks) == [str(hook.id)]
    assert reads[0] == 3


async def test_changes_through_the_api_apply_to_the_very_next_event(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    service = WebhookService(hooks)
    first = await create_webhook(hooks, receiver.url)
    await publish(hooks)
    clock.advance(1)
    assert await planned_for(hooks) == [str(first.id)]
    second = await create_webhook(hooks, receiver.url, name="second")
    await service.pause(ORG_A, first.id)
    await publish(hooks)
    assert await planned_for(hooks) == [str(second.id)]
    await service.resume(ORG_A, first.id)
    await service.delete(ORG_A, second.id)
    await publish(hooks)
    assert await planned_for(hooks) == [str(first.id)]


async def test_without_the_cache_every_event_reads(
    hooks: Kernel, receiver: Receiver, clock: ManualClock, reads: list[int]
) -> None:
    """``row_cache_seconds = 0``: every event reads the subscriptions (the strict setting)."""
    connector(hooks).subscriptions.enabled = False
    hook = await create_webhook(hooks, receiver.url)
    await publish(hooks, 2)
    clock.advance(1)
    assert await planned_for(hooks) == [str(hook.id)] * 2
    assert reads[0] == 2
