"""The per-webhook bound on attempts in flight: refuses past the limit, keeps webhooks
apart, and forgets a webhook once nothing uses its slots."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from monopilot_integrations.connectors.webhooks.inflight import BusyError, InFlightLimit

SLOW, OTHER = uuid.uuid4(), uuid.uuid4()


async def test_the_limit_is_per_webhook_and_idle_webhooks_are_forgotten() -> None:
    limit = InFlightLimit(limit=2, wait_seconds=0.05)
    release, both_holding = asyncio.Event(), asyncio.Event()
    holding = 0

    async def hold() -> None:
        nonlocal holding
        async with limit.slot(SLOW):
            holding += 1
            if holding == 2:
                both_holding.set()
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    await both_holding.wait()
    with pytest.raises(BusyError) as busy:
        async with limit.slot(SLOW):
            pytest.fail("a third attempt got a slot")
    assert busy.value.retry_after == 0.05 and "2 deliveries" in str(busy.value)
    async with limit.slot(OTHER):  # another webhook is not held back
        assert limit.tracked() == 2
    release.set()
    await asyncio.gather(*holders)
    assert limit.tracked() == 0


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    limit = InFlightLimit(limit=1, wait_seconds=10)
    entered = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with limit.slot(SLOW):
            entered.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await entered.wait()

    async def wait_for_slot() -> None:
        async with limit.slot(SLOW):
            pass

    waiter = asyncio.create_task(wait_for_slot())
    await asyncio.sleep(0)  # the waiter runs until it blocks on the taken slot
    assert limit.tracked() == 1 and not waiter.done()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await holder
    assert limit.tracked() == 0
    async with limit.slot(SLOW):  # the slot is free again
        pass
