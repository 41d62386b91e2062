"""The EDI connector's tables.

* ``edi_config``: one row per organisation (the architecture document's table).
* ``edi_partners``: trading-partner profiles, with the outbound control-reference counter
  and the transport settings (secrets encrypted with the kernel's keyring).
* ``edi_inbound_files``: one row per received file, written in the same transaction as its
  messages. A file seen again (the poller crashed after storing, before archiving) is
  recognised by name and content hash and only moved on, never stored twice.
* ``edi_interchanges``: one row per inbound interchange, unique on (sender, recipient,
  control reference): the database itself refuses to take a duplicate interchange twice.
* ``edi_messages``: every message in and out (the architecture document's table, plus the
  outcome columns an inbox entry shows).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id

MESSAGE_STATUSES = ("pending", "processed", "error")
DIRECTIONS = ("inbound", "outbound")


class EdiConfig(TenantMixin, Base):
    __tablename__ = "edi_config"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    edi_mailbox: Mapped[str | None] = mapped_column(String(255))
    van_provider: Mapped[str | None] = mapped_column(String(100))
    message_types: Mapped[list[Any]] = mapped_column()
    test_mode: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("org_id", name="uq_edi_config_org_id"),)


class EdiPartner(TenantMixin, Base):
    __tablename__ = "edi_partners"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    #: The partner's interchange id (a GLN) and its qualifier (14: GS1).
    partner_id: Mapped[str] = mapped_column(String(35))
    qualifier: Mapped[str] = mapped_column(String(4))
    customer_id: Mapped[uuid.UUID | None] = mapped_column()
    supplier_id: Mapped[uuid.UUID | None] = mapped_column()
    syntax_identifier: Mapped[str] = mapped_column(String(4))
    syntax_version: Mapped[int] = mapped_column(Integer)
    directory: Mapped[str] = mapped_column(String(4))
    message_types: Mapped[list[Any]] = mapped_column()
    transport: Mapped[str] = mapped_column(String(50))
    #: Transport settings without secrets (those are in ``transport_secrets``).
    transport_settings: Mapped[dict[str, Any]] = mapped_column()
    #: The secret settings as one keyring token (JSON inside), or ``None``.
    transport_secrets: Mapped[str | None] = mapped_column(Text)
    test_mode: Mapped[bool] = mapped_column(Boolean, default=True)
    send_contrl: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Outbound messages sent without POST /edi/send when MonoPilot publishes the event
    #: (``DESADV`` on ``shipment.dispatched``).
    auto_send: Mapped[list[Any]] = mapped_column(default=list)
    #: Write characters the repertoire cannot carry as their base letters (a warning in the
    #: message's log) instead of refusing the message.
    transliterate: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Optional segments the partner's guide requires, per message type:
    #: ``{"INVOIC": ["NAD+IV", "RFF+DQ"]}``.
    required_segments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: UNB 0026 on our interchanges, when the partner's guide asks for one.
    application_reference: Mapped[str | None] = mapped_column(String(14))
    #: Write UNA: always (True), never (False), only when the separators need it (None).
    write_una: Mapped[bool | None] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The last outbound interchange control reference used (incremented atomically).
    control_counter: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("org_id", "partner_id", name="uq_edi_partners_org_partner"),)


class EdiInboundFile(TenantMixin, Base):
    __tablename__ = "edi_inbound_files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    #: Where it came from: ``folder:/srv/edi/in`` or ``sftp:host/in`` or ``api``.
    source: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("org_id", "source", "name", "sha256", name="uq_edi_inbound_files_key"),
    )


class EdiInterchange(TenantMixin, Base):
    __tablename__ = "edi_interchanges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    file_id: Mapped[uuid.UUID | None] = mapped_column()
    sender: Mapped[str] = mapped_column(String(35))
    recipient: Mapped[str] = mapped_column(String(35))
    control_reference: Mapped[str] = mapped_column(String(14))
    partner_profile_id: Mapped[uuid.UUID | None] = mapped_column()
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint(
            "org_id", "sender", "recipient", "control_reference", name="uq_edi_interchanges_key"
        ),
    )


class EdiMessage(TenantMixin, Base):
    __tablename__ = "edi_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    direction: Mapped[str] = mapped_column(String(10))
    message_type: Mapped[str] = mapped_column(String(20))
    #: The message as text (UNH..UNT with its envelope for outbound; what could be read of a
    #: broken file for inbound errors). ``raw_bytes`` keeps the exact bytes when the text
    #: is not a faithful copy (undecodable bytes, NUL characters).
    message_content: Mapped[str] = mapped_column(Text)
    raw_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20))
    #: The trading partner's interchange id (GLN), as in the architecture document.
    partner_id: Mapped[str | None] = mapped_column(String(100))
    partner_profile_id: Mapped[uuid.UUID | None] = mapped_column()
    #: The document number (BGM 1004 for ORDERS, the invoice number for INVOIC, ...).
    reference_id: Mapped[str | None] = mapped_column(String(100))
    error_message: Mapped[str | None] = mapped_column(Text)
    #: Every problem found: ``[{code, message, segment_number, tag, expected}]``.
    errors: Mapped[list[Any]] = mapped_column()
    file_id: Mapped[uuid.UUID | None] = mapped_column()
    interchange_id: Mapped[uuid.UUID | None] = mapped_column()
    control_reference: Mapped[str | None] = mapped_column(String(14))
    message_reference: Mapped[str | None] = mapped_column(String(14))
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What processing did: ``sales_order_created``, ``pending_review``,
    #: ``receipt_recorded``, ``duplicate``, ``sent``, ...
    outcome: Mapped[str | None] = mapped_column(String(30))
    sales_order_id: Mapped[uuid.UUID | None] = mapped_column()
    receipt_id: Mapped[uuid.UUID | None] = mapped_column()
    #: Outbound: the MonoPilot record it was built from, and the delivery job.
    record_type: Mapped[str | None] = mapped_column(String(30))
    record_id: Mapped[uuid.UUID | None] = mapped_column()
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'processed', 'error')", name="status"),
        CheckConstraint("direction IN ('inbound', 'outbound')", name="direction"),
        Index("idx_edi_messages_status", "org_id", "status"),
        Index("ix_edi_messages_org_direction_created", "org_id", "direction", "created_at"),
    )
