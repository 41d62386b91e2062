"""What ``handle`` knows about a webhook between attempts: a short-lived, per event loop
cache of webhook rows, so an attempt does not open a transaction just to read its row.

Freshness (the bounds ``docs/webhooks.md`` promises):

* An entry is used for at most ``row_cache_seconds`` (default 1 s) after its query
  started; then the next attempt reloads the row. Concurrent attempts to the same webhook
  share one reload.
* A change made through the API in this process (pause, resume, delete, update, secret
  rotation) or by the connector itself (410, automatic pause) invalidates every entry of
  the process once it has committed: the next attempt reads the row again.
* Only "active: send" is ever decided from a cached entry. A cached entry that says
  paused or deleted is confirmed by a fresh read first, so a webhook resumed in another
  process is not dead-lettered on stale information.

So another process (an API server apart from the workers, a second worker) may keep
delivering for at most ``row_cache_seconds`` (plus the attempts already past the check)
after a pause or a delete committed, and may sign with a rotated-out secret for as long.

Decrypted secrets and custom headers are kept per encrypted token (a rotation or an
update writes a new token, so a stale plaintext is never picked up), in memory only, like
the request being signed: a webhook's token is decrypted once per process, not once per
delivery.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monopilot_integrations.connectors.webhooks import store
from monopilot_integrations.connectors.webhooks.secret_box import SecretBox
from monopilot_integrations.connectors.webhooks.tables import Webhook

#: Entries kept at most; past it, expired entries are dropped (a worker that has seen many
#: webhooks keeps no state for long for the idle ones).
MAX_ENTRIES = 4096

#: Rows read together at most (the requested one and others of its organisation).
BATCH_READ = 100

_epochs = itertools.count(1)
_epoch = 0


def invalidate() -> None:
    """Every cached webhook row of this process is stale: call after a change commits."""
    global _epoch
    _epoch = next(_epochs)


def current_epoch() -> int:
    return _epoch


Key = tuple[uuid.UUID, uuid.UUID]  # (org_id, webhook_id)


@dataclass
class CachedWebhook:
    """A webhook row as delivery needs it. ``last_triggered_at`` and ``failing_since``
    are also updated in memory by this process's own writes."""

    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    url: str
    status: str
    paused_reason: str | None
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    custom_headers_sealed: str | None
    last_triggered_at: datetime | None
    failing_since: datetime | None
    older_secrets: str | None = None
    rate_limit: int | None = None

    @classmethod
    def of(cls, row: Webhook) -> CachedWebhook:
        return cls(
            id=row.id,
            org_id=row.org_id,
            name=row.name,
            url=row.url,
            status=row.status,
            paused_reason=row.paused_reason,
            secret=row.secret,
            previous_secret=row.previous_secret,
            previous_secret_expires_at=row.previous_secret_expires_at,
            custom_headers_sealed=row.custom_headers_sealed,
            last_triggered_at=row.last_triggered_at,
            failing_since=row.failing_since,
            older_secrets=row.older_secrets,
            rate_limit=row.rate_limit,
        )

    def claim_success_stamp(self, now: datetime, resolution: float) -> bool:
        """Whether this success must be written (a failing streak to end, or a stale
        ``last_triggered_at``); if so, the entry records it at once, so of the attempts
        succeeding together only one writes."""
        last = self.last_triggered_at
        fresh = last is not None and last >= now - timedelta(seconds=resolution)
        if self.failing_since is None and fresh:
            return False
        self.failing_since = None
        self.last_triggered_at = now
        return True


@dataclass
class _Entry:
    webhook: CachedWebhook | None  # None: deleted (or never existed)
    loaded_at: float  # time.monotonic() when its query started
    epoch: int


