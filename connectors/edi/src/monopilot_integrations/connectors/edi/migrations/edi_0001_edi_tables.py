"""edi: configuration, partner profiles, inbound files, interchanges and messages.

Revision ID: edi_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from monopilot_integrations.core.db.tenancy import enable_tenant_isolation
from monopilot_integrations.core.db.types import UTCDateTime

revision = "edi_0001"
down_revision = None
branch_labels = ("edi",)
# The branch builds on core's schema (tenant role, shared tables).
depends_on = "core_0001"

TABLES = ("edi_config", "edi_partners", "edi_inbound_files", "edi_interchanges", "edi_messages")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "edi_config",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("edi_mailbox", sa.String(255), nullable=True),
        sa.Column("van_provider", sa.String(100), nullable=True),
        sa.Column("message_types", _json(), nullable=False),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_edi_config"),
        sa.UniqueConstraint("org_id", name="uq_edi_config_org_id"),
    )
    op.create_table(
        "edi_partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("partner_id", sa.String(35), nullable=False),
        sa.Column("qualifier", sa.String(4), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("syntax_identifier", sa.String(4), nullable=False),
        sa.Column("syntax_version", sa.Integer(), nullable=False),
        sa.Column("directory", sa.String(4), nullable=False),
        sa.Column("message_types", _json(), nullable=False),
        sa.Column("transport", sa.String(50), nullable=False),
        sa.Column("transport_settings", _json(), nullable=False),
        sa.Column("transport_secrets", sa.Text(), nullable=True),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("send_contrl", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("control_counter", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_edi_partners"),
        sa.UniqueConstraint("org_id", "partner_id", name="uq_edi_partners_org_partner"),
    )
    op.create_table(
        "edi_inbound_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_edi_inbound_files"),
        sa.UniqueConstraint("org_id", "source", "name", "sha256", name="uq_edi_inbound_files_key"),
    )
    op.create_table(
        "edi_interchanges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        sa.Column("sender", sa.String(35), nullable=False),
        sa.Column("recipient", sa.String(35), nullable=False),
        sa.Column("control_reference", sa.String(14), nullable=False),
        sa.Column("partner_profile_id", sa.Uuid(), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_edi_interchanges"),
        sa.UniqueConstraint(
            "org_id", "sender", "recipient", "control_reference", name="uq_edi_interchanges_key"
        ),
    )
    op.create_table(
        "edi_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("message_type", sa.String(20), nullable=False),
        sa.Column("message_content", sa.Text(), nullable=False),
        sa.Column("raw_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("partner_id", sa.String(100), nullable=True),
        sa.Column("partner_profile_id", sa.Uuid(), nullable=True),
        sa.Column("reference_id", sa.String(100), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("errors", _json(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        sa.Column("interchange_id", sa.Uuid(), nullable=True),
        sa.Column("control_reference", sa.String(14), nullable=True),
        sa.Column("message_reference", sa.String(14), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("sales_order_id", sa.Uuid(), nullable=True),
        sa.Column("receipt_id", sa.Uuid(), nullable=True),
        sa.Column("record_type", sa.String(30), nullable=True),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'processed', 'error')", name=op.f("ck_edi_messages_status")
        ),
        sa.CheckConstraint(
            "direction IN ('inbound', 'outbound')", name=op.f("ck_edi_messages_direction")
        ),
        sa.PrimaryKeyConstraint("id", name="pk_edi_messages"),
    )
    op.create_index("idx_edi_messages_status", "edi_messages", ["org_id", "status"])
    op.create_index(
        "ix_edi_messages_org_direction_created",
        "edi_messages",
        ["org_id", "direction", "created_at"],
    )
    for table in TABLES:
        enable_tenant_isolation(op, table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
