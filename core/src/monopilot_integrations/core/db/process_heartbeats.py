"""The table in which worker and scheduler processes say they are alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base


class ProcessHeartbeatRow(Base):
    """One row per running worker or scheduler (``kind``), rewritten every
    ``heartbeat_interval`` seconds and deleted on a clean stop. Not tenant data: written
    and read by the kernel's own sessions only."""

    __tablename__ = "integration_process_heartbeats"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column()
    beat_at: Mapped[datetime] = mapped_column()
