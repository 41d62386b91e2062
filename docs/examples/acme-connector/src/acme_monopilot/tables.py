"""ACME's own table: one row per exported order file."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id


class AcmeExport(TenantMixin, Base):
    __tablename__ = "acme_exports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    po_number: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(255))
    job_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_acme_exports_org_created", "org_id", "created_at"),)
