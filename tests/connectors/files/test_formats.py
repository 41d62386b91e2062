"""The export formats as pure mappers, and a format added by another plugin."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.export.kinds import PRODUCTS
from monopilot_integrations.connectors.files.export.models import ProductExportRequest
from monopilot_integrations.connectors.files.export.service import create_export, find_export
from monopilot_integrations.connectors.files.formats.base import (
    Column,
    ExportFormat,
    FormatOptions,
    RowEncoder,
    Table,
)
from monopilot_integrations.connectors.files.formats.csv_format import CsvFormat
from monopilot_integrations.connectors.files.formats.json_format import JsonFormat
from monopilot_integrations.connectors.files.formats.xml_format import XmlFormat, schema_text
from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.testing import run_pending_jobs, started_kernel

from .conftest import load_org

COLUMNS = (
    Column("code", "text"),
    Column("price", "decimal"),
    Column("active", "boolean"),
    Column("day", "date"),
    Column("at", "datetime"),
    Column("line_no", "integer"),
)
ROWS = [
    (
        "=cmd|' /C calc'!A0",
        Decimal("12.5000"),
        True,
        date(2026, 3, 1),
        datetime(2026, 3, 1, 12, tzinfo=UTC),
        1,
    ),
    ('say "hi", then\nleave', Decimal("1E+2"), False, None, None, 2),
    ("-10", None, None, None, None, None),
    ("żółw\x01", Decimal("0.0001"), True, date(2026, 1, 2), None, 3),
]


def encode(
    fmt: ExportFormat, table: Table, rows: Sequence[Sequence[Any]], batches: int = 2
) -> bytes:
    encoder = fmt.to_external(table)
    half = len(rows) // batches
    parts = [
        encoder.head(),
        encoder.rows(rows[:half]),
        encoder.rows([]),
        encoder.rows(rows[half:]),
        encoder.tail(),
    ]
    return b"".join(parts)


def test_csv_is_rfc_4180_with_formulas_neutralised() -> None:
    content = encode(CsvFormat(), Table("things", "thing", COLUMNS), ROWS)
    rows = list(csv.reader(io.StringIO(content.decode(), newline="")))

    assert rows[0] == ["code", "price", "active", "day", "at", "line_no"]
    assert rows[1] == [
        "'=cmd|' /C calc'!A0",
        "12.5000",
        "true",
        "2026-03-01",
        "2026-03-01T12:00:00+00:00",
        "1",
    ]
    assert rows[2] == ['say "hi", then\nleave', "100", "false", "", "", "2"]
    assert rows[3] == ["'-10", "", "", "", "", ""]
    # Five records end in CRLF; the line break inside the quoted field stays as it was.
    assert content.count(b"\r\n") == 5 and b'"say ""hi"", then\nleave"' in content
    semicolons = encode(
        CsvFormat(),
        Table("t", "t", COLUMNS[:2], FormatOptions(delimiter=";", bom=True)),
        [ROWS[0][:2]],
    )
    assert semicolons == b"\xef\xbb\xbfcode;price\r\n'=cmd|' /C calc'!A0;12.5000\r\n"


def test_json_is_one_array_with_exact_numbers() -> None:
    content = encode(JsonFormat(), Table("things", "thing", COLUMNS), ROWS, batches=3)
    data = json.loads(content, parse_float=Decimal)

    assert data[0] == {
        "code": "=cmd|' /C calc'!A0",
        "price": Decimal("12.5000"),
        "active": True,
        "day": "2026-03-01",
        "at": "2026-03-01T12:00:00+00:00",
        "line_no": 1,
    }
    assert data[1]["price"] == 100 and data[2]["price"] is None
    assert data[3]["code"] == "żółw\x01"
    empty = JsonFormat().to_external(Table("t", "t", COLUMNS))
    assert json.loads(empty.head() + empty.rows([]) + empty.tail()) == []


def test_xml_is_well_formed_with_every_character_and_valid_against_the_xsd() -> None:
    columns = tuple(PRODUCTS.columns)
    row = (
        "C&<1>",
        "5901234123457",
        "bell\x07 \"quoted\" 'x'",
        "szt",
        Decimal("1.5000"),
        "PLN",
        Decimal("23"),
        Decimal("0"),
        True,
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 2, tzinfo=UTC),
    )
    content = encode(
        XmlFormat(), Table("products", "product", columns), [row, (*row[:1], None, *row[2:])]
    )
    document = etree.fromstring(content)
    etree.XMLSchema(etree.fromstring(schema_text())).assertValid(document)
    first, second = document.findall("product")
    assert (
        first.findtext("code") == "C&<1>" and first.findtext("name") == "bell\ufffd \"quoted\" 'x'"
    )
    assert second.find("gtin") is None


class NdjsonEncoder:
    """A format another plugin brings: one JSON object per line."""

    def __init__(self, table: Table) -> None:
        self.names = [c.name for c in table.columns]

    def head(self) -> bytes:
        return b""

    def rows(self, batch: Sequence[Sequence[Any]]) -> bytes:
        return b"".join(
            json.dumps(dict(zip(self.names, row, strict=True)), default=str).encode() + b"\n"
            for row in batch
        )

    def tail(self) -> bytes:
        return b""


class NdjsonFormat(ExportFormat):
    format = "ndjson"
    media_type = "application/x-ndjson"
    extension = "ndjson"

    def to_external(self, record: Table) -> RowEncoder:
        return NdjsonEncoder(record)


class NdjsonPlugin:
    @hookimpl
    def register_mappers(self, register: Any) -> None:
        register(NdjsonFormat())


async def test_a_plugin_adds_a_format_without_touching_the_package(
    settings: Any, clock: Any
) -> None:
    plugins = PluginManager()
    plugins.register(NdjsonPlugin(), "ndjson-format")
    kernel: Kernel
    async with started_kernel(settings, plugins, clock) as kernel:
        if kernel.database.is_postgres:
            from tests.support.schema import truncate_all

            await truncate_all(kernel.database)
        org = await load_org(kernel, "demo")
        ctx = FilesContext.of(kernel)
        request = ProductExportRequest(
            format="ndjson", columns=["code", "price"], filters={"active": True}
        )
        out = await create_export(ctx, org, PRODUCTS, request)
        assert (out.content_type, out.file_name.endswith(".ndjson")) == (
            "application/x-ndjson",
            True,
        )
        assert [o.status for o in await run_pending_jobs(kernel, "files")] == ["succeeded"]
        async with kernel.database.session(org) as session:
            row = await find_export(session, org, out.id)
        assert row is not None and row.path is not None
        lines = ctx.export_path(row.path).read_text().splitlines()
        products = (await kernel.domain.list_products(org, active=True, limit=100)).items
        assert [json.loads(line) for line in lines] == [
            {"code": p.code, "price": str(p.price)} for p in products
        ]
