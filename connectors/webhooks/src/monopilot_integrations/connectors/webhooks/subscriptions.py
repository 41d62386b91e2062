"""Which webhooks ``plan`` fans an event out to: an organisation's active subscriptions,
read once for all the events of a dispatch that were published before the read.

``plan`` runs for every event. Reading the subscriptions for each one cost a transaction
per event (on SQLite a turn at the write lock and trips to the database thread): two
thirds of the dispatcher's CPU when it works through a backlog. A read is reused for an
event only if the event was published before the read began (``occurred_at`` earlier
than the read's start, on the kernel's clock), so a change to the webhooks committed
before an event was published is always seen by that event's plan, whichever process
made it: exactly what reading per event gave. In practice one read serves all the
events of one organisation in a dispatch pass; a dispatcher that keeps up with events
one at a time reads once per event, as before, and one that falls behind amortizes the
read over its backlog, which is when it matters.

Also, a change through this process's API (or by the connector itself) drops every
entry once it commits (:func:`.cache.invalidate`), and ``row_cache_seconds = 0`` reads
on every event. Across machines the comparison relies on their clocks agreeing (a
publisher's clock behind the dispatcher's by *d* lets a change made in the last *d*
before a publish be missed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from monopilot_integrations.connectors.webhooks import cache, store
from monopilot_integrations.core.clock import Clock

#: Organisations kept at most; past it the cache starts over.
MAX_ORGS = 4096


class SubscriptionCache:
    """Active subscriptions per organisation, for one event loop's connector instance."""

    def __init__(self, database: Any, clock: Clock, *, enabled: bool = True) -> None:
        self.database = database
        self.clock = clock
        self.enabled = enabled
        self._entries: dict[uuid.UUID, tuple[datetime, int, Sequence[Row[Any]]]] = {}

    async def active(self, org_id: uuid.UUID, published_at: datetime) -> Sequence[Row[Any]]:
        """The organisation's active webhooks (id, events, retry policy, max retries) as
        of a moment after ``published_at``."""
        entry = self._entries.get(org_id)
        if entry is not None and entry[1] == cache.current_epoch() and published_at < entry[0]:
            return entry[2]
        # Taken before the transaction starts: the read sees every change committed before.
        started, epoch = self.clock.now(), cache.current_epoch()
        async with self.database.session(org_id) as session:
            rows = await store.active_subscriptions(session, org_id)
        if self.enabled:
            if len(self._entries) >= MAX_ORGS:
                self._entries.clear()
            self._entries[org_id] = (started, epoch, rows)
        return rows
