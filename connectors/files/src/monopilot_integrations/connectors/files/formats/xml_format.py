"""XML, written incrementally with lxml (``etree.xmlfile``), valid against the shipped XSD
(``schemas/export.xsd``).

``<products><product><code>..</code>..</product>..</products>`` (``<orders>`` of
``<order_line>``, ``<inventory>`` of ``<stock_level>``): one element per chosen column,
left out when the value is missing. Characters XML 1.0 cannot carry (control characters)
are replaced with U+FFFD rather than failing the export.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from importlib.resources import files
from typing import Any

from lxml import etree

from monopilot_integrations.connectors.files.formats.base import ExportFormat, RowEncoder, Table
from monopilot_integrations.connectors.files.formats.cells import TEXT

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def schema_text() -> bytes:
    """The XSD every XML export validates against."""
    return (
        files("monopilot_integrations.connectors.files") / "schemas" / "export.xsd"
    ).read_bytes()


class XmlEncoder:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._buffer = io.BytesIO()
        self._stack = ExitStack()
        self._writer: Any = None
        self._fields: list[tuple[str, Callable[[Any], str]]] = []
        for column in table.columns:
            to_text = TEXT[column.type] or str
            self._fields.append((column.name, xml_text if column.type == "text" else to_text))

    def head(self) -> bytes:
        writer = self._stack.enter_context(
            etree.xmlfile(self._buffer, encoding="utf-8", buffered=False)
        )
        writer.write_declaration()
        self._stack.enter_context(writer.element(self.table.kind))
        writer.write("\n")
        self._writer = writer
        return self._take()

    def rows(self, batch: Sequence[Sequence[Any]]) -> bytes:
        writer, fields, row_name = self._writer, self._fields, self.table.row_name
        sub = etree.SubElement
        for row in batch:
            element = etree.Element(row_name)
            for (name, to_text), value in zip(fields, row, strict=True):
                if value is not None:
                    sub(element, name).text = to_text(value)
            writer.write(element)
            writer.write("\n")
        return self._take()

    def tail(self) -> bytes:
        self._stack.close()
        return self._take() + b"\n"

    def _take(self) -> bytes:
        data = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return data


class XmlFormat(ExportFormat):
    format = "xml"
    media_type = "application/xml"
    extension = "xml"
    title = "XML, one element per row (schema: GET /api/integrations/export/schema.xsd)"

    def to_external(self, record: Table) -> RowEncoder:
        return XmlEncoder(record)
