"""The periodic purge: export files past their expiry are deleted.

The row stays (status ``expired``), so a download after that answers 410 Gone rather than
404, and the export remains in the organisation's history. Runs across organisations on
the kernel's own session (it is the kernel's housekeeping, like the log purge).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.tables import FileExport

log = logging.getLogger(__name__)


async def purge_expired(ctx: FilesContext) -> int:
    """Delete every expired export file; returns how many exports expired now."""
    runtime = ctx.runtime
    now = runtime.clock.now()
    async with runtime.database.system_session() as session:
        rows = (
            await session.execute(
                select(FileExport.id, FileExport.path).where(
                    FileExport.status == "done", FileExport.expires_at <= now
                )
            )
        ).all()
    for export_id, relative in rows:
        if relative:
            try:
                ctx.export_path(relative).unlink(missing_ok=True)
            except (OSError, ValueError):
                log.warning("could not delete expired export file %s", relative, exc_info=True)
                continue
        async with runtime.database.system_session() as session:
            await session.execute(
                update(FileExport)
                .where(FileExport.id == export_id, FileExport.status == "done")
                .values(status="expired", path=None)
            )
    return len(rows)


async def purge_task(kernel: Any) -> None:
    """``PeriodicTask`` entry point."""
    count = await purge_expired(FilesContext.of(kernel))
    if count:
        log.info("purged %d expired export files", count)
