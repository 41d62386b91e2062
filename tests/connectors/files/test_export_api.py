"""Exports over HTTP: each format parsed back by an independent reader and compared with
the database; status and progress; expiry and 410; isolation between organisations."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from lxml import etree
from sqlalchemy import select

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.export.purge import purge_expired
from monopilot_integrations.connectors.files.formats.xml_format import schema_text
from monopilot_integrations.connectors.files.tables import FileExport
from monopilot_integrations.core.db.tables import LogRow
from monopilot_integrations.core.domain.products import NewProduct
from monopilot_integrations.core.testing import run_pending_jobs

from .conftest import FilesApi

EXPORT = "/api/integrations/export"


async def start(api: FilesApi, kind: str, body: dict[str, Any], key: str = "a") -> dict[str, Any]:
    out: dict[str, Any] = await api.call("POST", f"{EXPORT}/{kind}", 202, key=key, json=body)
    return out


async def finished(
    api: FilesApi, kind: str, body: dict[str, Any]
) -> tuple[dict[str, Any], Any, bytes]:
    out = await start(api, kind, body)
    outcomes = await run_pending_jobs(api.kernel, "files")
    assert [o.status for o in outcomes] == ["succeeded"]
    status = await api.call("GET", out["status_url"], 200)
    response, content = await api.call("GET", out["download_url"], 200, raw=True)
    return status, response, content


async def stored_products(api: FilesApi) -> list[Any]:
    page = await api.kernel.domain.list_products(api.a, limit=1000)
    return list(page.items)


async def test_a_csv_export_reads_back_as_the_database_holds_it(files_api: FilesApi) -> None:
    await files_api.kernel.domain.create_product(
        files_api.a,
        NewProduct(
            code="=EVIL",
            name='=HYPERLINK("http://x","click"), "quoted"; semi',
            unit="szt",
            price=Decimal("1.5"),
            vat_rate=Decimal(23),
        ),
    )
    status, response, content = await finished(files_api, "products", {"format": "csv"})

    assert response.headers["Content-Type"].startswith("text/csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="products-') and disposition.endswith(
        '.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    products = await stored_products(files_api)
    assert status["status"] == "done" and status["progress"] == 1.0
    assert status["rows_written"] == status["rows_total"] == len(products) == len(rows)
    by_code = {r["code"].removeprefix("'"): r for r in rows}
    for product in products:
        row = by_code[product.code]
        assert row["name"].removeprefix("'") == product.name
        assert Decimal(row["price"]) == product.price
        assert Decimal(row["vat_rate"]) == product.vat_rate
        assert row["gtin"] == (product.gtin or "")
        assert row["active"] == ("true" if product.active else "false")
        assert row["updated_at"] == product.updated_at.isoformat()
    # CSV injection: the formula cells are neutralised, the rest exactly as stored.
    assert by_code["=EVIL"]["code"] == "'=EVIL"
    assert by_code["=EVIL"]["name"].startswith("'=HYPERLINK(")
    assert content.startswith(b"code,gtin,name,")
    assert b"\r\n" in content


async def test_csv_options_delimiter_bom_and_column_choice(files_api: FilesApi) -> None:
    body = {
        "format": "csv",
        "columns": ["price", "code"],
        "options": {"delimiter": ";", "bom": True},
    }
    _, _, content = await finished(files_api, "products", body)

    assert content.startswith(b"\xef\xbb\xbfprice;code\r\n")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    products = {p.code: p.price for p in await stored_products(files_api)}
    assert {code: Decimal(price) for price, code in rows[1:]} == products


async def test_a_json_export_is_one_array_of_the_stored_products(files_api: FilesApi) -> None:
    _, response, content = await finished(files_api, "products", {"format": "json"})

    assert response.headers["Content-Type"].startswith("application/json")
    data = json.loads(content, parse_float=Decimal)
    products = await stored_products(files_api)
    assert [d["code"] for d in data] == sorted(p.code for p in products)
    for item, product in zip(data, sorted(products, key=lambda p: p.code), strict=True):
        assert item == {
            "code": product.code,
            "gtin": product.gtin,
            "name": product.name,
            "unit": product.unit,
            "price": product.price,
            "currency": product.currency,
            "vat_rate": product.vat_rate,
            "reorder_level": product.reorder_level,
            "active": product.active,
            "created_at": product.created_at.isoformat(),
            "updated_at": product.updated_at.isoformat(),
        }


async def test_an_xml_export_is_valid_against_the_shipped_schema(files_api: FilesApi) -> None:
    await files_api.kernel.domain.create_product(
        files_api.a,
        NewProduct(
            code="CTRL",
            name="bell\x07 & <tag>",
            unit="szt",
            price=Decimal("0.0001"),
            vat_rate=Decimal(0),
        ),
    )
    _, response, content = await finished(files_api, "products", {"format": "xml"})

    assert response.headers["Content-Type"].startswith("application/xml")
    schema = etree.XMLSchema(etree.fromstring(schema_text()))
    document = etree.fromstring(content)
    schema.assertValid(document)
    served = await files_api.call("GET", f"{EXPORT}/schema.xsd", 200)
    assert served[1] == schema_text()
    products = {p.code: p for p in await stored_products(files_api)}
    elements = document.findall("product")
    assert len(elements) == len(products)
    for element in elements:
        product = products[element.findtext("code")]
        assert element.findtext("name") == product.name.replace("\x07", "\ufffd")
        assert Decimal(element.findtext("price")) == product.price
        assert (element.findtext("gtin")) == product.gtin


async def test_orders_and_inventory_export_in_every_format(files_api: FilesApi) -> None:
    schema = etree.XMLSchema(etree.fromstring(schema_text()))
    orders = (await files_api.kernel.domain.list_sales_orders(files_api.a, limit=1000)).items
    lines = sum(len(o.lines) for o in orders)
    _, _, content = await finished(files_api, "orders", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(content.decode(), newline="")))
    assert len(rows) == lines
    first = orders[-1]
    mine = [r for r in rows if r["order_number"] == first.number]
    assert [Decimal(r["qty"]) for r in mine] == [line.qty for line in first.lines]
    assert all(r["order_type"] == "sales" for r in rows)

    _, _, content = await finished(
        files_api,
        "orders",
        {"format": "xml", "filters": {"order_type": "purchase", "status": "sent"}},
    )
    document = etree.fromstring(content)
    schema.assertValid(document)
    purchase = (
        await files_api.kernel.domain.list_purchase_orders(files_api.a, status="sent", limit=1000)
    ).items
    assert len(document.findall("order_line")) == sum(len(o.lines) for o in purchase) > 0

    levels = (await files_api.kernel.domain.list_inventory(files_api.a, limit=1000)).items
    _, _, content = await finished(files_api, "inventory", {"format": "json"})
    data = json.loads(content, parse_float=Decimal)
    assert sorted((d["product_code"], d["location"], d["qty"]) for d in data) == sorted(
        (lv.product_code, lv.location, lv.qty) for lv in levels
    )
    _, _, content = await finished(
        files_api, "inventory", {"format": "xml", "filters": {"location": "MAG-WYROBY"}}
    )
    document = etree.fromstring(content)
    schema.assertValid(document)
    assert {e.findtext("location") for e in document.findall("stock_level")} == {"MAG-WYROBY"}


async def test_status_and_progress_from_queued_to_done(files_api: FilesApi) -> None:
    out = await start(files_api, "products", {"format": "json", "filters": {"active": True}})
    assert out["status"] == "queued" and out["progress"] is None and out["rows_total"] is None
    early = await files_api.call("GET", out["download_url"], 409)
    assert early["type"].endswith("/export-not-ready")

    await run_pending_jobs(files_api.kernel, "files")

    done = await files_api.call("GET", out["status_url"], 200)
    assert done["status"] == "done"
    assert done["rows_written"] == done["rows_total"] == 9
    assert done["progress"] == 1.0 and done["size_bytes"] > 0
    assert done["request"]["filters"]["active"] is True
    async with files_api.kernel.database.system_session() as session:
        logs = (
            (await session.execute(select(LogRow).where(LogRow.integration_type == "export")))
            .scalars()
            .all()
        )
    assert [(log.status, log.connector) for log in logs] == [("success", "files")]
    assert logs[0].response_body["rows"] == 9


async def test_an_expired_export_answers_410_and_the_purge_deletes_its_file(
    files_api: FilesApi, clock: Any
) -> None:
    status, _, _ = await finished(files_api, "products", {"format": "csv"})
    ctx = FilesContext.of(files_api.kernel)
    async with files_api.kernel.database.session(files_api.a) as session:
        row = await session.get(FileExport, __import__("uuid").UUID(status["id"]))
        assert row is not None and row.path is not None
        path = ctx.export_path(row.path)
    assert path.exists()

    clock.advance(hours=23, minutes=59)
    assert await purge_expired(ctx) == 0
    await files_api.call("GET", status["download_url"], 200)

    clock.advance(minutes=2)
    gone = await files_api.call("GET", status["download_url"], 410)  # before the purge too
    assert gone["type"].endswith("/export-expired") and "expired" in gone["detail"]
    assert await purge_expired(ctx) == 1
    assert not path.exists()
    after = await files_api.call("GET", status["status_url"], 200)
    assert after["status"] == "expired"
    await files_api.call("GET", status["download_url"], 410)
    assert status["expires_at"] is not None
    assert timedelta(hours=24) == (
        __import__("datetime").datetime.fromisoformat(status["expires_at"])
        - __import__("datetime").datetime.fromisoformat(status["finished_at"])
    )


async def test_an_organisation_never_sees_another_organisations_export(files_api: FilesApi) -> None:
    status, _, _ = await finished(files_api, "products", {"format": "csv"})

    for path in (status["status_url"], status["download_url"]):
        refused = await files_api.call("GET", path, 404, key="b")
        assert status["id"] in refused["detail"]
    # Same organisation, but a key that may not read orders: no orders export for it.
    orders = await start(files_api, "orders", {})
    await files_api.call("GET", orders["download_url"], 403, key="reader")
    await files_api.call("POST", f"{EXPORT}/orders", 403, key="reader", json={})
    await files_api.call("GET", f"{EXPORT}/not-an-id/status", 404)


async def test_bad_export_requests_are_422_listing_every_problem(files_api: FilesApi) -> None:
    bad = await files_api.call(
        "POST", f"{EXPORT}/products", 422, json={"format": "xlsx", "columns": ["code", "colour"]}
    )
    messages = " ".join(e["message"] for e in bad["errors"])
    assert "unknown format 'xlsx'" in messages and "no column 'colour'" in messages
    bad = await files_api.call(
        "POST",
        f"{EXPORT}/orders",
        422,
        json={"filters": {"status": "shipped", "order_type": "purchase"}},
    )
    assert "status of a purchase order" in json.dumps(bad)
    await files_api.call("POST", f"{EXPORT}/inventory", 422, json={"filters": {"colour": "red"}})
    await files_api.call("POST", f"{EXPORT}/products", 422, json={"options": {"delimiter": "x"}})


async def test_the_formats_listing_names_every_installed_format(files_api: FilesApi) -> None:
    listing = await files_api.call("GET", f"{EXPORT}/formats", 200)
    assert [f["format"] for f in listing["formats"]] == ["csv", "json", "xml"]
    assert listing["kinds"]["orders"]["scope"] == "read:orders"
