"""The worker's attempt slots: FIFO hand-over, cancellation never loses a slot."""

from __future__ import annotations

import asyncio

import pytest

from monopilot_integrations.core.jobs.slots import Allowance, Slots


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


async def test_an_allowance_grants_whole_requests_first_come_first_served() -> None:
    allowance = Allowance(4)
    await allowance.take(3)
    order: list[str] = []

    async def take(name: str, n: int) -> None:
        await allowance.take(n)
        order.append(name)

    big = asyncio.create_task(take("big", 3))
    small = asyncio.create_task(take("small", 1))  # would fit, but waits its turn
    await asyncio.sleep(0)
    assert order == [] and allowance.used == 3
    allowance.give(3)
    await asyncio.sleep(0)
    assert order == ["big", "small"] and allowance.used == 4
    allowance.give(4)
    oversized = asyncio.create_task(take("oversized", 10))  # more than the limit: alone
    await asyncio.sleep(0)
    assert order[-1] == "oversized" and allowance.used == 10
    allowance.give(10)
    await asyncio.gather(big, small, oversized)
    assert allowance.used == 0


async def test_a_cancelled_request_gives_nothing_away_and_lets_the_next_through() -> None:
    allowance = Allowance(2)
    await allowance.take(2)
    stuck = asyncio.create_task(allowance.take(2))
    behind = asyncio.create_task(allowance.take(1))
    await asyncio.sleep(0)
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    allowance.give(1)
    await asyncio.wait_for(behind, 1)
    assert allowance.used == 2
