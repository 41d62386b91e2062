"""Core's shared tables: API keys, integration logs, the event outbox, jobs, retry queue.

Column names follow the architecture document. Deviations, each for a reason:

* ``org_id`` carries no foreign key to ``organizations``: when MonoPilot supplies its own
  domain store, its organisations live in its own database, not here.
* ``integration_logs.webhook_id`` carries no foreign key either: the webhooks table belongs
  to the webhooks connector, and core never depends on a connector.
* ``integration_retry_queue`` gains ``job_id`` (what is retried) and ``dead_*`` columns
  for the dead-letter queue; the jobs table and the outbox are the engine's own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id
from monopilot_integrations.core.db.types import JSONType


class ApiKeyRow(TenantMixin, Base):
    __tablename__ = "integration_api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    key_last4: Mapped[str] = mapped_column(String(4))
    key_value_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    rate_limit_tier: Mapped[str] = mapped_column(
        String(20), default="basic", server_default="basic"
    )
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        Index("idx_api_keys_org", "org_id", "status"),
        Index("idx_api_keys_key", "key_value_hash"),
    )


class LogRow(TenantMixin, Base):
    __tablename__ = "integration_logs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    timestamp: Mapped[datetime] = mapped_column()
    integration_type: Mapped[str] = mapped_column(String(50))
    event_type: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    http_status: Mapped[int | None] = mapped_column(Integer)
    request_body: Mapped[Any | None] = mapped_column(JSONType)
    response_body: Mapped[Any | None] = mapped_column(JSONType)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_class: Mapped[str | None] = mapped_column(String(100))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("integration_api_keys.id", ondelete="SET NULL")
    )
    webhook_id: Mapped[uuid.UUID | None] = mapped_column()
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    connector: Mapped[str | None] = mapped_column(String(100))
    external_system: Mapped[str | None] = mapped_column(String(100))
    retry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()

    # Every query starts with the organisation and a time bound (the management API's
    # pages and statistics) or names a job (a webhook's delivery log): two indexes, each
    # written once per row (migration core_0002).
    __table_args__ = (
        Index("idx_int_logs_org_time", "org_id", "timestamp"),
        Index("idx_int_logs_job", "job_id"),
    )


class EventRow(TenantMixin, Base):
    """The transactional outbox: written in the publisher's transaction, dispatched later."""

    __tablename__ = "integration_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    event_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column()
    #: Channel names the publisher labelled the event with (``None``: none); migration
    #: core_0004.
    channels: Mapped[list[str] | None] = mapped_column(JSONType)
    dispatched_at: Mapped[datetime | None] = mapped_column()
    jobs_created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index(
            "idx_events_undispatched",
            "occurred_at",
            sqlite_where=text("dispatched_at IS NULL"),
            postgresql_where=text("dispatched_at IS NULL"),
        ),
        Index("idx_events_org_time", "org_id", "occurred_at"),
    )


class JobRow(TenantMixin, Base):
    """One unit of work for one connector; its id is the stable delivery id.

    ``status``: queued -> running -> succeeded, or -> retrying -> running ..., or -> dead.
    ``retries`` counts retries in the current run (reset by a redrive, compared with
    ``max_retries``); ``attempts`` counts every attempt ever made.
    """

    __tablename__ = "integration_jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    connector: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("integration_events.id", ondelete="SET NULL")
    )
    event_type: Mapped[str | None] = mapped_column(String(100))
    subject_id: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    retry_policy: Mapped[str] = mapped_column(String(20))
    max_retries: Mapped[int] = mapped_column(Integer)
    retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_run_at: Mapped[datetime] = mapped_column()
    enqueued_at: Mapped[datetime | None] = mapped_column()
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    dead_at: Mapped[datetime | None] = mapped_column()
    dead_reason: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index(
            "idx_jobs_due",
            "next_run_at",
            sqlite_where=text("status IN ('queued', 'retrying')"),
            postgresql_where=text("status IN ('queued', 'retrying')"),
        ),
        Index(
            "idx_jobs_running",
            "locked_until",
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
        Index("idx_jobs_org_status", "org_id", "status", "connector"),
        Index(
            "idx_jobs_dead",
            "dead_at",
            sqlite_where=text("status = 'dead'"),
            postgresql_where=text("status = 'dead'"),
        ),
    )


class RetryRow(TenantMixin, Base):
    """The architecture document's retry queue: one row per job that has failed.

    ``status``: pending (a retry is scheduled at ``next_retry_at``), in_progress, succeeded,
    failed (dead-lettered: exhausted, fatal, manual policy or skipped; see ``dead_reason``).
    """

    __tablename__ = "integration_retry_queue"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integration_jobs.id", ondelete="CASCADE"), unique=True
    )
    log_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("integration_logs.id", ondelete="SET NULL")
    )
    connector: Mapped[str] = mapped_column(String(100))
    retry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_retries: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    next_retry_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    error_message: Mapped[str | None] = mapped_column(Text)
    dead_reason: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        Index(
            "idx_retry_queue_next",
            "next_retry_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("idx_retry_queue_org_status", "org_id", "status", "connector"),
    )


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


#: Core ``Table`` objects, for statements that work on columns rather than ORM entities.
api_keys_table = _table(ApiKeyRow)
logs_table = _table(LogRow)
events_table = _table(EventRow)
jobs_table = _table(JobRow)
retry_table = _table(RetryRow)

from monopilot_integrations.core.db.process_heartbeats import (  # noqa: E402 (into the metadata)
    ProcessHeartbeatRow,
)

heartbeats_table = _table(ProcessHeartbeatRow)

from monopilot_integrations.core.db.log_rollups import (  # noqa: E402 (into the metadata)
    LogRollupMarkRow,
    LogRollupRow,
)

log_rollups_table = _table(LogRollupRow)
log_rollup_marks_table = _table(LogRollupMarkRow)

from monopilot_integrations.core.db.web_sessions import (  # noqa: E402 (into the metadata)
    LoginThrottleRow,
    WebSessionRow,
)

web_sessions_table = _table(WebSessionRow)
login_throttle_table = _table(LoginThrottleRow)
