"""Hourly roll-ups of ``integration_logs``: what the dashboard's overview reads.

An overview over seven days of a busy organisation would otherwise count, and sort for a
percentile, every one of its log rows (a million rows are a few days of API traffic). A
closed hour never changes, so it is counted once into these rows and read from then on;
only the open hour is counted from the log itself (migration ``core_0005_log_rollups``).

Each row is one (hour, integration type, status, API key, webhook) group: API keys and
webhooks are few, so an organisation has at most a few hundred rows an hour, and a week
of overview is a few thousand small rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id

#: Upper bounds (milliseconds) of the duration histogram's buckets; the last is open.
DURATION_BOUNDS_MS: tuple[int, ...] = (
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
)  # fmt: skip


class LogRollupRow(TenantMixin, Base):
    """Counts of one group of log rows in one hour.

    ``d00`` .. ``d13`` are a histogram over :data:`DURATION_BOUNDS_MS` (``d13`` counts
    durations above the last bound), from which percentiles are read to within a bucket.
    ``last_error_at`` is the newest error of the group, which finds its message with one
    lookup on the ``(org_id, timestamp)`` index.
    """

    __tablename__ = "integration_log_rollups"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    hour: Mapped[datetime] = mapped_column()
    integration_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column()
    webhook_id: Mapped[uuid.UUID | None] = mapped_column()
    count: Mapped[int] = mapped_column(Integer)
    rate_limited: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The duration histogram, one column per bucket so that SQL can add them up.
    d00: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d01: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d02: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d03: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d04: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d05: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d06: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d07: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d08: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d09: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d10: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d11: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d12: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    d13: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("idx_log_rollups_org_hour", "org_id", "hour"),)


#: The histogram's columns, in bucket order.
HISTOGRAM_COLUMNS: tuple[str, ...] = tuple(f"d{i:02d}" for i in range(len(DURATION_BOUNDS_MS) + 1))


class LogRollupMarkRow(TenantMixin, Base):
    """Per organisation: every hour before ``rolled_until`` is in the roll-up table."""

    __tablename__ = "integration_log_rollup_marks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    rolled_until: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("uq_log_rollup_marks_org", "org_id", unique=True),)
