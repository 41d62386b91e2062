"""The worker's attempt slots: FIFO hand-over, cancellation never loses a slot."""

from __future__ import annotations

import asyncio

import pytest

from monopilot_integrations.core.jobs.slots import Slots


async def test_slots_are_handed_over_in_order() -> None:
    slots = Slots(2)
    await slots.acquire()
    await slots.acquire()
    assert slots.locked()
    order: list[int] = []

    async def take(n: int) -> None:
        await slots.acquire()
        order.append(n)

    waiters = [asyncio.create_task(take(n)) for n in range(4)]
    await asyncio.sleep(0)
    slots.release()
    slots.release()
    await asyncio.sleep(0)
    assert order == [0, 1]
    slots.release()
    slots.release()
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2, 3]


async def test_a_cancelled_waiter_leaves_no_trace() -> None:
    slots = Slots(1)
    await slots.acquire()
    gone = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    slots.release()
    assert not slots.locked()  # the free slot is not held up by the cancelled waiter
    await asyncio.wait_for(slots.acquire(), 1)


async def test_a_slot_handed_to_a_waiter_cancelled_meanwhile_goes_to_the_next() -> None:
    slots = Slots(1)
    await slots.acquire()
    first = asyncio.create_task(slots.acquire())
    second = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    slots.release()  # granted to ``first``, which is cancelled before it runs
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)
    assert slots.locked()
    slots.release()
    assert not slots.locked()


def test_at_least_one_slot() -> None:
    with pytest.raises(ValueError, match="one slot"):
        Slots(0)
