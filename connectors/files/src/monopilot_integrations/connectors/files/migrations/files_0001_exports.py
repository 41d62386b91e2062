"""files: the export table.

Revision ID: files_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from monopilot_integrations.core.db.tenancy import enable_tenant_isolation
from monopilot_integrations.core.db.types import UTCDateTime

revision = "files_0001"
down_revision = None
branch_labels = ("files",)
# The branch builds on core's schema (tenant role, shared tables).
depends_on = "core_0001"


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "file_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("request", _json(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')",
            name=op.f("ck_file_exports_status"),
        ),
        sa.PrimaryKeyConstraint("id", name="pk_file_exports"),
    )
    op.create_index("ix_file_exports_org_created", "file_exports", ["org_id", "created_at"])
    op.create_index("ix_file_exports_expiry", "file_exports", ["status", "expires_at"])
    enable_tenant_isolation(op, "file_exports")


def downgrade() -> None:
    op.drop_table("file_exports")
