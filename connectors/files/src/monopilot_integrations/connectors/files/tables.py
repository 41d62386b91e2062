"""The files connector's table: one row per export.

``file_exports`` holds what was asked (kind, format, columns, filters, options), where the
job is (status, rows written of rows expected) and the file it produced (path relative to
the export folder, name, content type, size) until it expires. The file itself lives on
disk: rows stay small however large the export.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id

#: queued -> running -> done -> expired, or -> failed.
STATUSES = ("queued", "running", "done", "failed", "expired")


class FileExport(TenantMixin, Base):
    __tablename__ = "file_exports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(32))
    #: The request as validated: columns, filters and format options.
    request: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="queued")
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    #: Relative to the export folder; ``None`` until written and after the purge.
    path: Mapped[str | None] = mapped_column(String(500))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    api_key_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status"
        ),
        Index("ix_file_exports_org_created", "org_id", "created_at"),
        Index("ix_file_exports_expiry", "status", "expires_at"),
    )
