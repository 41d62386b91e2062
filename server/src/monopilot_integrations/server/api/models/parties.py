"""Customers and suppliers: ``/api/sales/customers``, ``/api/planning/suppliers``.

With their GLNs and tax ids: what an EDI partner profile (``customer_id``) and the
accounting connectors need.
"""

from __future__ import annotations

import uuid

from pydantic import Field

from monopilot_integrations.server.api.models.common import (
    ListResponse,
    Pagination,
    ResponseModel,
)


class PartyQuery(Pagination):
    q: str | None = Field(
        default=None, min_length=1, max_length=64, description="Matches code, name or GLN"
    )


class PartyOut(ResponseModel):
    id: uuid.UUID
    code: str
    name: str
    gln: str | None = Field(default=None, description="GS1 Global Location Number (EDI NAD)")
    tax_id: str | None = Field(default=None, description="Tax id (NIP)")
    email: str | None = None
    phone: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class PartyList(ListResponse):
    items: list[PartyOut]
