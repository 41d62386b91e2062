"""Bulk reads of the domain port: every row of a kind, streamed, and look-ups by many codes.

The paged ``list_*`` methods of :class:`~.port.DomainStore` build one record model per row
and count the whole result: right for an API page, wrong for an export of a million
products. These methods serve bulk work (the files connector's exports and imports):

* ``stream_*`` yield the matching rows in batches of plain tuples, in a fixed column order
  (``*_FIELDS``), so the memory a reader needs does not grow with the number of rows and no
  model is built per row. An implementation backed by a database uses a server-side cursor
  or keyset pages; the caller closes the iterator (``contextlib.aclosing``) when it stops
  early. Values have the Python types of the records (``Decimal``, ``date``, ``datetime``).
* ``count_*`` answer how many rows the same filter streams (for progress).
* :meth:`BulkReads.find_products_by_codes` resolves many product codes at once.

The filters are inputs (unknown fields are an error); dates are inclusive.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol, get_args

from pydantic import Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.base import Input
from monopilot_integrations.core.domain.orders import PurchaseOrderStatus, SalesOrderStatus
from monopilot_integrations.core.domain.products import Product

#: Rows per batch when the caller does not say.
DEFAULT_BATCH = 1000
#: Codes per :meth:`BulkReads.find_products_by_codes` call.
MAX_CODES = 1000

PRODUCT_FIELDS = (
    "code",
    "gtin",
    "name",
    "unit",
    "price",
    "currency",
    "vat_rate",
    "reorder_level",
    "active",
    "created_at",
    "updated_at",
)
ProductValues = tuple[
    str, str | None, str, str, Decimal, str, Decimal, Decimal, bool, datetime, datetime
]

ORDER_LINE_FIELDS = (
    "order_type",
    "order_number",
    "status",
    "order_date",
    "delivery_date",
    "party_code",
    "party_name",
    "currency",
    "external_reference",
    "line_no",
    "product_code",
    "gtin",
    "description",
    "qty",
    "unit_price",
)
OrderLineValues = tuple[
    str,
    str,
    str,
    date,
    date | None,
    str | None,
    str | None,
    str,
    str | None,
    int,
    str | None,
    str | None,
    str | None,
    Decimal,
    Decimal | None,
]

INVENTORY_FIELDS = (
    "product_code",
    "product_name",
    "gtin",
    "unit",
    "location",
    "qty",
    "reorder_level",
    "updated_at",
)
InventoryValues = tuple[str, str, str | None, str, str, Decimal, Decimal, datetime]

OrderType = Literal["sales", "purchase"]


class ProductFilter(Input):
    """Products to stream, by code."""

    active: bool | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None


class OrderFilter(Input):
    """Order lines to stream (one row per line), by order number and line number.

    ``order_type`` chooses sales orders (the customer is the party) or purchase orders
    (the supplier is). ``delivery_date`` is the requested (sales) or expected (purchase)
    delivery date.
    """

    order_type: OrderType = "sales"
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    party_code: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _status_of_the_type(self) -> OrderFilter:
        allowed = SALES_STATUSES if self.order_type == "sales" else PURCHASE_STATUSES
        if self.status is not None and self.status not in allowed:
            raise ValueError(
                f"status of a {self.order_type} order is one of {', '.join(allowed)}, "
                f"not {self.status!r}"
            )
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to must not be before date_from")
        return self


class InventoryFilter(Input):
    """Stock levels to stream, by product code and location."""

    location: str | None = Field(default=None, min_length=1, max_length=64)
    product_code: str | None = Field(default=None, min_length=1, max_length=64)
    updated_from: datetime | None = None
    updated_to: datetime | None = None


SALES_STATUSES: tuple[str, ...] = get_args(SalesOrderStatus)
PURCHASE_STATUSES: tuple[str, ...] = get_args(PurchaseOrderStatus)


class BulkReads(Protocol):
    """The bulk part of :class:`~.port.DomainStore` (every method takes ``org_id`` first)."""

    def stream_products(
        self, org_id: uuid.UUID, filters: ProductFilter, *, batch_size: int = DEFAULT_BATCH
    ) -> AsyncGenerator[Sequence[ProductValues], None]:
        """Products in code order, ``PRODUCT_FIELDS`` per row."""
        ...

    async def count_products(self, org_id: uuid.UUID, filters: ProductFilter) -> int:
        """How many rows :meth:`stream_products` yields for ``filters``."""
        ...

    def stream_order_lines(
        self, org_id: uuid.UUID, filters: OrderFilter, *, batch_size: int = DEFAULT_BATCH
    ) -> AsyncGenerator[Sequence[OrderLineValues], None]:
        """Order lines by order number and line number, ``ORDER_LINE_FIELDS`` per row."""
        ...

    async def count_order_lines(self, org_id: uuid.UUID, filters: OrderFilter) -> int:
        """How many rows :meth:`stream_order_lines` yields for ``filters``."""
        ...

    def stream_inventory(
        self, org_id: uuid.UUID, filters: InventoryFilter, *, batch_size: int = DEFAULT_BATCH
    ) -> AsyncGenerator[Sequence[InventoryValues], None]:
        """Stock levels by product code and location, ``INVENTORY_FIELDS`` per row."""
        ...

    async def count_inventory(self, org_id: uuid.UUID, filters: InventoryFilter) -> int:
        """How many rows :meth:`stream_inventory` yields for ``filters``."""
        ...

    async def find_products_by_codes(
        self,
        org_id: uuid.UUID,
        codes: Collection[str],
        *,
        session: AsyncSession | None = None,
    ) -> dict[str, Product]:
        """The products with these codes (at most ``MAX_CODES``), by code; unknown codes
        are simply absent."""
        ...
