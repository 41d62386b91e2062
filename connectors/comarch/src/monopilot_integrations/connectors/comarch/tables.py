"""The Comarch connector's tables.

* ``comarch_optima_config``: one row per organisation (the architecture document's table,
  plus the route: ``rest`` through a bridge or ``xml`` files for Optima's import, and the
  XML transport). The API secret and the transport's secrets are keyring tokens
  (AES-256-GCM bound to the organisation), never clear text.
* ``comarch_accounts``: the local copy of Optima's chart of accounts (plan kont).
* ``comarch_posting_mappings``: what posting needs per company: VAT rate -> register,
  product group -> revenue account, payment form, ...
* ``comarch_documents``: one row per invoice handed to Optima, unique per invoice: the
  connector's idempotency record (the bridge's and the file's id is derived from the
  invoice id, so a retry after a lost response finds the document instead of making one).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id

ROUTES = ("rest", "xml")
MAPPING_KINDS = (
    "vat_register",
    "revenue_account",
    "vat_account",
    "receivable_account",
    "payment_form",
    "category",
)
DOCUMENT_STATUSES = ("sending", "synced", "exported", "rejected", "failed")


class ComarchConfig(TenantMixin, Base):
    __tablename__ = "comarch_optima_config"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    route: Mapped[str] = mapped_column(String(8), default="rest")
    api_url: Mapped[str | None] = mapped_column(String(500))
    api_key: Mapped[str | None] = mapped_column(String(255))
    api_secret_encrypted: Mapped[str | None] = mapped_column(String(1000))
    company_code: Mapped[str | None] = mapped_column(String(50))
    test_mode: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_sync: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Optima's offline XML header: the source and target database ids.
    source_db_id: Mapped[str] = mapped_column(String(50), default="MONOPILOT")
    target_db_id: Mapped[str] = mapped_column(String(50), default="KSIEG")
    xml_transport: Mapped[str | None] = mapped_column(String(64))
    xml_transport_settings: Mapped[dict[str, Any] | None] = mapped_column()
    xml_transport_secrets: Mapped[str | None] = mapped_column(Text)
    last_sync_at: Mapped[datetime | None] = mapped_column()
    accounts_synced_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("org_id", name="uq_comarch_optima_config_org_id"),
        CheckConstraint("route IN ('rest', 'xml')", name="route"),
    )


class ComarchAccount(TenantMixin, Base):
    __tablename__ = "comarch_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(255))
    account_type: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(10))
    synced_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("org_id", "number", name="uq_comarch_accounts_number"),)


class ComarchPostingMapping(TenantMixin, Base):
    __tablename__ = "comarch_posting_mappings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("org_id", "kind", "key", name="uq_comarch_posting_mappings_key"),
    )


class ComarchDocument(TenantMixin, Base):
    __tablename__ = "comarch_documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column()
    number: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    #: Optima's id of the document (the bridge's answer), or the file written (xml).
    external_id: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    test_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("org_id", "invoice_id", name="uq_comarch_documents_invoice"),
        Index("ix_comarch_documents_status", "org_id", "status"),
    )
