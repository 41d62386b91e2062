"""Organisations and the parties they trade with: suppliers and customers share one
shape (the fields EDI NAD segments and Comarch's Kontrahent carry).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from monopilot_integrations.core.domain.base import Record


class Organization(Record):
    id: uuid.UUID
    code: str
    name: str
    gln: str | None = None
    tax_id: str | None = None
    currency: str
    created_at: datetime


class Party(Record):
    """Fields shared by suppliers and customers (EDI NAD segments, Comarch Kontrahent)."""

    id: uuid.UUID
    org_id: uuid.UUID
    code: str
    name: str
    gln: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class Supplier(Party):
    pass


class Customer(Party):
    pass
