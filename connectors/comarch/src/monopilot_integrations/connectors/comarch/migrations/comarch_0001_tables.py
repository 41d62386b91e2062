"""comarch: configuration, chart of accounts, posting mappings, pushed documents

Revision ID: comarch_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.tenancy import enable_tenant_isolation
from monopilot_integrations.core.db.types import JSONType, UTCDateTime

revision = "comarch_0001"
down_revision = None
branch_labels = ("comarch",)
# The branch builds on core's schema (tenant role, shared tables).
depends_on = "core_0001"

TABLES = (
    "comarch_optima_config",
    "comarch_accounts",
    "comarch_posting_mappings",
    "comarch_documents",
)


def _tenant() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "comarch_optima_config",
        *_tenant(),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("route", sa.String(8), nullable=False),
        sa.Column("api_url", sa.String(500), nullable=True),
        sa.Column("api_key", sa.String(255), nullable=True),
        sa.Column("api_secret_encrypted", sa.String(1000), nullable=True),
        sa.Column("company_code", sa.String(50), nullable=True),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("auto_sync", sa.Boolean(), nullable=False),
        sa.Column("source_db_id", sa.String(50), nullable=False),
        sa.Column("target_db_id", sa.String(50), nullable=False),
        sa.Column("xml_transport", sa.String(64), nullable=True),
        sa.Column("xml_transport_settings", JSONType, nullable=True),
        sa.Column("xml_transport_secrets", sa.Text(), nullable=True),
        sa.Column("last_sync_at", UTCDateTime(), nullable=True),
        sa.Column("accounts_synced_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("route IN ('rest', 'xml')", name=op.f("ck_comarch_optima_config_route")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comarch_optima_config")),
        sa.UniqueConstraint("org_id", name="uq_comarch_optima_config_org_id"),
    )
    op.create_table(
        "comarch_accounts",
        *_tenant(),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("account_type", sa.String(50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comarch_accounts")),
        sa.UniqueConstraint("org_id", "number", name="uq_comarch_accounts_number"),
    )
    op.create_table(
        "comarch_posting_mappings",
        *_tenant(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comarch_posting_mappings")),
        sa.UniqueConstraint("org_id", "kind", "key", name="uq_comarch_posting_mappings_key"),
    )
    op.create_table(
        "comarch_documents",
        *_tenant(),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("route", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("reference", sa.String(500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comarch_documents")),
        sa.UniqueConstraint("org_id", "invoice_id", name="uq_comarch_documents_invoice"),
    )
    op.create_index("ix_comarch_documents_status", "comarch_documents", ["org_id", "status"])
    for table in TABLES:
        enable_tenant_isolation(op, table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
