"""Hostile import files the fuzz tests found or were built to find, each pinned with the
answer it gets over HTTP (SQLite and PostgreSQL): a documented refusal or a row error,
never a 500, nothing written, and nothing stored other than what the file says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from .conftest import FilesApi
from .import_fuzz_layouts import HOSTILE_XML
from .test_import_api import CSV, counts, send

JSON = {"Content-Type": "application/json"}
HEADER = "code,name,unit,price,vat_rate,gtin\r\n"


def product(**fields: Any) -> str:
    base = '"name": "B", "unit": "kg", "vat_rate": 5'
    return "{" + base + "".join(f', "{k}": {v}' for k, v in fields.items()) + "}"


UNREADABLE_JSON = [
    # Before: RecursionError out of json.loads, a 500.
    (b"[" * 5_000 + b"]" * 5_000, "nested too deeply"),
    # Before: ValueError past Python's 4300-digit limit for int(), a 500.
    (("[" + product(code='"A"', price="9" * 5_000) + "]").encode(), "more than 4300 digits"),
]

CELLS = [
    # Before: int("²") in the check digit raised ValueError, a 500.
    ("S-1,B,kg,1,5,²²²²²²²²", "gtin", "a GTIN has 8, 12, 13 or 14 digits"),
    # Before: taken and stored with Arabic-Indic digits.
    (
        "S-2,B,kg,1,5," + "".join(chr(0x660 + int(d)) for d in "5901234123457"),
        "gtin",
        "a GTIN has 8, 12, 13 or 14 digits",
    ),
    # Before: normalize() underflowed it to 0; stored as 0.0000 (SQLite), a 500 (PostgreSQL).
    ("S-3,B,kg,1e-999999999,5,", "price", "has more than 4 decimal places"),
    # Before: normalize() rounded it to 28 digits, 1; stored as 1.0000.
    ("S-4,B,kg,1.00000000000000000000000000001,5,", "price", "has more than 4 decimal places"),
]


async def test_json_the_parser_cannot_take_is_refused_as_unreadable(files_api: FilesApi) -> None:
    before = await counts(files_api)
    for body, words in UNREADABLE_JSON:
        for action in ("validate", "execute"):
            problem = await send(files_api, action, body, 422, headers=JSON)
            assert problem["type"].endswith("/unreadable-json"), problem
            assert words in problem["detail"], problem
    assert await counts(files_api) == before


async def test_cells_that_passed_the_checks_before_are_row_errors(files_api: FilesApi) -> None:
    for row, column, message in CELLS:
        body = HEADER + row + "\r\n"
        result = await send(files_api, "validate", body, 200)
        assert [(e["row"], e["column"], e["message"]) for e in result["errors"]] == [
            (2, column, message)
        ], row
        problem = await send(files_api, "execute", body, 422)
        assert problem["type"].endswith("/import-rejected")
        assert await files_api.kernel.domain.find_product_by_code(files_api.a, row[:3]) is None


async def test_unpaired_surrogates_and_repeated_fields_in_json_are_row_errors(
    files_api: FilesApi,
) -> None:
    body = (
        "["
        # Before: taken, then a 500 from the database driver (UTF-8 cannot encode it).
        + product(code='"U-1\\ud800"', price=1)
        + ", "
        # Before: json.loads kept the last "code" and the row imported as U-3.
        + product(code='"U-2"', CODE='"U-3"', price=1)
        + ", "
        + '{"code": "U-4", "code": "U-5", "name": "B", "unit": "kg", "price": 1, "vat_rate": 5}'
        + "]"
    ).encode()
    before = await counts(files_api)
    result = await send(files_api, "validate", body, 200, headers=JSON)
    errors = [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]]
    assert errors == [
        (
            1,
            "code",
            "U-1\ufffd",
            "is not valid Unicode text (an unpaired surrogate such as \\ud800)",
        ),
        (2, "CODE", "U-3", "the field appears twice"),
        (3, "code", None, "the field appears twice"),
    ]
    assert (result["rows"], result["valid"], result["invalid"]) == (3, 0, 3)
    await send(files_api, "execute", body, 422, headers=JSON)
    assert await counts(files_api) == before


async def test_blank_lines_before_the_header_are_skipped_not_an_empty_file(
    files_api: FilesApi,
) -> None:
    # Before: "the file is empty" when the file began with two blank lines.
    body = "\r\n \r\n" + HEADER + "B-1,Bułka,szt,1,5,\r\n"
    result = await send(files_api, "validate", body, 200)
    assert (result["rows"], result["valid"], result["errors"]) == (1, 1, [])
    bad = await send(files_api, "validate", "\r\n" + HEADER + "B-1,Bułka,szt,x,5,\r\n", 200)
    assert [(e["row"], e["column"]) for e in bad["errors"]] == [(3, "price")]
    only_delimiters = await send(files_api, "validate", ";;;\r\n", 422)
    assert only_delimiters["type"].endswith("/bad-columns")


async def test_xml_is_refused_unread_with_415(files_api: FilesApi) -> None:
    before = await counts(files_api)
    for body in HOSTILE_XML:
        for headers in (CSV, {"Content-Type": "application/xml"}, JSON):
            problem = await send(files_api, "execute", body, 415, headers=headers)
            assert problem["type"].endswith("/unsupported-file"), problem
            assert "is XML; products are imported from CSV or JSON" in problem["detail"]
            assert "lol" not in str(problem) and "root:" not in str(problem)
    assert await counts(files_api) == before


async def test_the_format_is_told_from_the_first_bytes_however_the_body_arrives(
    files_api: FilesApi,
) -> None:
    # Before: only the first chunk was looked at; a body whose first chunk held only a
    # line end was read as CSV (bad-columns) instead of refused as XML.
    async def body() -> AsyncIterator[bytes]:
        yield b"\n"
        await asyncio.sleep(0.05)
        yield HOSTILE_XML[0]

    response = await files_api.server.client.post(
        "/api/integrations/import/products/validate",
        data=body(),
        headers={**files_api.auth(), **CSV},
    )
    problem = await response.json(content_type=None)
    assert response.status == 415 and problem["type"].endswith("/unsupported-file"), problem
