"""Per-connector concurrency: at most N attempts of one connector at once on a worker loop.

``job_concurrency`` bounds every attempt on a loop together; a connector whose partner is
slow (an ERP on the customer's own network answering in seconds) could otherwise fill all
of it and starve webhooks and EDI. A connector declares ``max_concurrency`` (its own
sensible bound) and the operator can change it per connector with
``MONOPILOT_CONNECTOR_CONCURRENCY`` (``{"comarch": 4}``).

The slots are taken *before* the jobs are claimed: a job waiting for its connector holds
no lease, no claim room and no global slot. A broker message waits at most
``job_batch_hold`` seconds for a slot; the jobs it could not start are left unclaimed for
the sweeper, which hands them out again within ``sweep_interval``. So a Dramatiq thread is
never held longer than the hold by a connector that is at its limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from monopilot_integrations.core.connector import Connector


class ConnectorSlots:
    """One semaphore per limited connector, on one event loop."""

    def __init__(
        self,
        overrides: Mapping[str, int],
        connector_class: Callable[[str], type[Connector] | None],
    ) -> None:
        self._overrides = dict(overrides)
        self._connector_class = connector_class
        self._slots: dict[str, asyncio.Semaphore | None] = {}
        self._limits: dict[str, int | None] = {}

    def limit(self, connector: str) -> int | None:
        """The connector's bound: the operator's override, else its declared one."""
        if connector not in self._limits:
            limit = self._overrides.get(connector)
            if limit is None:
                cls = self._connector_class(connector)
                limit = cls.max_concurrency if cls is not None else None
            self._limits[connector] = limit
        return self._limits[connector]

    def semaphore(self, connector: str | None) -> asyncio.Semaphore | None:
        if connector is None:
            return None
        if connector not in self._slots:
            limit = self.limit(connector)
            self._slots[connector] = asyncio.Semaphore(limit) if limit is not None else None
        return self._slots[connector]

    @staticmethod
    async def take(slots: asyncio.Semaphore, wanted: int, wait: float) -> int:
        """Take up to ``wanted`` slots: wait at most ``wait`` seconds for the first, then
        only those free at once. Returns how many were taken (0: none came in time)."""
        try:
            async with asyncio.timeout(wait):
                await slots.acquire()
        except TimeoutError:
            return 0
        taken = 1
        while taken < wanted and not slots.locked():
            await slots.acquire()  # free: returns without waiting
            taken += 1
        return taken
