"""The integration log writer.

Every attempt and every inbound or outbound exchange becomes one ``integration_logs`` row.
Bodies are masked (:mod:`.masking`) and capped before they are stored.

Two ways in, for two kinds of caller:

* :meth:`LogWriter.add` buffers the row and returns at once. A background task inserts the
  buffer in batches (``executemany``: tens of thousands of rows per second instead of about
  a thousand with one transaction per row), every ``flush_interval`` seconds or as soon as
  ``batch_size`` rows wait. The API request path uses it. :meth:`close` flushes what is
  left, so a clean shutdown loses nothing.
* :meth:`LogWriter.write` inserts the row in the caller's transaction. The job engine uses
  it so that an attempt's log row, the job's new state and the retry queue entry commit
  together (the retry row refers to the log row).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.clock import Clock, SystemClock
from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import logs_table
from monopilot_integrations.core.logs.bulk import BulkInsert, JSONText
from monopilot_integrations.core.logs.masking import Masker
from monopilot_integrations.core.storable import printable, replace_nul

log = logging.getLogger(__name__)

DIRECTIONS = ("inbound", "outbound")
#: The columns :meth:`LogWriter.to_row` fills, in the order of the table.
LOG_COLUMNS = tuple(column.key for column in logs_table.columns)
STATUSES = ("success", "warning", "error")


@dataclass(slots=True)
class LogEntry:
    """One integration log row before masking. ``secrets`` are scrubbed wherever found."""

    org_id: uuid.UUID
    integration_type: str
    event_type: str
    direction: str
    status: str
    request_body: Any = None
    response_body: Any = None
    http_status: int | None = None
    error_message: str | None = None
    error_class: str | None = None
    api_key_id: uuid.UUID | None = None
    webhook_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    connector: str | None = None
    external_system: str | None = None
    retry_count: int = 0
    duration_ms: int | None = None
    timestamp: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)
    secrets: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {self.direction!r}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")


class LogWriter:
    def __init__(
        self,
        database: Database,
        masker: Masker,
        *,
        clock: Clock | None = None,
        batch_size: int = 500,
        flush_interval: float = 0.2,
        body_limit: int = 64 * 1024,
    ) -> None:
        self.database = database
        self.masker = masker
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.body_limit = body_limit
        self._buffer: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._closed = False
        self._bulk = BulkInsert(logs_table)
        self.rows_written = 0

    # --- the two ways in ----------------------------------------------------------------

    def add(self, entry: LogEntry) -> uuid.UUID:
        """Buffer ``entry``; it is inserted within ``flush_interval`` seconds."""
        if self._closed:
            raise RuntimeError("the log writer is closed")
        self._buffer.append(self.to_row(entry))
        if len(self._buffer) >= self.batch_size:
            self._wake.set()
        if self._task is None:
            self.start()
        return entry.id

    def add_plain(
        self,
        org_id: uuid.UUID,
        integration_type: str,
        event_type: str,
        direction: str,
        status: str,
        http_status: int | None,
        *,
        api_key_id: uuid.UUID | None = None,
        duration_ms: int | None = None,
    ) -> None:
        """Buffer a row without bodies, message or secrets: nothing in it to mask.

        The same row as :meth:`add` of the equivalent :class:`LogEntry`, built straight
        into the buffer. The API path writes one per admitted request, and the entry
        object, its checks and its masking pass were a third of that row's cost.
        """
        if self._closed:
            raise RuntimeError("the log writer is closed")
        if direction not in DIRECTIONS or status not in STATUSES:
            raise ValueError(f"direction {direction!r} / status {status!r} not allowed")
        now = self.clock.now()
        self._buffer.append(
            {
                "id": new_id(),
                "org_id": org_id,
                "timestamp": now,
                "integration_type": printable(integration_type[:50]),
                "event_type": printable(event_type[:100]),
                "direction": direction,
                "status": status,
                "http_status": http_status,
                "request_body": None,
                "response_body": None,
                "error_message": None,
                "error_class": None,
                "api_key_id": api_key_id,
                "webhook_id": None,
                "job_id": None,
                "connector": None,
                "external_system": None,
                "retry_count": 0,
                "duration_ms": duration_ms,
                "created_at": now,
            }
        )
        if len(self._buffer) >= self.batch_size:
            self._wake.set()
        if self._task is None:
            self.start()

    async def write(self, session: AsyncSession, entry: LogEntry) -> uuid.UUID:
        """Insert ``entry`` now, inside ``session``'s transaction."""
        await self._insert_in(session, [self.to_row(entry)])
        self.rows_written += 1
        return entry.id

    async def write_many(
        self, session: AsyncSession, entries: Sequence[LogEntry]
    ) -> list[uuid.UUID]:
        """Insert ``entries`` now, in one ``executemany`` inside ``session``'s transaction."""
        if not entries:
            return []
        await self._insert_in(session, [self.to_row(entry) for entry in entries])
        self.rows_written += len(entries)
        return [entry.id for entry in entries]

    async def _insert_in(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        # The session may be a tenant's (row-level security): no COPY there.
        await self._bulk.execute(await session.connection(), rows, copy=False)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="integration-log-writer"
            )

    async def flush(self) -> int:
        """Insert everything buffered now; returns the number of rows written.

        A batch leaves the buffer before it is inserted and goes back on a transient failure,
        so a row is never written twice. A batch the database refuses for good (a row
        naming an API key deleted meanwhile) is retried row by row with such references
        cleared; a row still refused is reported in the process log, not retried forever.
        """
        async with self._flush_lock:
            written = 0
            while self._buffer:
                batch = self._buffer[: self.batch_size]
                del self._buffer[: len(batch)]
                try:
                    await self._insert(batch)
                except _REFUSED:
                    written += await self._insert_one_by_one(batch)
                    continue
                except Exception:
                    self._buffer[:0] = batch
                    log.exception("integration log flush failed; %d rows kept", len(batch))
                    raise
                written += len(batch)
            self.rows_written += written
            return written

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        async with self.database.transaction() as conn:
            await self._bulk.execute(conn, rows)

    async def _insert_one_by_one(self, rows: list[dict[str, Any]]) -> int:
        written = 0
        for row in rows:
            unlinked = {**row, "api_key_id": None, "job_id": None}
            # Last resort: bodies the database refuses give way to a note, so the row
            # itself is kept.
            bare = {**unlinked, "request_body": _UNSTORABLE, "response_body": _UNSTORABLE}
            for attempt in (row, unlinked, bare):
                try:
                    await self._insert([attempt])
                except _REFUSED:
                    continue
                written += 1
                break
            else:
                log.error("integration log row %s refused by the database: dropped", row["id"])
        return written

    async def close(self) -> None:
        """Stop the background task after its current flush, then flush what is left."""
        self._closed = True
        if self._task is not None:
            self._wake.set()
            task, self._task = self._task, None
            with contextlib.suppress(Exception):
                await task
        await self.flush()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    async def _run(self) -> None:
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # logged in flush; back off a little and retry
                if not self._closed:
                    await asyncio.sleep(min(self.flush_interval * 5, 2.0))

    # --- masking and capping ------------------------------------------------------------

    def to_row(self, entry: LogEntry) -> dict[str, Any]:
        now = self.clock.now()
        secrets = [s for s in entry.secrets if s] if entry.secrets else []
        return {
            "id": entry.id,
            "org_id": entry.org_id,
            "timestamp": entry.timestamp or now,
            "integration_type": printable(entry.integration_type[:50]),
            "event_type": printable(entry.event_type[:100]),
            "direction": entry.direction,
            "status": entry.status,
            "http_status": entry.http_status,
            "request_body": self._body(entry.request_body, secrets),
            "response_body": self._body(entry.response_body, secrets),
            "error_message": (
                printable(self.masker.mask_text(entry.error_message, secrets=secrets)[:4000])
                if entry.error_message
                else None
            ),
            "error_class": printable(entry.error_class[:100]) if entry.error_class else None,
            "api_key_id": entry.api_key_id,
            "webhook_id": entry.webhook_id,
            "job_id": entry.job_id,
            "connector": printable(entry.connector) if entry.connector else None,
            "external_system": (
                printable(entry.external_system) if entry.external_system else None
            ),
            "retry_count": entry.retry_count,
            "duration_ms": entry.duration_ms,
            "created_at": now,
        }

    def _body(self, body: Any, secrets: list[str]) -> JSONText | None:
        """The masked body as JSON text, capped at ``body_limit`` characters (serialized
        once: measuring it needs the text, and the insert takes the same text)."""
        if body is None:
            return None
        if isinstance(body, bytes | bytearray | memoryview):
            raw = bytes(body)
            try:
                decoded: Any = raw.decode("utf-8")
            except UnicodeDecodeError:
                return JSONText(json.dumps({"_binary": True, "size": len(raw)}))
            try:
                body = json.loads(decoded)
            except (ValueError, RecursionError):  # not JSON, or nested past the parser
                body = decoded
        masked = self.masker.mask(body, secrets=secrets)
        text = json.dumps(masked, ensure_ascii=False, default=str)
        text = replace_nul(text)  # PostgreSQL refuses NUL in JSON and text: a visible mark
        text = printable(text)  # unpaired surrogates (kept raw by ensure_ascii=False)
        if len(text) <= self.body_limit:
            return JSONText(text)
        preview = {"_truncated": True, "size": len(text), "preview": text[: self.body_limit]}
        return JSONText(json.dumps(preview, ensure_ascii=False))


#: A batch or row the database (or its driver) refuses for good: retried row by row.
_REFUSED = (sa_exc.IntegrityError, sa_exc.DataError, UnicodeError)
_UNSTORABLE = JSONText('{"_unstorable": "the database refused this body"}')
