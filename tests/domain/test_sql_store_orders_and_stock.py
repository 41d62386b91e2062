"""The SQL reference store, on SQLite and PostgreSQL: orders, work orders, stock,
shipments, invoices, and writes inside a caller's transaction."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pydantic
import pytest

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.domain import (
    NewInventoryMove,
    NewPurchaseOrder,
    NewPurchaseOrderLine,
    NewSalesOrder,
    NewSalesOrderLine,
    NewShipmentReceipt,
    PurchaseOrderUpdate,
    ReceiptLine,
    WorkOrderUpdate,
)
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.domain.sql_store import SqlDomainStore
from tests.domain.support import NOW, Orgs, new_product

# --- purchase orders ---------------------------------------------------------------------


async def test_purchase_order_create_update_and_supplier_confirmation(
    store: SqlDomainStore, orgs: Orgs
) -> None:
    mill = await store.find_supplier_by_code(orgs.a, "MLYN-01")
    flour = await store.find_product_by_code(orgs.a, "MAK-PSZ-750")
    bags = await store.find_product_by_code(orgs.a, "OPK-TORBA")
    assert mill and flour and bags
    po = await store.create_purchase_order(
        orgs.a,
        NewPurchaseOrder(
            number="PO-2026-0003",
            supplier_id=mill.id,
            order_date=date(2026, 3, 11),
            expected_delivery_date=date(2026, 3, 16),
            lines=[
                NewPurchaseOrderLine(
                    product_id=flour.id, qty=Decimal(2000), unit_price=Decimal("1.87")
                ),
                NewPurchaseOrderLine(
                    product_id=bags.id, qty=Decimal(10000), unit_price=Decimal("0.11")
                ),
            ],
        ),
    )
    assert po.status == "draft" and po.currency == "PLN"
    assert [(line.line_no, line.product_code, line.gtin) for line in po.lines] == [
        (1, "MAK-PSZ-750", "5901234100069"),
        (2, "OPK-TORBA", "5901234100090"),
    ]
    assert po.lines[0].qty == Decimal(2000) and po.lines[0].qty_received == 0
    assert await store.get_purchase_order(orgs.a, po.id) == po

    listed = await store.list_purchase_orders(orgs.a, supplier_id=mill.id)
    assert [p.number for p in listed.items] == ["PO-2026-0003", "PO-2026-0001"]
    assert (await store.list_purchase_orders(orgs.a, status="draft")).total == 1

    sent = await store.update_purchase_order(
        orgs.a, po.id, PurchaseOrderUpdate(status="sent", notes="Pilne")
    )
    assert sent.status == "sent" and sent.notes == "Pilne"
    assert sent.expected_delivery_date == date(2026, 3, 16)

    confirmed = await store.confirm_purchase_order_delivery(
        orgs.a, po.id, date(2026, 3, 17), line_qty={po.lines[1].id: Decimal(8000)}
    )
    assert confirmed.status == "confirmed"
    assert confirmed.confirmed_delivery_date == date(2026, 3, 17)
    assert [line.qty_confirmed for line in confirmed.lines] == [None, Decimal(8000)]

    with pytest.raises(ValidationError, match="no such line"):
        await store.confirm_purchase_order_delivery(
            orgs.a, po.id, date(2026, 3, 17), line_qty={uuid.uuid4(): Decimal(1)}
        )
    await store.update_purchase_order(orgs.a, po.id, PurchaseOrderUpdate(status="cancelled"))
    with pytest.raises(ValidationError, match="cancelled purchase order cannot be confirmed"):
        await store.confirm_purchase_order_delivery(orgs.a, po.id, date(2026, 3, 18))
    with pytest.raises(ValidationError, match="already used"):
        await store.create_purchase_order(
            orgs.a,
            NewPurchaseOrder(
                number="PO-2026-0003",
                supplier_id=mill.id,
                order_date=date(2026, 3, 11),
                lines=[
                    NewPurchaseOrderLine(product_id=flour.id, qty=Decimal(1), unit_price=Decimal(1))
                ],
            ),
        )


# --- sales orders ------------------------------------------------------------------------


async def test_sales_orders_confirmed_and_pending_review(store: SqlDomainStore, orgs: Orgs) -> None:
    lipa = await store.find_customer_by_code(orgs.a, "LIPA")
    bread = await store.find_product_by_gtin(orgs.a, "5901234100014")
    assert lipa and bread
    confirmed = await store.create_sales_order(
        orgs.a,
        NewSalesOrder(
            customer_id=lipa.id,
            status="confirmed",
            order_date=date(2026, 3, 11),
            requested_delivery_date=date(2026, 3, 12),
            source="edi",
            external_reference="LIPA/778",
            lines=[NewSalesOrderLine(product_id=bread.id, qty=Decimal(120))],
        ),
    )
    # Numbered after the two orders of 2026 in the demo data.
    assert confirmed.number == "SO-2026-00003"
    line = confirmed.lines[0]
    assert (line.product_code, line.gtin, line.description) == (
        "CHL-ZYT-500",
        "5901234100014",
        "Chleb żytni 500 g",
    )

    pending = await store.create_sales_order(
        orgs.a,
        NewSalesOrder(
            customer_id=lipa.id,
            status="pending_review",
            order_date=date(2026, 3, 11),
            source="edi",
            external_reference="LIPA/779",
            review_errors=["line 2: unknown product code 'XYZ-1'"],
            lines=[
                NewSalesOrderLine(product_id=bread.id, qty=Decimal(10)),
                NewSalesOrderLine(product_code="XYZ-1", description="Bagietka", qty=Decimal(5)),
            ],
        ),
    )
    assert pending.status == "pending_review" and pending.number == "SO-2026-00004"
    assert pending.review_errors == ["line 2: unknown product code 'XYZ-1'"]
    assert pending.lines[1].product_id is None and pending.lines[1].product_code == "XYZ-1"

    again = await store.find_sales_order_by_external_reference(orgs.a, lipa.id, "LIPA/778")
    assert again == confirmed
    assert await store.find_sales_order_by_external_reference(orgs.a, lipa.id, "LIPA/1") is None
    assert await store.get_sales_order(orgs.a, pending.id) == pending

    review = await store.list_sales_orders(orgs.a, status="pending_review")
    assert [o.id for o in review.items] == [pending.id]
    edi = await store.list_sales_orders(orgs.a, source="edi", customer_id=lipa.id)
    assert edi.total == 2

    with pytest.raises(pydantic.ValidationError, match="needs review_errors"):
        NewSalesOrder(
            status="pending_review",
            order_date=date(2026, 3, 11),
            lines=[NewSalesOrderLine(qty=Decimal(1))],
        )
    with pytest.raises(pydantic.ValidationError, match="product_id on every line"):
        NewSalesOrder(
            customer_id=lipa.id,
            status="confirmed",
            order_date=date(2026, 3, 11),
            lines=[NewSalesOrderLine(product_code="XYZ-1", qty=Decimal(1))],
        )


# --- work orders -------------------------------------------------------------------------


async def test_work_order_status_changes_stamp_times(
    store: SqlDomainStore, orgs: Orgs, clock: ManualClock
) -> None:
    listed = await store.list_work_orders(orgs.a, status="in_progress")
    assert [w.number for w in listed.items] == ["WO-2026-0102"]
    wo = listed.items[0]
    assert wo.product_code == "BUL-KAJ-60" and wo.qty_completed == 1200

    clock.advance(hours=2)
    done = await store.update_work_order(
        orgs.a, wo.id, WorkOrderUpdate(status="completed", qty_completed=Decimal(3000))
    )
    assert done.status == "completed" and done.qty_completed == 3000
    assert done.completed_at == NOW + timedelta(hours=2)
    assert done.started_at == wo.started_at  # kept from when it started
    assert await store.get_work_order(orgs.a, wo.id) == done

    with pytest.raises(ValidationError, match="completed work order cannot become planned"):
        await store.update_work_order(orgs.a, wo.id, WorkOrderUpdate(status="planned"))
    with pytest.raises(NotFoundError):
        await store.update_work_order(orgs.a, uuid.uuid4(), WorkOrderUpdate(status="planned"))


# --- inventory ---------------------------------------------------------------------------


async def test_inventory_moves_update_levels_and_refuse_negative_stock(
    store: SqlDomainStore, orgs: Orgs
) -> None:
    rye = await store.find_product_by_code(orgs.a, "CHL-RAZ-450")
    assert rye is not None and rye.reorder_level == 150
    below = await store.list_inventory(orgs.a, below_reorder=True)
    assert [(lv.product_code, lv.qty) for lv in below.items] == [("CHL-RAZ-450", Decimal(90))]

    def move(qty: str, reason: str = "production", location: str = "MAG-WYROBY") -> Any:
        data = {"product_id": rye.id, "location": location, "qty": qty, "reason": reason}
        return NewInventoryMove.model_validate(data)

    produced = await store.apply_inventory_move(orgs.a, move("100"))
    assert produced.level.qty == 190 and produced.product_qty == 190
    assert produced.below_reorder is False and produced.reorder_level == 150
    assert produced.move.qty == 100 and produced.move.created_at == NOW

    elsewhere = await store.apply_inventory_move(orgs.a, move("5", "receipt", "SKLEP-FIRMOWY"))
    assert elsewhere.level.qty == 5 and elsewhere.product_qty == 195

    shipped = await store.apply_inventory_move(orgs.a, move("-60", "shipment"))
    assert shipped.level.qty == 130 and shipped.product_qty == 135
    assert shipped.below_reorder is True  # the caller publishes inventory.low

    with pytest.raises(ValidationError) as caught:
        await store.apply_inventory_move(orgs.a, move("-131", "shipment"))
    assert caught.value.errors[0]["message"] == (
        "cannot take 131 szt of CHL-RAZ-450 from 'MAG-WYROBY': only 130 in stock "
        "(stock cannot go negative)"
    )
    assert caught.value.errors[0]["path"] == "qty"
    with pytest.raises(ValidationError, match="only 0 in stock"):
        await store.apply_inventory_move(orgs.a, move("-1", "shipment", "NIGDZIE"))
    levels = await store.list_inventory(orgs.a, product_id=rye.id)
    assert [(lv.location, lv.qty) for lv in levels.items] == [
        ("MAG-WYROBY", Decimal(130)),
        ("SKLEP-FIRMOWY", Decimal(5)),
    ]
    assert (await store.list_inventory(orgs.a, location="NIGDZIE")).total == 0

    # Fractions that are inexact in binary floating point still empty a location exactly.
    for qty in ("0.3", "-0.1", "-0.2"):
        result = await store.apply_inventory_move(orgs.a, move(qty, "adjustment", "PROBKI"))
    assert result.level.qty == 0
    not_below = {
        lv.product_code
        for lv in (await store.list_inventory(orgs.a, below_reorder=False, limit=100)).items
    }
    assert "CHL-RAZ-450" not in not_below and "CHL-ZYT-500" in not_below

    with pytest.raises(pydantic.ValidationError, match="zero"):
        move("0")


async def test_concurrent_moves_never_take_stock_below_zero(
    store: SqlDomainStore, orgs: Orgs
) -> None:
    rye = await store.find_product_by_code(orgs.a, "CHL-RAZ-450")  # 90 in MAG-WYROBY
    assert rye is not None
    take_ten = NewInventoryMove(
        product_id=rye.id, location="MAG-WYROBY", qty=Decimal(-10), reason="shipment"
    )
    results = await asyncio.gather(
        *(store.apply_inventory_move(orgs.a, take_ten) for _ in range(10)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], ValidationError)
    levels = await store.list_inventory(orgs.a, product_id=rye.id)
    assert [lv.qty for lv in levels.items] == [Decimal(0)]


# --- shipments and invoices --------------------------------------------------------------


async def test_shipment_tracking_status_and_receiving_advice(
    store: SqlDomainStore, orgs: Orgs, clock: ManualClock
) -> None:
    shipment = await store.find_shipment_by_number(orgs.a, "WZ-2026-0001")
    assert shipment is not None
    assert shipment.status == "dispatched" and shipment.tracking_number == "0000123456789U"
    assert shipment.customer.code == "ORZEL" and shipment.customer.gln == "5901234000048"
    assert shipment.sales_order_number == "SO-2026-00001"
    assert shipment.sales_order_reference == "ORZ/2026/03/0457"
    assert [(line.product_code, line.sscc) for line in shipment.lines] == [
        ("CHL-ZYT-500", "359012340000000018"),
        ("CHL-PSZ-600", "359012340000000025"),
        ("BUL-KAJ-60", "359012340000000032"),
    ]
    assert shipment.lines[0].best_before == date(2026, 3, 13)
    assert await store.get_shipment(orgs.a, shipment.id) == shipment
    listed = await store.list_shipments(orgs.a, customer_id=shipment.customer_id)
    assert [s.id for s in listed.items] == [shipment.id]

    with pytest.raises(ValidationError, match="cannot go back"):
        await store.update_shipment_status(orgs.a, shipment.id, "planned")

    received_at = NOW + timedelta(hours=3)
    receipt = await store.record_shipment_receipt(
        orgs.a,
        NewShipmentReceipt(
            shipment_id=shipment.id,
            received_at=received_at,
            reference="RECADV-0457",
            lines=[
                ReceiptLine(
                    gtin="5901234100014",
                    qty_accepted=Decimal(238),
                    qty_rejected=2,
                    reason="uszkodzone",
                ),
                ReceiptLine(gtin="5901234100021", qty_accepted=Decimal(360)),
            ],
        ),
    )
    assert receipt.sales_order_id == shipment.sales_order_id
    assert receipt.lines[0].qty_rejected == 2 and receipt.lines[1].qty_accepted == 360
    delivered = await store.get_shipment(orgs.a, shipment.id)
    assert delivered is not None and delivered.status == "delivered"
    assert delivered.delivered_at == received_at
    assert delivered.dispatched_at == shipment.dispatched_at


async def test_invoice_with_lines_and_sync_status(store: SqlDomainStore, orgs: Orgs) -> None:
    page = await store.list_invoices(orgs.a, sync_status="not_synced")
    assert page.total == 1
    invoice = page.items[0]
    assert invoice.number == "FV/2026/03/0001" and invoice.customer.tax_id == "5220000074"
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (
        Decimal("3552.00"),
        Decimal("177.60"),
        Decimal("3729.60"),
    )
    assert [(x.product_code, x.unit, x.net_amount, x.vat_amount) for x in invoice.lines] == [
        ("CHL-ZYT-500", "szt", Decimal("1344.00"), Decimal("67.20")),
        ("CHL-PSZ-600", "szt", Decimal("1584.00"), Decimal("79.20")),
        ("BUL-KAJ-60", "szt", Decimal("624.00"), Decimal("31.20")),
    ]
    assert await store.get_invoice(orgs.a, invoice.id) == invoice

    failed = await store.set_invoice_sync_status(
        orgs.a, invoice.id, "error", error="Kontrahent nie istnieje"
    )
    assert failed.sync_status == "error" and failed.sync_error == "Kontrahent nie istnieje"
    synced = await store.set_invoice_sync_status(
        orgs.a, invoice.id, "synced", external_id="FS-118/2026"
    )
    assert synced.sync_status == "synced" and synced.sync_error is None
    assert synced.external_id == "FS-118/2026" and synced.synced_at == NOW
    assert (await store.list_invoices(orgs.a, sync_status="synced")).total == 1
    assert (await store.list_invoices(orgs.a, customer_id=uuid.uuid4())).total == 0


# --- transactions ------------------------------------------------------------------------


async def test_a_callers_session_makes_the_write_part_of_its_transaction(
    store: SqlDomainStore, orgs: Orgs, database: Database
) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with database.session(orgs.a) as session:
            created = await store.create_product(orgs.a, new_product("ROLLBACK"), session=session)
            assert await store.get_product(orgs.a, created.id, session=session) == created
            raise Abort
    assert await store.find_product_by_code(orgs.a, "ROLLBACK") is None

    async with database.session(orgs.a) as session:
        kept = await store.create_product(orgs.a, new_product("COMMIT"), session=session)
    assert await store.get_product(orgs.a, kept.id) == kept


async def test_concurrent_creators_get_distinct_numbers(
    store: SqlDomainStore, orgs: Orgs, database: Database
) -> None:
    if not database.is_postgres:
        pytest.skip("SQLite has one writer at a time; PostgreSQL is where creators overlap")
    lipa = await store.find_customer_by_code(orgs.a, "LIPA")
    bread = await store.find_product_by_gtin(orgs.a, "5901234100014")
    assert lipa and bread

    def order(n: int) -> NewSalesOrder:
        return NewSalesOrder(
            customer_id=lipa.id,
            status="confirmed",
            order_date=date(2026, 5, 4),
            source="edi",
            external_reference=f"LIPA/C{n}",
            lines=[NewSalesOrderLine(product_id=bread.id, qty=Decimal(1))],
        )

    created = await asyncio.gather(*(store.create_sales_order(orgs.a, order(n)) for n in range(8)))
    assert len({o.number for o in created}) == 8
