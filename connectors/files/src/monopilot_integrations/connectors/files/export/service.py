"""Creating an export (the row and its job in one transaction) and describing one."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.files.context import CONNECTOR, FilesContext
from monopilot_integrations.connectors.files.export.kinds import ExportKind
from monopilot_integrations.connectors.files.export.models import ExportOut
from monopilot_integrations.connectors.files.formats.base import (
    EXPORT_RECORD_KIND,
    ExportFormat,
)
from monopilot_integrations.connectors.files.tables import FileExport
from monopilot_integrations.core import JobSpec
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.jobs.queue import QueuedJob

BASE = "/api/integrations/export"


def export_formats(ctx: FilesContext) -> dict[str, ExportFormat]:
    """Every registered export format by name (this package's and plugins')."""
    found: dict[str, ExportFormat] = {}
    for mapper in ctx.runtime.registry.mappers.values():
        if isinstance(mapper, ExportFormat) and mapper.record_kind == EXPORT_RECORD_KIND:
            found[mapper.format] = mapper
    return found


def check_request(ctx: FilesContext, kind: ExportKind, request: Any) -> ExportFormat:
    """The format named by ``request``; a ValidationError listing every problem otherwise."""
    problems: list[dict[str, str]] = []
    formats = export_formats(ctx)
    chosen = formats.get(request.format)
    if chosen is None:
        problems.append(
            {
                "path": "/format",
                "message": f"unknown format {request.format!r}; "
                f"known: {', '.join(sorted(formats))}",
            }
        )
    known = [c.name for c in kind.columns]
    for index, name in enumerate(request.columns or ()):
        if name not in known:
            problems.append(
                {
                    "path": f"/columns/{index}",
                    "message": f"{kind.name} have no column {name!r}; known: {', '.join(known)}",
                }
            )
    if request.columns and len(set(request.columns)) != len(request.columns):
        problems.append({"path": "/columns", "message": "a column is named twice"})
    if problems:
        summary = "; ".join(p["message"] for p in problems[:3])
        raise ValidationError(f"the export cannot be made: {summary}", problems)
    assert chosen is not None
    return chosen


async def create_export(
    ctx: FilesContext,
    org_id: uuid.UUID,
    kind: ExportKind,
    request: Any,
    *,
    api_key_id: uuid.UUID | None = None,
) -> ExportOut:
    """Record the export and its job in one transaction, then hand the job to the broker."""
    chosen = check_request(ctx, kind, request)
    runtime = ctx.runtime
    now = runtime.clock.now()
    export_id = uuid.uuid4()
    row = FileExport(
        id=export_id,
        org_id=org_id,
        kind=kind.name,
        format=chosen.format,
        request=request.model_dump(mode="json"),
        status="queued",
        rows_written=0,
        file_name=f"{kind.name}-{now:%Y%m%d-%H%M%S}.{chosen.extension}",
        content_type=chosen.media_type,
        api_key_id=api_key_id,
        created_at=now,
    )
    async with runtime.database.session(org_id) as session:
        session.add(row)
        (job_id,) = await runtime.jobs.create(
            org_id,
            CONNECTOR,
            [JobSpec(payload={"export_id": str(export_id)}, subject_id=str(export_id))],
            session=session,
        )
        row.job_id = job_id
        await session.flush()
        out = describe(row)
    # The fast path; the sweeper hands the job over anyway if the broker is away.
    with contextlib.suppress(Exception):
        await runtime.kernel.queue.enqueue([QueuedJob(org_id, job_id, CONNECTOR)])
    return out


async def find_export(
    session: AsyncSession, org_id: uuid.UUID, export_id: uuid.UUID
) -> FileExport | None:
    # The organisation filter is the wall on SQLite; row-level security repeats it on
    # PostgreSQL. Another organisation's export is simply not found.
    found: FileExport | None = await session.scalar(
        select(FileExport).where(FileExport.id == export_id, FileExport.org_id == org_id)
    )
    return found


def describe(row: FileExport) -> ExportOut:
    total = row.rows_total
    progress = None
    if row.status == "done":
        progress = 1.0
    elif total is not None:
        progress = 1.0 if total == 0 else min(row.rows_written / total, 1.0)
    return ExportOut(
        id=row.id,
        kind=row.kind,
        format=row.format,
        status=row.status,
        rows_written=row.rows_written or 0,
        rows_total=total,
        progress=progress,
        file_name=row.file_name,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        expires_at=row.expires_at,
        request=row.request,
        status_url=f"{BASE}/{row.id}/status",
        download_url=f"{BASE}/{row.id}/download",
    )
