"""ACME: the exports table.

Revision ID: acme_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.tenancy import enable_tenant_isolation
from monopilot_integrations.core.db.types import UTCDateTime

revision = "acme_0001"
down_revision = None
branch_labels = ("acme",)
# The branch builds on core's schema (tenant role, shared tables).
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "acme_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("po_number", sa.String(100), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acme_exports"),
        sa.UniqueConstraint("job_id", name="uq_acme_exports_job_id"),
    )
    op.create_index("ix_acme_exports_org_created", "acme_exports", ["org_id", "created_at"])
    enable_tenant_isolation(op, "acme_exports")


def downgrade() -> None:
    op.drop_table("acme_exports")
