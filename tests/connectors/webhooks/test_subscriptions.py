"""The per-loop cache of an organisation's active subscriptions that ``plan`` reads
(``subscriptions.py``): a change through this process's API applies to the very next
event, one made elsewhere within ``row_cache_seconds``, and ``0`` reads on every event
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.integrations import Integrations
from tests.connectors.webhooks.conftest import ORG_A, connector, create_webhook, jobs
from tests.connectors.webhooks.receiver import Receiver

PING = {"product_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40", "code": "MAKA-550", "name": "Flour"}


async def planned_for(kernel: Integrations) -> set[str]:
    """Publish and dispatch one event; the webhooks it got a job for."""
    before = {job.id for job in await jobs(kernel)}
    await kernel.publish(ORG_A, "product.created", PING)
    await kernel.dispatch_pending()
    return {str(job.subject_id) for job in await jobs(kernel) if job.id not in before}


async def set_rows(kernel: Integrations, **values: object) -> None:
    """Change the rows behind the API's back, as another process would."""
    async with kernel.database.system_session() as session:
        await session.execute(update(Webhook).values(**values))


async def test_a_webhook_created_through_the_api_gets_the_very_next_event(
    hooks: Integrations, receiver: Receiver
) -> None:
    first = await create_webhook(hooks, receiver.url)
    assert await planned_for(hooks) == {str(first.id)}  # the subscriptions are cached now
    second = await create_webhook(hooks, receiver.url, name="second")
    assert await planned_for(hooks) == {str(first.id), str(second.id)}


async def test_pause_resume_and_delete_through_the_api_apply_to_the_very_next_event(
    hooks: Integrations, receiver: Receiver
) -> None:
    hook = await create_webhook(hooks, receiver.url)
    service = WebhookService(hooks)
    assert await planned_for(hooks) == {str(hook.id)}
    await service.pause(ORG_A, hook.id)
    assert await planned_for(hooks) == set()
    await service.resume(ORG_A, hook.id)
    assert await planned_for(hooks) == {str(hook.id)}
    await service.delete(ORG_A, hook.id)
    assert await planned_for(hooks) == set()


async def test_a_change_elsewhere_is_planned_for_within_row_cache_seconds(
    hooks: Integrations, receiver: Receiver
) -> None:
    connector(hooks).subscriptions.ttl = 0.3
    hook = await create_webhook(hooks, receiver.url)
    assert await planned_for(hooks) == {str(hook.id)}
    await set_rows(hooks, status="paused", paused_reason="manual")
    # Within the bound the cached subscription still plans (the documented window) ...
    assert await planned_for(hooks) == {str(hook.id)}
    await asyncio.sleep(0.4)
    # ... and past it the pause made elsewhere applies.
    assert await planned_for(hooks) == set()


async def test_without_the_cache_a_change_elsewhere_applies_to_the_next_event(
    hooks: Integrations, receiver: Receiver
) -> None:
    """``row_cache_seconds = 0``: every event reads the subscriptions (the strict setting)."""
    connector(hooks).subscriptions.ttl = 0
    hook = await create_webhook(hooks, receiver.url)
    assert await planned_for(hooks) == {str(hook.id)}
    await set_rows(hooks, status="paused", paused_reason="manual")
    assert await planned_for(hooks) == set()
    await set_rows(hooks, status="active", paused_reason=None)
    assert await planned_for(hooks) == {str(hook.id)}
