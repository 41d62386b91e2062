"""The domain port's bulk reads on the reference store: every row once, in order, in
batches, whatever the batch size; on SQLite (keyset pages) and PostgreSQL (a cursor)."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import pytest

from monopilot_integrations.core.domain.bulk import (
    PRODUCT_FIELDS,
    InventoryFilter,
    OrderFilter,
    ProductFilter,
)
from monopilot_integrations.core.domain.products import NewProduct
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.kernel import Kernel

from .conftest import load_org


async def collect(stream: Any) -> list[list[Any]]:
    async with contextlib.aclosing(stream) as batches:
        return [list(batch) async for batch in batches]


async def test_products_stream_in_code_order_in_batches(kernel: Kernel) -> None:
    org = await load_org(kernel, "demo")
    other = await load_org(kernel, "other")
    store = kernel.domain
    for n in range(25):
        await store.create_product(
            org,
            NewProduct(
                code=f"Z-{n:03d}", name=f"n{n}", unit="szt", price=Decimal(n), vat_rate=Decimal(5)
            ),
        )
    everything = (await store.list_products(org, limit=1000)).items

    batches = await collect(store.stream_products(org, ProductFilter(), batch_size=7))

    assert [len(b) for b in batches] == [7, 7, 7, 7, 6]
    rows = [row for batch in batches for row in batch]
    assert [tuple(r) for r in rows] == [
        tuple(getattr(p, f) for f in PRODUCT_FIELDS) for p in everything
    ]
    assert await store.count_products(org, ProductFilter()) == 34
    inactive = ProductFilter(active=False)
    assert await collect(store.stream_products(org, inactive)) == []
    assert await store.count_products(org, inactive) == 0
    # The other organisation's products are its own.
    assert await store.count_products(other, ProductFilter()) == 9
    found = await store.find_products_by_codes(org, ["Z-001", "Z-002", "NOPE"])
    assert sorted(found) == ["Z-001", "Z-002"]
    assert await store.find_products_by_codes(other, ["Z-001"]) == {}


async def test_order_lines_and_inventory_stream_with_filters(kernel: Kernel) -> None:
    org = await load_org(kernel, "demo")
    store = kernel.domain
    sales = (await store.list_sales_orders(org, limit=1000)).items
    lines = [
        row
        for b in await collect(store.stream_order_lines(org, OrderFilter(), batch_size=2))
        for row in b
    ]
    assert (
        len(lines)
        == sum(len(o.lines) for o in sales)
        == await store.count_order_lines(org, OrderFilter())
    )
    assert [(r[1], r[9]) for r in lines] == sorted((r[1], r[9]) for r in lines)
    purchase = OrderFilter(order_type="purchase", date_from="2026-03-01", date_to="2026-03-31")
    rows = [row for b in await collect(store.stream_order_lines(org, purchase)) for row in b]
    assert rows and all(r[0] == "purchase" and str(r[3]).startswith("2026-03") for r in rows)

    levels = (await store.list_inventory(org, limit=1000)).items
    stock = [
        row
        for b in await collect(store.stream_inventory(org, InventoryFilter(), batch_size=3))
        for row in b
    ]
    assert sorted((r[0], r[4], r[5]) for r in stock) == sorted(
        (lv.product_code, lv.location, lv.qty) for lv in levels
    )
    with pytest.raises(ValidationError):
        await collect(store.stream_inventory(org, InventoryFilter(), batch_size=0))
