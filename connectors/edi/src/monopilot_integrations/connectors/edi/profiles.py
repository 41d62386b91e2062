"""Trading-partner profiles and the EDI configuration as the API reads and writes them.

Pydantic models only (validated on save, so a typo fails when the profile is stored, not
when the first file arrives); the database work is in :mod:`.partner_store`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MessageType = Literal["ORDERS", "ORDRSP", "INVOIC", "DESADV", "RECADV", "CONTRL"]
SyntaxIdentifier = Literal["UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF", "UNOY", "UNOW"]
Directory = Literal["D96A", "D01B"]
OutboundType = Literal["ORDRSP", "INVOIC", "DESADV"]
RequiredSegment = Annotated[str, Field(pattern=r"^[A-Z0-9]{3}(\+[A-Z0-9]{1,3})?$")]
#: Outbound messages a MonoPilot event can trigger: DESADV on ``shipment.dispatched``,
#: INVOIC on ``invoice.created``.
AutoSendType = Literal["DESADV", "INVOIC"]

INBOUND_TYPES: frozenset[str] = frozenset({"ORDERS", "RECADV", "CONTRL"})
OUTBOUND_TYPES: frozenset[str] = frozenset({"ORDRSP", "INVOIC", "DESADV", "CONTRL"})
ALL_TYPES: tuple[MessageType, ...] = ("ORDERS", "ORDRSP", "INVOIC", "DESADV", "RECADV", "CONTRL")
PARTNER_DEFAULT_TYPES: tuple[MessageType, ...] = ("ORDERS", "ORDRSP", "INVOIC", "DESADV", "RECADV")


class EdiConfigIn(BaseModel):
    """``PUT /api/integrations/edi/config``: the organisation's EDI switch and defaults."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    edi_mailbox: str | None = Field(
        default=None,
        max_length=255,
        description="Our interchange id at the VAN (e.g. 'MONOPILOT@EANCOM' or our GLN); "
        "inbound UNB recipients must be this or the organisation's GLN",
    )
    van_provider: str | None = Field(default=None, max_length=100, examples=["Seeburger"])
    message_types: list[MessageType] = Field(
        default_factory=lambda: list(ALL_TYPES),
        description="Message types exchanged at all; others are refused",
    )
    test_mode: bool = Field(
        default=True,
        description="Every partner is treated as in test: orders become pending_review, "
        "outbound interchanges carry the test indicator",
    )


class EdiConfigOut(EdiConfigIn):
    updated_at: datetime | None = None


class PartnerIn(BaseModel):
    """A trading partner profile as created or replaced through the API."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    partner_id: str = Field(
        min_length=1,
        max_length=35,
        pattern=r"^[A-Za-z0-9@._:/-]+$",
        description="The partner's interchange id (UNB sender/recipient), usually a GLN",
    )
    qualifier: str = Field(
        default="14", min_length=1, max_length=4, description="Id code qualifier (14: GS1)"
    )
    customer_id: uuid.UUID | None = Field(
        default=None, description="The MonoPilot customer this partner is (orders, RECADV)"
    )
    supplier_id: uuid.UUID | None = Field(
        default=None, description="The MonoPilot supplier this partner is"
    )
    syntax_identifier: SyntaxIdentifier = "UNOC"
    syntax_version: int = Field(default=3, ge=1, le=4)
    directory: Directory = "D96A"
    message_types: list[MessageType] = Field(
        default_factory=lambda: list(PARTNER_DEFAULT_TYPES),
        description="Messages exchanged with this partner",
    )
    transport: str = Field(
        default="edi-folder",
        min_length=1,
        max_length=50,
        description="A registered transport: 'edi-folder' (local mailbox) or 'edi-sftp'",
    )
    transport_settings: dict[str, Any] = Field(
        default_factory=dict,
        description="The transport's settings. Secrets (password, private_key, passphrase) "
        "are stored encrypted and never returned; omit them on update to keep them",
    )
    test_mode: bool = Field(
        default=True, description="Onboarding: see docs/edi-partner-onboarding.md"
    )
    send_contrl: bool = Field(default=False, description="Acknowledge interchanges with CONTRL")
    auto_send: list[AutoSendType] = Field(
        default_factory=list,
        description="Messages sent without POST /edi/send: DESADV when MonoPilot publishes "
        "shipment.dispatched for this partner's customer (once per shipment), INVOIC when it "
        "publishes invoice.created (once per invoice or correction). Each must also be in "
        "message_types",
    )
    active: bool = True
    transliterate: bool = Field(
        default=False,
        description="Write letters the syntax identifier's repertoire cannot carry as their "
        "base letters (UNOC: 'Ł' -> 'L', 'ą' -> 'a'), with a warning in the message's log, "
        "instead of refusing the message (422)",
    )
    required_segments: dict[OutboundType, list[RequiredSegment]] = Field(
        default_factory=dict,
        description="Optional segments the partner's guide requires, per outbound message "
        'type, as TAG or TAG+QUALIFIER: {"INVOIC": ["NAD+IV", "RFF+DQ"]}. A message '
        "without one of them is refused before it is sent",
        examples=[{"INVOIC": ["NAD+IV", "RFF+DQ"], "DESADV": ["DTM+17"]}],
    )
    application_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=14,
        pattern=r"^[A-Za-z0-9._/-]+$",
        description="UNB 0026 on our interchanges, when the partner's guide asks for one",
    )
    write_una: bool | None = Field(
        default=None,
        description="UNA on our interchanges: always (true), never (false), or only when "
        "the separators are not the defaults (null)",
    )

    @model_validator(mode="after")
    def _auto_send_is_exchanged(self) -> PartnerIn:
        missing = [t for t in self.auto_send if t not in self.message_types]
        if missing:
            raise ValueError(f"auto_send {', '.join(missing)} is not in message_types")
        return self


class PartnerOut(BaseModel):
    id: uuid.UUID
    name: str
    partner_id: str
    qualifier: str
    customer_id: uuid.UUID | None
    supplier_id: uuid.UUID | None
    syntax_identifier: str
    syntax_version: int
    directory: str
    message_types: list[str]
    transport: str
    transport_settings: dict[str, Any] = Field(description="Without secrets")
    secrets_set: list[str] = Field(description="Names of the secret settings that are stored")
    test_mode: bool
    send_contrl: bool
    auto_send: list[str]
    active: bool
    transliterate: bool
    required_segments: dict[str, list[str]]
    application_reference: str | None
    write_una: bool | None
    control_counter: int = Field(description="The last outbound interchange control reference")
    created_at: datetime
    updated_at: datetime


class PartnerList(BaseModel):
    items: list[PartnerOut]
    total: int
