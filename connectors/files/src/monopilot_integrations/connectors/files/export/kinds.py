"""What can be exported: products, order lines and stock levels.

Each kind names its columns (in the domain port's bulk field order, with their types),
the filter the port takes, the API key scope that may read it, and how to stream and count
its rows through :class:`~monopilot_integrations.core.domain.bulk.BulkReads`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from monopilot_integrations.connectors.files.formats.base import Column, ColumnType
from monopilot_integrations.core.domain.base import Input
from monopilot_integrations.core.domain.bulk import (
    INVENTORY_FIELDS,
    ORDER_LINE_FIELDS,
    PRODUCT_FIELDS,
    InventoryFilter,
    OrderFilter,
    ProductFilter,
)
from monopilot_integrations.core.domain.port import DomainStore

Stream = Callable[[DomainStore, uuid.UUID, Any, int], AsyncGenerator[Sequence[Sequence[Any]], None]]
Count = Callable[[DomainStore, uuid.UUID, Any], Awaitable[int]]


@dataclass(frozen=True)
class ExportKind:
    name: str
    row_name: str
    scope: str
    columns: tuple[Column, ...]
    filter_model: type[Input]
    stream: Stream
    count: Count

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _columns(fields: tuple[str, ...], types: dict[str, ColumnType]) -> tuple[Column, ...]:
    return tuple(Column(name, types.get(name, "text")) for name in fields)


PRODUCTS = ExportKind(
    name="products",
    row_name="product",
    scope="read:products",
    columns=_columns(
        PRODUCT_FIELDS,
        {
            "price": "decimal",
            "vat_rate": "decimal",
            "reorder_level": "decimal",
            "active": "boolean",
            "created_at": "datetime",
            "updated_at": "datetime",
        },
    ),
    filter_model=ProductFilter,
    stream=lambda store, org, f, size: store.stream_products(org, f, batch_size=size),
    count=lambda store, org, f: store.count_products(org, f),
)

ORDERS = ExportKind(
    name="orders",
    row_name="order_line",
    scope="read:orders",
    columns=_columns(
        ORDER_LINE_FIELDS,
        {
            "order_date": "date",
            "delivery_date": "date",
            "line_no": "integer",
            "qty": "decimal",
            "unit_price": "decimal",
        },
    ),
    filter_model=OrderFilter,
    stream=lambda store, org, f, size: store.stream_order_lines(org, f, batch_size=size),
    count=lambda store, org, f: store.count_order_lines(org, f),
)

INVENTORY = ExportKind(
    name="inventory",
    row_name="stock_level",
    scope="read:inventory",
    columns=_columns(
        INVENTORY_FIELDS,
        {"qty": "decimal", "reorder_level": "decimal", "updated_at": "datetime"},
    ),
    filter_model=InventoryFilter,
    stream=lambda store, org, f, size: store.stream_inventory(org, f, batch_size=size),
    count=lambda store, org, f: store.count_inventory(org, f),
)

KINDS: dict[str, ExportKind] = {k.name: k for k in (PRODUCTS, ORDERS, INVENTORY)}
