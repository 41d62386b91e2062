"""Which webhooks ``plan`` fans an event out to: an organisation's active subscriptions,
cached per event loop with the freshness rules of the rows ``handle`` reads (:mod:`.cache`).

``plan`` runs for every event. Reading the subscriptions for each one cost a transaction
per event (on SQLite a turn at the write lock and three trips to the database thread):
two thirds of the dispatcher's CPU, about 1.2 ms an event on the reference machine, more
than a delivery's own share. Kept here:

* for at most ``row_cache_seconds`` (default 1 s) after the query started;
* until a change through the API of this process (create, update, pause, resume, delete,
  rotation) or by the connector itself (410, automatic pause) commits: those call
  :func:`.cache.invalidate`, so the very next dispatch reads again;
* ``row_cache_seconds = 0`` reads on every event (the strict setting).

So another process's change reaches the dispatcher here within ``row_cache_seconds``, as
it reaches ``handle``: for that long a webhook paused or deleted elsewhere may still get
jobs (``handle`` then refuses or sends them as it would any attempt in that window), and a
webhook created elsewhere may miss events.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from monopilot_integrations.connectors.webhooks import cache, store

#: Organisations kept at most; past it the cache starts over.
MAX_ORGS = 4096


class SubscriptionCache:
    """Active subscriptions per organisation, for one event loop's connector instance."""

    def __init__(self, database: Any, ttl_seconds: float) -> None:
        self.database = database
        self.ttl = ttl_seconds
        self._entries: dict[uuid.UUID, tuple[float, int, Sequence[Row[Any]]]] = {}

    async def active(self, org_id: uuid.UUID) -> Sequence[Row[Any]]:
        """The organisation's active webhooks (id, events, retry policy, max retries)."""
        entry = self._entries.get(org_id)
        if (
            entry is not None
            and entry[1] == cache.current_epoch()
            and time.monotonic() - entry[0] < self.ttl
        ):
            return entry[2]
        started, epoch = time.monotonic(), cache.current_epoch()
        async with self.database.session(org_id) as session:
            rows = await store.active_subscriptions(session, org_id)
        if self.ttl > 0:
            if len(self._entries) >= MAX_ORGS:
                self._entries.clear()
            self._entries[org_id] = (started, epoch, rows)
        return rows
