"""Request and answer models of the Comarch routes (and so of the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CheckResult(BaseModel):
    check: Literal["configuration", "reachability", "credentials", "company", "transport"]
    ok: bool
    detail: str


class TestResult(BaseModel):
    ok: bool
    #: The first check that failed (``None`` when all passed).
    failed: str | None = None
    checks: list[CheckResult]


class PushRequest(BaseModel):
    """One invoice (``invoice_id``) or several (``invoice_ids``)."""

    model_config = ConfigDict(extra="forbid")

    invoice_id: uuid.UUID | None = None
    invoice_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_of(self) -> PushRequest:
        if (self.invoice_id is None) == (self.invoice_ids is None):
            raise ValueError("give invoice_id or invoice_ids")
        return self

    def ids(self) -> list[uuid.UUID]:
        wanted = [self.invoice_id] if self.invoice_id is not None else (self.invoice_ids or [])
        return list(dict.fromkeys(wanted))


class PushedJob(BaseModel):
    invoice_id: uuid.UUID
    number: str
    job_id: uuid.UUID | None = None
    #: ``queued``, or ``already_synced`` (nothing to do: Optima has it).
    state: str


class PushAnswer(BaseModel):
    items: list[PushedJob]


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    name: str
    account_type: str
    active: bool
    source: str
    synced_at: datetime


class AccountList(BaseModel):
    items: list[AccountOut]
    total: int


class AccountQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool | None = None


class SyncAnswer(BaseModel):
    source: Literal["bridge", "file"]
    created: int
    updated: int
    deactivated: int
    total: int


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    route: str
    status: str
    attempts: int
    external_id: str | None = None
    reference: str | None = None
    last_error: str | None = None
    test_mode: bool
    updated_at: datetime


class InvoiceSync(BaseModel):
    invoice_id: uuid.UUID
    number: str
    kind: str
    sync_status: str
    sync_error: str | None = None
    external_id: str | None = None
    synced_at: datetime | None = None
    document: DocumentOut | None = None
