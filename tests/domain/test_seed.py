"""Seed files: the demo organisation, idempotent loading, and clear errors for bad files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.domain.seed import (
    SeedFile,
    load_seed,
    parse_seed,
    read_seed_file,
)
from monopilot_integrations.domain.sql_store import SqlDomainStore
from monopilot_integrations.domain.tables import InventoryMoveRow

DEMO = Path(str(files("monopilot_integrations.server.demo") / "demo-org.json"))


def demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO.read_text("utf-8"))
    return data


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, "utf-8")
    return path


# --- the demo organisation ---------------------------------------------------------------


def gs1_check_digit_ok(number: str) -> bool:
    body, check = number[:-1], int(number[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def nip_ok(nip: str) -> bool:
    if len(nip) != 10 or not nip.isdigit():
        return False
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    total = sum(int(d) * w for d, w in zip(nip[:9], weights, strict=True))
    return total % 11 == int(nip[9])


def test_demo_identifiers_are_valid() -> None:
    seed = read_seed_file(DEMO)
    parties = [*seed.suppliers, *seed.customers]
    glns = [seed.organization.gln, *(p.gln for p in parties)]
    glns += [o.delivery_party_gln for o in seed.sales_orders if o.delivery_party_gln]
    assert all(g and len(g) == 13 and gs1_check_digit_ok(g) for g in glns), glns
    nips = [seed.organization.tax_id, *(p.tax_id for p in parties)]
    assert all(n and nip_ok(n) for n in nips), nips
    assert all(p.gtin and gs1_check_digit_ok(p.gtin) for p in seed.products)
    ssccs = [line.sscc for s in seed.shipments for line in s.lines]
    assert ssccs and all(s and gs1_check_digit_ok(s) for s in ssccs)
    assert nip_ok("5220000074") and not nip_ok("5220000075")  # the checks do check

    assert seed.organization.code == "demo"
    assert (len(seed.suppliers), len(seed.customers)) == (3, 3)
    assert (len(seed.purchase_orders), len(seed.sales_orders), len(seed.work_orders)) == (2, 2, 2)
    assert [s.status for s in seed.shipments] == ["dispatched"]
    assert seed.shipments[0].tracking_number and len(seed.invoices) == 1
    dates = [o.order_date for o in seed.purchase_orders] + [o.order_date for o in seed.sales_orders]
    assert all(d.year == 2026 for d in dates)


async def test_demo_loads_with_one_product_below_its_reorder_level(database: Database) -> None:
    report = await load_seed(database, read_seed_file(DEMO))
    assert report.org_code == "demo"
    assert {kind: c.created for kind, c in report.counts.items()} == {
        "organization": 1,
        "users": 2,
        "suppliers": 3,
        "customers": 3,
        "products": 9,
        "purchase_orders": 2,
        "sales_orders": 2,
        "work_orders": 2,
        "inventory": 9,
        "shipments": 1,
        "invoices": 1,
    }
    store = SqlDomainStore(database)
    below = await store.list_inventory(report.org_id, below_reorder=True)
    assert [level.product_code for level in below.items] == ["CHL-RAZ-450"]
    po = (await store.list_purchase_orders(report.org_id, status="confirmed")).items[0]
    assert [line.qty_confirmed for line in po.lines] == [Decimal(100), Decimal(35)]
    wo = (await store.list_work_orders(report.org_id, status="completed")).items[0]
    assert wo.started_at == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # +01:00 stored as UTC


# --- idempotency -------------------------------------------------------------------------


async def test_loading_the_demo_twice_creates_nothing_the_second_time(database: Database) -> None:
    first = await load_seed(database, read_seed_file(DEMO))
    second = await load_seed(database, read_seed_file(DEMO))
    assert second.org_id == first.org_id
    assert second.created == 0 and second.updated == 0
    assert {k: c.unchanged for k, c in second.counts.items()} == {
        k: c.created for k, c in first.counts.items()
    }
    assert "products: 0 created, 0 updated, 9 unchanged" in second.summary()
    store = SqlDomainStore(database)
    assert (await store.list_products(first.org_id)).total == 9


async def test_a_changed_price_is_one_update(database: Database) -> None:
    first = await load_seed(database, read_seed_file(DEMO))
    data = demo()
    data["products"][0]["price"] = "6.90"
    report = await load_seed(database, parse_seed(data))
    assert report.updated == 1 and report.created == 0
    assert report.counts["products"].updated == 1
    assert report.counts["products"].unchanged == 8
    product = await SqlDomainStore(database).find_product_by_code(first.org_id, "CHL-ZYT-500")
    assert product is not None and product.price == Decimal("6.90")


async def test_changed_lines_and_stock_update_their_records(
    database: Database, tmp_path: Path
) -> None:
    clock = ManualClock(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    first = await load_seed(database, read_seed_file(DEMO), clock=clock)
    data = demo()
    data["purchase_orders"][1]["lines"][1]["qty"] = "45"  # a line changes
    data["purchase_orders"][0]["lines"].append(
        {"product_code": "OPK-TORBA", "qty": "20000", "unit_price": "0.11"}
    )  # a line is added
    data["sales_orders"][1]["lines"].pop()  # a line goes
    data["inventory"][2]["qty"] = "140"  # stock is counted again
    clock.advance(hours=1)
    report = await load_seed(database, read_seed_file(write(tmp_path, data)), clock=clock)
    assert report.counts["purchase_orders"].updated == 2
    assert report.counts["sales_orders"].updated == 1
    assert report.counts["inventory"].updated == 1
    assert report.updated == 4 and report.created == 0

    store = SqlDomainStore(database)
    orders = {o.number: o for o in (await store.list_purchase_orders(first.org_id)).items}
    assert [line.qty for line in orders["PO-2026-0002"].lines] == [Decimal(100), Decimal(45)]
    assert [line.product_code for line in orders["PO-2026-0001"].lines] == [
        "MAK-PSZ-750",
        "OPK-TORBA",
    ]
    assert orders["PO-2026-0001"].updated_at == clock.now()
    klos = (await store.list_sales_orders(first.org_id, source="portal")).items[0]
    assert [line.product_code for line in klos.lines] == ["CHL-RAZ-450"]
    # The stock ledger still adds up to the level: 90 seeded, then +50.
    rye = await store.find_product_by_code(first.org_id, "CHL-RAZ-450")
    assert rye is not None
    async with database.session(first.org_id) as session:
        moves = await session.scalars(
            select(InventoryMoveRow.qty)
            .where(InventoryMoveRow.org_id == first.org_id, InventoryMoveRow.product_id == rye.id)
            .order_by(InventoryMoveRow.created_at)
        )
        assert list(moves) == [Decimal(90), Decimal(50)]
    levels = (await store.list_inventory(first.org_id, product_id=rye.id)).items
    assert [lv.qty for lv in levels] == [Decimal(140)]


async def test_reloading_keeps_the_invoice_sync_state(database: Database) -> None:
    report = await load_seed(database, read_seed_file(DEMO))
    store = SqlDomainStore(database)
    invoice = (await store.list_invoices(report.org_id)).items[0]
    await store.set_invoice_sync_status(report.org_id, invoice.id, "synced", external_id="FS-1")
    again = await load_seed(database, read_seed_file(DEMO))
    assert again.updated == 0
    reloaded = await store.get_invoice(report.org_id, invoice.id)
    assert reloaded is not None and reloaded.sync_status == "synced"


async def test_two_organisations_may_use_the_same_codes(database: Database) -> None:
    data = demo()
    data["organization"] |= {"code": "druga", "name": "Druga Piekarnia"}
    a = await load_seed(database, read_seed_file(DEMO))
    b = await load_seed(database, parse_seed(data))
    assert a.org_id != b.org_id and b.created == a.created
    store = SqlDomainStore(database)
    pa = await store.find_product_by_code(a.org_id, "CHL-ZYT-500")
    pb = await store.find_product_by_code(b.org_id, "CHL-ZYT-500")
    assert pa is not None and pb is not None and pa.id != pb.id


# --- errors ------------------------------------------------------------------------------


def test_bad_json_names_the_file_and_the_position(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "organization": {"code": "x",}\n}')
    with pytest.raises(ValidationError) as caught:
        read_seed_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 1 problem in the seed file")
    assert "invalid JSON at line 2 column" in message
    assert caught.value.errors[0]["file"] == str(path)


def test_a_missing_file_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read the file"):
        read_seed_file(tmp_path / "nope.json")


def test_unknown_fields_are_refused_with_a_suggestion(tmp_path: Path) -> None:
    data = demo()
    data["products"][1]["prcie"] = data["products"][1].pop("price")
    data["customers"][0]["adress_line"] = "ul. Literówki 1"
    data["organisation"] = {}
    with pytest.raises(ValidationError) as caught:
        read_seed_file(write(tmp_path, data))
    problems = {e["path"]: e["message"] for e in caught.value.errors}
    assert problems["$.products[1].prcie"].startswith(
        "unknown field 'prcie' (did you mean 'price'?)"
    )
    assert problems["$.products[1].price"] == "required field is missing"
    assert "did you mean 'address_line'?" in problems["$.customers[0].adress_line"]
    assert "did you mean 'organization'?" in problems["$.organisation"]
    assert "$.products[1].prcie: unknown field" in str(caught.value)  # every problem listed


def test_references_must_name_records_of_the_file(tmp_path: Path) -> None:
    data = demo()
    data["purchase_orders"][0]["lines"][0]["product_code"] = "NOPE"
    data["shipments"][0]["sales_order_number"] = "SO-0"
    data["products"].append(dict(data["products"][0]))
    with pytest.raises(ValidationError) as caught:
        read_seed_file(write(tmp_path, data))
    assert caught.value.errors == [
        {
            "path": "$.products",
            "message": "product code 'CHL-ZYT-500' is listed 2 times",
            "file": str(tmp_path / "seed.json"),
        },
        {
            "path": "$.purchase_orders[0].lines[0].product_code",
            "message": "unknown product 'NOPE': it must be listed in this file",
            "file": str(tmp_path / "seed.json"),
        },
        {
            "path": "$.shipments[0].sales_order_number",
            "message": "unknown sales order 'SO-0': it must be listed in this file",
            "file": str(tmp_path / "seed.json"),
        },
    ]


async def test_load_seed_checks_references_of_a_seed_built_in_code(database: Database) -> None:
    seed = SeedFile.model_validate(
        {
            "organization": {"code": "kod", "name": "Z kodu"},
            "work_orders": [
                {"number": "WO-1", "product_code": "BRAK", "qty_planned": "5"},
            ],
            "invoices": [
                {
                    "number": "FV-1",
                    "customer_code": "BRAK",
                    "issue_date": date(2026, 1, 5).isoformat(),
                    "lines": [{"qty": "1", "unit_price": "10"}],
                }
            ],
        }
    )
    with pytest.raises(ValidationError) as caught:
        await load_seed(database, seed)
    assert [e["path"] for e in caught.value.errors] == [
        "$.work_orders[0].product_code",
        "$.invoices[0].customer_code",
        "$.invoices[0].lines[0]",
    ]
    assert "needs description, unit, vat_rate" in str(caught.value)
    assert await SqlDomainStore(database).find_organization_by_code("kod") is None


async def test_fields_a_file_leaves_out_are_left_alone(database: Database) -> None:
    first = await load_seed(database, read_seed_file(DEMO))
    store = SqlDomainStore(database)
    data = demo()
    # a shorter file: the organisation without GLN and tax id, the order without its
    # source, the shipment without its status, a product without its reorder level
    data["organization"] = {
        k: v for k, v in data["organization"].items() if k not in ("gln", "tax_id")
    }
    data["sales_orders"][0] = {k: v for k, v in data["sales_orders"][0].items() if k != "source"}
    data["shipments"][0] = {k: v for k, v in data["shipments"][0].items() if k != "status"}
    data["products"][0] = {k: v for k, v in data["products"][0].items() if k != "reorder_level"}

    report = await load_seed(database, parse_seed(data))

    assert report.updated == 0 and report.created == 0
    organization = await store.get_organization(first.org_id)
    assert organization is not None
    assert (organization.gln, organization.tax_id) == ("5901234000000", "5251000017")
    orders = (await store.list_sales_orders(first.org_id)).items
    assert {o.number: o.source for o in orders}["SO-2026-00001"] == "edi"
    shipment = await store.find_shipment_by_number(first.org_id, "WZ-2026-0001")
    assert shipment is not None and shipment.status == "dispatched"
    product = await store.find_product_by_code(first.org_id, "CHL-ZYT-500")
    assert product is not None and product.reorder_level == Decimal("200")
    # what a file does say still changes the record
    data["shipments"][0]["carrier"] = "InPost"
    assert (await load_seed(database, parse_seed(data))).updated == 1
