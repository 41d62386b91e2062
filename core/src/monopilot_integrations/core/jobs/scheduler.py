"""The scheduler: the loops that keep jobs moving inside one process.

* the dispatcher, woken at once by ``publish`` in this process and every
  ``dispatch_interval`` seconds anyway (events published by other processes);
* the sweeper, every ``sweep_interval`` seconds;
* the purge of old dead letters, hourly;
* every plugin's periodic task at its own interval.

Each loop survives its task's exceptions (logged) and never overlaps itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(
        self,
        *,
        dispatch: Callable[[], Awaitable[int]],
        dispatch_interval: float,
        periodic: list[tuple[str, float, Callable[[], Awaitable[object]]]],
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._tasks.append(
            self._loop.create_task(
                self._dispatch_loop(dispatch, dispatch_interval), name="dispatch"
            )
        )
        for name, interval, run in periodic:
            self._tasks.append(self._loop.create_task(self._every(name, interval, run), name=name))

    def wake(self) -> None:
        """Wake the dispatcher; safe to call from any thread."""
        if self._loop is None or self._wake is None or self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _dispatch_loop(self, dispatch: Callable[[], Awaitable[int]], interval: float) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            try:
                while await dispatch():
                    pass  # drain: a full batch means there may be more
            except Exception:
                log.exception("dispatcher failed; retrying in %.1fs", interval)

    async def _every(
        self, name: str, interval: float, run: Callable[[], Awaitable[object]]
    ) -> None:
        while True:
            try:
                await run()
            except Exception:
                log.exception("periodic task %s failed", name)
            await asyncio.sleep(interval)
