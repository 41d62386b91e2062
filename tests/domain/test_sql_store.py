"""The SQL reference store, on SQLite and PostgreSQL: real tables, no mocks.

The port, organisations, parties, products and the isolation between organisations."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pydantic
import pytest

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.domain import (
    DomainStore,
    NewInventoryMove,
    NewPurchaseOrder,
    NewPurchaseOrderLine,
    NewShipmentReceipt,
    ProductUpdate,
    PurchaseOrderUpdate,
    ReceiptLine,
    WorkOrderUpdate,
)
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.domain.sql_store import SqlDomainStore
from tests.domain.support import NOW, Orgs, new_product


async def test_the_sql_store_implements_the_port(store: SqlDomainStore) -> None:
    assert isinstance(store, DomainStore)


# --- organisations, suppliers, customers -------------------------------------------------


async def test_organization_lookups(store: SqlDomainStore, orgs: Orgs) -> None:
    org = await store.get_organization(orgs.a)
    assert org is not None and org.code == "org-a" and org.currency == "PLN"
    assert org.gln == "5901234000000"
    found = await store.find_organization_by_code("org-b")
    assert found is not None and found.id == orgs.b
    assert await store.find_organization_by_code("nope") is None


async def test_parties_are_found_by_code_gln_and_tax_id(store: SqlDomainStore, orgs: Orgs) -> None:
    mill = await store.find_supplier_by_gln(orgs.a, "5901234000017")
    assert mill is not None and mill.code == "MLYN-01" and mill.city == "Inowrocław"
    assert await store.get_supplier(orgs.a, mill.id) == mill
    assert await store.find_supplier_by_code(orgs.a, "MLYN-01") == mill
    assert await store.find_supplier_by_gln(orgs.a, "5901234009999") is None

    orzel = await store.find_customer_by_gln(orgs.a, "5901234000048")
    assert orzel is not None and orzel.code == "ORZEL"
    assert await store.find_customer_by_code(orgs.a, "ORZEL") == orzel
    assert await store.get_customer(orgs.a, orzel.id) == orzel
    for spelling in ("5220000074", "522-000-00-74", "PL 522 000 00 74", "pl5220000074"):
        assert await store.find_customer_by_tax_id(orgs.a, spelling) == orzel, spelling
    assert await store.find_customer_by_tax_id(orgs.a, "125220000074") is None

    page = await store.list_customers(orgs.a, search="kłos")
    assert [c.code for c in page.items] == ["KLOS"] and page.total == 1
    suppliers = await store.list_suppliers(orgs.a, limit=2)
    assert suppliers.total == 3 and [s.code for s in suppliers.items] == ["MLECZ-01", "MLYN-01"]


# --- products ----------------------------------------------------------------------------


async def test_product_create_read_update_and_soft_delete(
    store: SqlDomainStore, orgs: Orgs, clock: ManualClock
) -> None:
    created = await store.create_product(
        orgs.a, new_product("CIA-DRO", gtin="5901234100106", reorder_level=Decimal(10))
    )
    assert created.currency == "PLN"  # the organisation's
    assert created.price == Decimal("1.5") and created.active
    assert created.created_at == NOW

    assert await store.get_product(orgs.a, created.id) == created
    assert await store.find_product_by_code(orgs.a, "CIA-DRO") == created
    assert await store.find_product_by_gtin(orgs.a, "5901234100106") == created
    assert await store.find_product_by_gtin(orgs.a, "05901234100106") == created  # GTIN-14
    assert await store.find_product_by_gtin(orgs.a, "not-a-gtin") is None

    clock.advance(60)
    updated = await store.update_product(
        orgs.a, created.id, ProductUpdate(price=Decimal("1.79"), gtin=None)
    )
    assert updated.price == Decimal("1.79") and updated.gtin is None
    assert updated.name == created.name and updated.updated_at == NOW + timedelta(seconds=60)

    deleted = await store.delete_product(orgs.a, created.id)
    assert deleted.active is False
    assert await store.get_product(orgs.a, created.id) == deleted  # still there, inactive
    active = await store.list_products(orgs.a, active=True, limit=100)
    assert created.id not in {p.id for p in active.items}


async def test_product_code_must_be_unique_within_an_organisation(
    store: SqlDomainStore, orgs: Orgs
) -> None:
    with pytest.raises(ValidationError) as caught:
        await store.create_product(orgs.a, new_product("CHL-ZYT-500"))
    assert caught.value.errors == [
        {"path": "code", "message": "a product with code 'CHL-ZYT-500' already exists"}
    ]
    other = await store.find_product_by_code(orgs.a, "CHL-PSZ-600")
    assert other is not None
    with pytest.raises(ValidationError):
        await store.update_product(orgs.a, other.id, ProductUpdate(code="CHL-ZYT-500"))
    with pytest.raises(pydantic.ValidationError, match="cannot be cleared: name"):
        ProductUpdate(name=None)


async def test_list_products_filters_and_pages(
    store: SqlDomainStore, orgs: Orgs, clock: ManualClock
) -> None:
    first = await store.list_products(orgs.a, limit=4)
    second = await store.list_products(orgs.a, limit=4, offset=4)
    last = await store.list_products(orgs.a, limit=4, offset=8)
    assert first.total == second.total == last.total == 9
    codes = [p.code for p in first.items + second.items + last.items]
    assert codes == sorted(codes) and len(set(codes)) == 9
    assert (len(first.items), len(second.items), len(last.items)) == (4, 4, 1)

    found = await store.list_products(orgs.a, search="KAJZER")
    assert [p.code for p in found.items] == ["BUL-KAJ-60"]
    assert (await store.list_products(orgs.a, search="5901234100045")).items[0].code == (
        "BUL-GRA-80"
    )
    # Wildcards are taken literally: "%" only matches the butter's "82%", "_" matches nothing.
    assert [p.code for p in (await store.list_products(orgs.a, search="%")).items] == ["MAS-EXTRA"]
    assert (await store.list_products(orgs.a, search="_")).total == 0

    clock.advance(hours=1)  # the demo data was stamped NOW by the seed
    later = await store.create_product(orgs.a, new_product("NOWY"))
    recent = await store.list_products(orgs.a, updated_since=NOW + timedelta(minutes=30))
    assert [p.id for p in recent.items] == [later.id]
    assert (await store.list_products(orgs.a, updated_since=NOW)).total == 10

    with pytest.raises(ValidationError, match="limit"):
        await store.list_products(orgs.a, limit=0)
    with pytest.raises(ValidationError, match="offset"):
        await store.list_products(orgs.a, offset=-1)


# --- isolation ---------------------------------------------------------------------------


async def test_one_organisation_never_sees_or_changes_anothers_records(
    store: SqlDomainStore, orgs: Orgs, database: Database
) -> None:
    b_product = await store.find_product_by_code(orgs.b, "CHL-ZYT-500")
    a_product = await store.find_product_by_code(orgs.a, "CHL-ZYT-500")
    assert a_product is not None and b_product is not None and a_product.id != b_product.id
    assert await store.find_product_by_gtin(orgs.a, "5901234100014") == a_product

    b_invoice = (await store.list_invoices(orgs.b)).items[0]
    b_shipment = (await store.list_shipments(orgs.b)).items[0]
    b_po = (await store.list_purchase_orders(orgs.b)).items[0]
    b_wo = (await store.list_work_orders(orgs.b)).items[0]
    b_so = (await store.list_sales_orders(orgs.b)).items[0]
    b_supplier = await store.find_supplier_by_code(orgs.b, "MLYN-01")
    b_customer = await store.find_customer_by_code(orgs.b, "ORZEL")
    assert b_supplier is not None and b_customer is not None

    assert await store.get_product(orgs.a, b_product.id) is None
    assert await store.get_supplier(orgs.a, b_supplier.id) is None
    assert await store.get_customer(orgs.a, b_customer.id) is None
    assert await store.get_purchase_order(orgs.a, b_po.id) is None
    assert await store.get_sales_order(orgs.a, b_so.id) is None
    assert await store.get_work_order(orgs.a, b_wo.id) is None
    assert await store.get_shipment(orgs.a, b_shipment.id) is None
    assert await store.get_invoice(orgs.a, b_invoice.id) is None
    assert (await store.list_inventory(orgs.a, product_id=b_product.id)).total == 0
    assert (await store.list_purchase_orders(orgs.a, supplier_id=b_supplier.id)).total == 0
    assert (await store.list_products(orgs.a, limit=100)).total == 9

    # Changing another organisation's record reads exactly like changing a missing one.
    missing = uuid.uuid4()
    with pytest.raises(NotFoundError) as unknown:
        await store.update_product(orgs.a, missing, ProductUpdate(price=Decimal(1)))
    with pytest.raises(NotFoundError) as foreign:
        await store.update_product(orgs.a, b_product.id, ProductUpdate(price=Decimal(1)))
    assert str(foreign.value) == str(unknown.value).replace(str(missing), str(b_product.id))
    attempts: list[Callable[[], Awaitable[Any]]] = [
        lambda: store.delete_product(orgs.a, b_product.id),
        lambda: store.update_purchase_order(orgs.a, b_po.id, PurchaseOrderUpdate(notes="x")),
        lambda: store.confirm_purchase_order_delivery(orgs.a, b_po.id, date(2026, 3, 20)),
        lambda: store.update_work_order(orgs.a, b_wo.id, WorkOrderUpdate(status="cancelled")),
        lambda: store.update_shipment_status(orgs.a, b_shipment.id, "delivered"),
        lambda: store.set_invoice_sync_status(orgs.a, b_invoice.id, "synced"),
        lambda: store.apply_inventory_move(
            orgs.a,
            NewInventoryMove(
                product_id=b_product.id, location="X", qty=Decimal(1), reason="receipt"
            ),
        ),
        lambda: store.record_shipment_receipt(
            orgs.a,
            NewShipmentReceipt(
                shipment_id=b_shipment.id,
                received_at=NOW,
                lines=[ReceiptLine(qty_accepted=Decimal(1))],
            ),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            await attempt()
    # Referring to another organisation's records when creating is invalid input.
    with pytest.raises(ValidationError) as caught:
        await store.create_purchase_order(
            orgs.a,
            NewPurchaseOrder(
                number="PO-X",
                supplier_id=b_supplier.id,
                order_date=date(2026, 3, 11),
                lines=[
                    NewPurchaseOrderLine(
                        product_id=b_product.id, qty=Decimal(1), unit_price=Decimal(1)
                    )
                ],
            ),
        )
    assert {e["path"] for e in caught.value.errors} == {"supplier_id", "lines[0].product_id"}
    # Org B's records are untouched.
    assert await store.get_product(orgs.b, b_product.id) == b_product
    # A session opened for B cannot be used for A's calls.
    async with database.session(orgs.b) as session:
        with pytest.raises(RuntimeError, match="another organisation"):
            await store.get_product(orgs.a, a_product.id, session=session)