class WebhookCache:
    """Webhook rows of one event loop (one per connector instance)."""

    def __init__(self, database: Any, ttl_seconds: float, secrets: SecretBox) -> None:
        self.database = database
        self.ttl = ttl_seconds
        self.secrets = secrets
        self._entries: dict[Key, _Entry] = {}
        self._loading: dict[Key, tuple[float, asyncio.Task[dict[Key, _Entry]]]] = {}
        self._plain: dict[tuple[uuid.UUID, str, bool], str] = {}
        self._headers: dict[tuple[uuid.UUID, str], dict[str, str]] = {}
        self._older: dict[tuple[uuid.UUID, str], list[tuple[str, datetime]]] = {}

    async def get(
        self, org_id: uuid.UUID, webhook_id: uuid.UUID, *, fresh: bool = False
    ) -> CachedWebhook | None:
        """The webhook (``None`` when deleted); ``fresh``: read after this call began."""
        key = (org_id, webhook_id)
        started = time.monotonic()
        if not fresh:
            entry = self._entries.get(key)
            if entry is not None and self._valid(entry, started):
                return entry.webhook
        loading = self._loading.get(key)
        if loading is None or (fresh and loading[0] < started):
            task = self._start_load(key, started)
        else:
            task = loading[1]
        return (await asyncio.shield(task))[key].webhook

    def _valid(self, entry: _Entry, now: float) -> bool:
        return entry.epoch == _epoch and now - entry.loaded_at < self.ttl

    def _start_load(self, key: Key, started: float) -> asyncio.Task[dict[Key, _Entry]]:
        """Read ``key``'s row, and in the same query those of the organisation's other
        cached webhooks that are past half their life (one read per organisation and
        ``ttl``, not one per webhook)."""
        org_id = key[0]
        keys = [key]
        for other, entry in self._entries.items():
            if len(keys) >= BATCH_READ:
                break
            if (
                other[0] == org_id
                and other != key
                and other not in self._loading
                and started - entry.loaded_at > self.ttl / 2
            ):
                keys.append(other)
        task = asyncio.ensure_future(self._load(org_id, keys, started))
        for each in keys:
            self._loading[each] = (started, task)
        task.add_done_callback(lambda done: self._loaded(keys, done))
        return task

    async def _load(self, org_id: uuid.UUID, keys: list[Key], started: float) -> dict[Key, _Entry]:
        epoch = _epoch
        async with self.database.session(org_id) as session:
            rows = await store.load_many(session, org_id, [k[1] for k in keys])
        found = {row.id: CachedWebhook.of(row) for row in rows}
        entries = {k: _Entry(found.get(k[1]), started, epoch) for k in keys}
        if self.ttl > 0:
            for k, entry in entries.items():
                self._store(k, entry)
        return entries

    def _loaded(self, keys: list[Key], task: asyncio.Task[dict[Key, _Entry]]) -> None:
        for key in keys:
            loading = self._loading.get(key)
            if loading is not None and loading[1] is task:
                del self._loading[key]
        if not task.cancelled():
            task.exception()  # retrieved: the awaiting attempts report it

    def _store(self, key: Key, entry: _Entry) -> None:
        current = self._entries.get(key)
        if current is not None and current.loaded_at > entry.loaded_at:
            return  # a newer read landed first
        if current is not None and current.webhook and entry.webhook:
            # Keep what this process wrote meanwhile and the read may predate.
            mine, read = current.webhook, entry.webhook
            if mine.last_triggered_at and (
                read.last_triggered_at is None or read.last_triggered_at < mine.last_triggered_at
            ):
                read.last_triggered_at = mine.last_triggered_at
        self._entries[key] = entry
        if len(self._entries) > MAX_ENTRIES:
            now = time.monotonic()
            for stale in [k for k, e in self._entries.items() if not self._valid(e, now)]:
                del self._entries[stale]
            if len(self._plain) > MAX_ENTRIES:
                self._plain.clear()
            if len(self._headers) > MAX_ENTRIES:
                self._headers.clear()
            if len(self._older) > MAX_ENTRIES:
                self._older.clear()

    def forget(self, org_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        self._entries.pop((org_id, webhook_id), None)

    def signing_secrets(self, webhook: CachedWebhook, now: datetime) -> list[str]:
        """The secrets that sign a delivery now, newest first: the current one, plus every
        earlier one while its rotation grace period lasts (raises ``DecryptionError``)."""
        secrets = [self._open(webhook.org_id, webhook.secret, previous=False)]
        expires = webhook.previous_secret_expires_at
        if webhook.previous_secret and expires is not None and now < expires:
            secrets.append(self._open(webhook.org_id, webhook.previous_secret, previous=True))
        token = webhook.older_secrets
        if token:
            key = (webhook.org_id, token)
            older = self._older.get(key)
            if older is None:
                older = self.secrets.open_older(webhook.org_id, token)
                if self.ttl > 0:
                    self._older[key] = older
            secrets += [secret for secret, until in older if now < until]
        return secrets

    def custom_headers(self, webhook: CachedWebhook) -> dict[str, str]:
        """The webhook's custom headers, decrypted (raises ``DecryptionError``)."""
        token = webhook.custom_headers_sealed
        if not token:
            return {}
        key = (webhook.org_id, token)
        headers = self._headers.get(key)
        if headers is None:
            headers = self.secrets.open_headers(webhook.org_id, token)
            if self.ttl > 0:
                self._headers[key] = headers
        return headers

    def _open(self, org_id: uuid.UUID, token: str, *, previous: bool) -> str:
        key = (org_id, token, previous)
        plain = self._plain.get(key)
        if plain is None:
            plain = self.secrets.open(org_id, token, previous=previous)
            if self.ttl > 0:
                self._plain[key] = plain
        return plain
