"""One attempt of an export job: rows from the domain store, through the format, to a file.

The rows arrive in batches from :class:`~monopilot_integrations.core.domain.bulk.BulkReads`
(a server-side cursor on PostgreSQL), each batch is projected onto the chosen columns,
encoded and appended to ``<id>.<ext>.part``; the finished file is renamed into place. Memory
holds one batch, whatever the number of rows. Progress (rows written of rows counted at the
start) is stored at most every half second.

An attempt that fails for a reason that may pass (the database away, a full disk) is
retried by the job engine and starts the file over; a request that can never be served (a
format no longer installed) fails the export at once.
"""

from __future__ import annotations

import contextlib
import operator
import os
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import update

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.export.kinds import KINDS, ExportKind
from monopilot_integrations.connectors.files.export.service import export_formats, find_export
from monopilot_integrations.connectors.files.formats.base import FormatOptions, RowEncoder, Table
from monopilot_integrations.connectors.files.tables import FileExport
from monopilot_integrations.core import FatalError, Job, RetriableError

PROGRESS_EVERY = 0.5


def projection(kind: ExportKind, columns: Sequence[str] | None) -> Callable[[Any], Any] | None:
    """A function picking ``columns`` out of a full row (``None``: the row as it is)."""
    names = [c.name for c in kind.columns]
    if not columns or list(columns) == names:
        return None
    indexes = [names.index(c) for c in columns]
    if len(indexes) == 1:
        (only,) = indexes
        return lambda row: (row[only],)
    return operator.itemgetter(*indexes)


async def run_export(ctx: FilesContext, job: Job) -> None:
    org_id = job.org_id
    export_id = uuid.UUID(str(job.payload["export_id"]))
    runtime = ctx.runtime
    async with runtime.database.session(org_id) as session:
        row = await find_export(session, org_id, export_id)
        if row is None:
            raise FatalError(f"export {export_id} does not exist (deleted?)")
        if row.status in ("done", "expired", "failed"):
            return  # a duplicate delivery of a finished job
        kind = KINDS.get(row.kind)
        chosen = export_formats(ctx).get(row.format)
        request = dict(row.request)
    try:
        if kind is None or chosen is None:
            raise FatalError(f"the export's kind {row.kind!r} or format {row.format!r} is gone")
        filters = kind.filter_model.model_validate(request.get("filters") or {})
        columns = request.get("columns") or [c.name for c in kind.columns]
        table = Table(
            kind=kind.name,
            row_name=kind.row_name,
            columns=tuple(kind.column(name) for name in columns),
            options=FormatOptions.model_validate(request.get("options") or {}),
        )
        total = await kind.count(runtime.domain, org_id, filters)
        await _update(
            ctx,
            org_id,
            export_id,
            status="running",
            rows_total=total,
            rows_written=0,
            started_at=runtime.clock.now(),
            error=None,
        )
        relative = ctx.relative_path(org_id, export_id, chosen.extension)
        target = ctx.export_path(relative)
        job.record(request={"export_id": str(export_id), "kind": kind.name, **request})
        written, size = await _write(
            ctx, job, kind, filters, projection(kind, columns), chosen.to_external(table), target
        )
    except Exception as exc:
        last = isinstance(exc, FatalError) or job.retries >= job.max_retries
        await _update(
            ctx,
            org_id,
            export_id,
            status="failed" if last else "queued",
            error=f"{type(exc).__name__}: {exc}" if not last else str(exc) or type(exc).__name__,
            finished_at=runtime.clock.now() if last else None,
        )
        if isinstance(exc, FatalError | RetriableError):
            raise
        raise RetriableError(f"the export failed and will be tried again: {exc}") from exc
    now = runtime.clock.now()
    await _update(
        ctx,
        org_id,
        export_id,
        status="done",
        rows_written=written,
        rows_total=written,
        path=relative,
        size_bytes=size,
        finished_at=now,
        expires_at=now + timedelta(hours=ctx.settings.expiry_hours),
    )
    job.record(response={"rows": written, "bytes": size, "file": relative})


async def _write(
    ctx: FilesContext,
    job: Job,
    kind: ExportKind,
    filters: Any,
    pick: Callable[[Any], Any] | None,
    encoder: RowEncoder,
    target: Path,
) -> tuple[int, int]:
    """Stream every row into ``target`` (via ``.part``); returns rows and bytes written."""
    runtime = ctx.runtime
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    written = 0
    last_progress = time.monotonic()
    out: BinaryIO
    try:
        with part.open("wb") as out:
            out.write(encoder.head())
            stream = kind.stream(runtime.domain, job.org_id, filters, ctx.settings.batch_size)
            async with contextlib.aclosing(stream) as batches:
                async for batch in batches:
                    rows = batch if pick is None else [pick(r) for r in batch]
                    out.write(encoder.rows(rows))
                    written += len(batch)
                    if time.monotonic() - last_progress >= PROGRESS_EVERY:
                        await _update(
                            ctx,
                            job.org_id,
                            uuid.UUID(str(job.payload["export_id"])),
                            rows_written=written,
                        )
                        last_progress = time.monotonic()
            out.write(encoder.tail())
            out.flush()
            os.fsync(out.fileno())
        size = part.stat().st_size
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return written, size


async def _update(
    ctx: FilesContext, org_id: uuid.UUID, export_id: uuid.UUID, **values: Any
) -> None:
    async with ctx.runtime.database.session(org_id) as session:
        await session.execute(
            update(FileExport)
            .where(FileExport.id == export_id, FileExport.org_id == org_id)
            .values(**values)
        )
