"""Product import over HTTP: template, validation (counts and every error, nothing
written), execution (all or nothing, insert or update by code, product.created, safe to
run twice) and every bad file answered with problem details, never a 500."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import aiohttp
from sqlalchemy import func, select

from monopilot_integrations.core.db.tables import EventRow, LogRow

from .conftest import FilesApi

IMPORT = "/api/integrations/import/products"
HEADER = "code,name,unit,price,vat_rate,gtin,currency,reorder_level,active\r\n"
CSV = {"Content-Type": "text/csv"}


async def counts(api: FilesApi) -> tuple[int, int]:
    """Products of ``a`` and product.created events of ``a``."""
    async with api.kernel.database.session(api.a) as session:
        events = await session.scalar(
            select(func.count())
            .select_from(EventRow)
            .where(EventRow.org_id == api.a, EventRow.event_type == "product.created")
        )
    page = await api.kernel.domain.list_products(api.a, limit=1)
    return page.total, int(events or 0)


async def send(api: FilesApi, action: str, body: bytes | str, status: int, **kwargs: Any) -> Any:
    data = body.encode() if isinstance(body, str) else body
    headers = kwargs.pop("headers", CSV)
    return await api.call(
        "POST", f"{IMPORT}/{action}", status, data=data, headers=headers, **kwargs
    )


GOOD = (
    HEADER
    + "NEW-1,Nowa bułka,szt,0.75,5,5901234123457,PLN,10,true\r\n"
    + 'NEW-2,"Chleb, duży",kg,12.5,8,,,,\r\n'
    + "CHL-ZYT-500,Chleb żytni 500 g,szt,6.90,5,,,,yes\r\n"
)


async def test_the_template_is_a_csv_header_with_an_example_and_a_json_schema(
    files_api: FilesApi,
) -> None:
    response, body = await files_api.call("GET", f"{IMPORT}/template", 200, raw=True)
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = body.decode().splitlines()
    assert lines[0] == "code,name,unit,price,vat_rate,gtin,currency,reorder_level,active"
    assert len(lines) == 2
    # The template's example row validates.
    result = await send(files_api, "validate", body, 200)
    assert (result["valid"], result["errors_total"]) == (1, 0)
    schema = await files_api.call("GET", f"{IMPORT}/template?format=json", 200)
    assert schema["type"] == "array" and schema["items"]["required"] == [
        "code",
        "name",
        "unit",
        "price",
        "vat_rate",
    ]
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(schema["examples"][0], schema)


async def test_validate_counts_and_writes_nothing(files_api: FilesApi) -> None:
    before = await counts(files_api)
    result = await send(files_api, "validate", GOOD, 200)

    assert result == {
        **result,
        "rows": 3,
        "valid": 3,
        "invalid": 0,
        "created": 2,
        "updated": 1,
        "unchanged": 0,
        "errors_total": 0,
        "errors": [],
        "written": False,
        "format": "csv",
    }
    assert await counts(files_api) == before


async def test_execute_inserts_updates_publishes_and_is_safe_to_run_twice(
    files_api: FilesApi,
) -> None:
    products, events = await counts(files_api)
    result = await send(files_api, "execute", GOOD, 200)

    assert (result["created"], result["updated"], result["unchanged"], result["written"]) == (
        2,
        1,
        0,
        True,
    )
    assert await counts(files_api) == (products + 2, events + 2)
    store = files_api.kernel.domain
    new = await store.find_product_by_code(files_api.a, "NEW-2")
    assert new is not None and (new.name, new.unit, new.price, new.currency, new.active) == (
        "Chleb, duży",
        "kg",
        Decimal("12.5"),
        "PLN",
        True,
    )
    changed = await store.find_product_by_code(files_api.a, "CHL-ZYT-500")
    assert (
        changed is not None and changed.price == Decimal("6.9") and changed.gtin == "5901234100014"
    )
    async with files_api.kernel.database.session(files_api.a) as session:
        data = (
            await session.scalars(
                select(EventRow.data).where(EventRow.event_type == "product.created")
            )
        ).all()
    assert {d["code"] for d in data} >= {"NEW-1", "NEW-2"}

    again = await send(files_api, "execute", GOOD, 200)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert await counts(files_api) == (products + 2, events + 2)
    # Organisation b saw none of it.
    assert await store.find_product_by_code(files_api.b, "NEW-1") is None


async def test_one_bad_row_leaves_the_database_unchanged(files_api: FilesApi) -> None:
    before = await counts(files_api)
    stored = await files_api.kernel.domain.find_product_by_code(files_api.a, "CHL-ZYT-500")
    body = GOOD + "BAD-1,Zła,szt,abc,5,,,,\r\n"

    problem = await send(files_api, "execute", body, 422)

    assert problem["type"].endswith("/import-rejected")
    assert problem["errors"] == [
        {"row": 5, "column": "price", "value": "abc", "message": "is not a number"}
    ]
    assert (problem["rows"], problem["valid"], problem["invalid"], problem["written"]) == (
        4,
        3,
        1,
        False,
    )
    assert await counts(files_api) == before
    assert await files_api.kernel.domain.find_product_by_code(files_api.a, "CHL-ZYT-500") == stored


async def test_every_row_error_is_listed_with_row_column_value_and_message(
    files_api: FilesApi,
) -> None:
    body = (
        HEADER
        + "A-1,Ok,szt,1.00,5,,,,\r\n"
        + 'A-2,Comma,szt,"12,50",5,,,,\r\n'
        + "A-3,Negative,szt,-1,5,,,,\r\n"
        + "A-4,Places,szt,1.23456,5,,,,\r\n"
        + "A-5,Vat,szt,1,123,,,,\r\n"
        + "A-6,Unit,barrels,1,5,,,,\r\n"
        + "A-7,Gtin,szt,1,5,5901234123450,,,\r\n"
        + "A-1,Duplicate,szt,1,5,,,,\r\n"
        + "=1+1,Formula code,szt,1,5,,,,\r\n"
        + "A-8,@SUM(A1:A9),szt,1,5,,,,\r\n"
        + "A-9,Currency,szt,1,5,,euro,,\r\n"
        + "A-10,Active,szt,1,5,,,,maybe\r\n"
        + ",,,,\r\n"
        + "A-11,,szt,,5,,,,\r\n"
        + "A-12,Short,szt\r\n"
    )
    result = await send(files_api, "validate", body, 200)

    errors = {(e["row"], e["column"]): (e["value"], e["message"]) for e in result["errors"]}
    assert errors[(3, "price")] == (
        "12,50",
        "use a dot as the decimal separator (12.50, not 12,50)",
    )
    assert errors[(4, "price")] == ("-1", "must not be negative")
    assert errors[(5, "price")] == ("1.23456", "has more than 4 decimal places")
    assert errors[(6, "vat_rate")][1] == "is a percentage: 0 to 100"
    assert errors[(7, "unit")][1].startswith("unknown unit; one of szt, pcs, kg")
    assert errors[(8, "gtin")] == ("5901234123450", "the GTIN's check digit is wrong")
    assert errors[(9, "code")] == ("A-1", "the code appears again (first on row 2)")
    assert "spreadsheet formula" in errors[(10, "code")][1]
    assert "spreadsheet formula" in errors[(11, "name")][1]
    assert errors[(12, "currency")][0] == "euro"
    assert errors[(13, "active")][0] == "maybe"
    assert errors[(15, "name")] == (None, "is required") or errors[(15, "name")] == (
        "",
        "is required",
    )
    assert (15, "price") in errors
    assert errors[(16, None)][1] == "has 3 fields, the header has 9"
    assert result["rows"] == 14 and result["valid"] == 1 and result["invalid"] == 13
    assert result["errors_total"] == len(result["errors"]) == 14


async def test_bad_files_get_problem_details_never_a_500(files_api: FilesApi) -> None:
    cases: list[tuple[bytes, int, str, str]] = [
        (
            (HEADER + "P-1,Żółty ser,szt,1,5,,,,\r\n").encode("cp1250"),
            422,
            "wrong-encoding",
            "not UTF-8",
        ),
        (b"", 422, "empty-file", "empty"),
        (b"\xef\xbb\xbf \r\n", 422, "empty-file", "empty"),
        (HEADER.encode(), 422, "no-rows", "no product rows"),
        (b"code,name,unit,price\r\nX,Y,szt,1\r\n", 422, "bad-columns", "vat_rate"),
        (
            b"code,name,unit,price,vat_rate,colour\r\nX,Y,szt,1,5,red\r\n",
            422,
            "bad-columns",
            "colour",
        ),
        (b"code,name,code,unit,price,vat_rate\r\n", 422, "bad-columns", "twice"),
        (b'code,name,unit,price,vat_rate\r\nX,"unclosed,szt,1,5\r\n', 422, "unreadable-csv", "CSV"),
    ]
    before = await counts(files_api)
    for body, status, kind, words in cases:
        for action in ("validate", "execute"):
            problem = await send(files_api, action, body, status)
            assert problem["type"].endswith("/" + kind), (body, problem)
            assert words in problem["detail"] or words in json.dumps(problem["errors"]), problem
    missing = await send(files_api, "validate", b"code,name,unit,price\r\nX,Y,szt,1\r\n", 422)
    assert {
        "row": 1,
        "column": "vat_rate",
        "value": None,
        "message": "required column is missing",
    } in missing["errors"]
    workbook = await send(
        files_api,
        "validate",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xff\xfe",
        415,
        headers={"Content-Type": "text/csv"},
    )
    assert workbook["type"].endswith("/unsupported-file") and "save it as CSV" in workbook["detail"]
    form = aiohttp.FormData()
    form.add_field("file", b"PK\x03\x04", filename="products.xlsx")
    response = await files_api.server.client.post(
        f"{IMPORT}/execute", data=form, headers=files_api.auth()
    )
    assert (
        response.status == 415
        and "products.xlsx" in (await response.json(content_type=None))["detail"]
    )
    assert await counts(files_api) == before


async def test_a_100_mb_file_is_refused_without_reading_it_all(files_api: FilesApi) -> None:
    size = 100 * 1024 * 1024
    chunk = b"X-1,Name,szt,1,5,,,,\r\n" * 3000

    async def body() -> Any:
        yield HEADER.encode()
        sent = 0
        while sent < size:
            yield chunk
            sent += len(chunk)

    response = await files_api.server.client.post(
        f"{IMPORT}/validate", data=body(), headers={**files_api.auth(), **CSV}
    )
    problem = await response.json(content_type=None)
    assert response.status == 413, problem
    assert problem["type"].endswith("/file-too-large") and "64 MB" in problem["detail"]

    # A declared length over the limit is refused from the headers, before the body.
    whole = HEADER.encode() + chunk * (size // len(chunk) + 1)
    response = await files_api.server.client.post(
        f"{IMPORT}/execute", data=whole, headers={**files_api.auth(), **CSV}
    )
    problem = await response.json(content_type=None)
    assert response.status == 413 and f"the file is {len(whole)} bytes" in problem["detail"]


async def test_json_and_multipart_uploads(files_api: FilesApi) -> None:
    products = [
        {"code": "J-1", "name": "Json", "unit": "kg", "price": 2.5, "vat_rate": 8},
        {
            "code": "J-2",
            "name": "Json 2",
            "unit": "szt",
            "price": "0.10",
            "vat_rate": "23",
            "active": False,
        },
    ]
    result = await send(
        files_api,
        "execute",
        json.dumps(products),
        200,
        headers={"Content-Type": "application/json"},
    )
    assert (result["format"], result["created"]) == ("json", 2)
    stored = await files_api.kernel.domain.find_product_by_code(files_api.a, "J-2")
    assert stored is not None and stored.active is False and stored.price == Decimal("0.1")

    bad = await send(
        files_api,
        "validate",
        json.dumps([{"code": "J-3", "colour": "red"}, 5]),
        200,
        headers={"Content-Type": "application/json"},
    )
    messages = {(e["row"], e["column"], e["message"]) for e in bad["errors"]}
    assert (1, "colour", "unknown field") in messages and (2, None, "is not an object") in messages
    assert (1, "name", "is required") in messages
    await send(
        files_api, "validate", b"{not json", 422, headers={"Content-Type": "application/json"}
    )

    form = aiohttp.FormData()
    form.add_field(
        "file", GOOD.replace(",", ";").encode(), filename="products.csv", content_type="text/csv"
    )
    response = await files_api.server.client.post(
        f"{IMPORT}/validate", data=form, headers=files_api.auth()
    )
    result = await response.json()
    assert response.status == 200, result
    assert (result["file_name"], result["valid"], result["errors_total"]) == ("products.csv", 3, 0)


async def test_imports_are_logged_and_need_write_products(files_api: FilesApi) -> None:
    await send(files_api, "validate", GOOD, 200)
    await send(files_api, "execute", GOOD + "X,,szt,1,5,,,,\r\n", 422)
    await send(files_api, "validate", GOOD, 403, key="reader")
    await files_api.kernel.runtime().log_writer.flush()
    async with files_api.kernel.database.system_session() as session:
        logs = (
            (
                await session.execute(
                    select(LogRow)
                    .where(LogRow.integration_type == "import")
                    .order_by(LogRow.timestamp)
                )
            )
            .scalars()
            .all()
        )
    assert [(log.event_type, log.status, log.org_id) for log in logs] == [
        ("import.products.validate", "success", files_api.a),
        ("import.products.execute", "error", files_api.a),
    ]
    assert logs[0].request_body["sha256"] and logs[1].response_body["errors"][0]["column"] == "name"
