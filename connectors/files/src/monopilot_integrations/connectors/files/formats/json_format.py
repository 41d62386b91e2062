"""JSON: one array of objects, one object per row, written as the rows come.

Decimals are JSON numbers written exactly as stored (never through a float), dates and
times ISO 8601 strings, missing values ``null``. Each batch is a slice of the array, so
the file is valid JSON only once ``tail()`` closed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from monopilot_integrations.connectors.files.formats.base import (
    ColumnType,
    ExportFormat,
    RowEncoder,
    Table,
)
from monopilot_integrations.connectors.files.formats.cells import (
    boolean_text,
    date_text,
    datetime_text,
    decimal_text,
)

_string = json.JSONEncoder(ensure_ascii=False).encode


def _quoted(to_text: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: '"' + to_text(value) + '"'


#: JSON text of a non-null value, by column type.
JSON_TEXT: dict[ColumnType, Callable[[Any], str]] = {
    "text": _string,
    "decimal": decimal_text,
    "integer": str,
    "date": _quoted(date_text),
    "datetime": _quoted(datetime_text),
    "boolean": boolean_text,
}


class JsonEncoder:
    def __init__(self, table: Table) -> None:
        self._fields = [(_string(c.name) + ":", JSON_TEXT[c.type]) for c in table.columns]
        self._first = True

    def head(self) -> bytes:
        return b"["

    def rows(self, batch: Sequence[Sequence[Any]]) -> bytes:
        fields = self._fields
        objects = []
        for row in batch:
            parts = [
                key + ("null" if value is None else to_json(value))
                for (key, to_json), value in zip(fields, row, strict=True)
            ]
            objects.append("{" + ",".join(parts) + "}")
        if not objects:
            return b""
        text = ",\n".join(objects)
        prefix = "\n" if self._first else ",\n"
        self._first = False
        return (prefix + text).encode("utf-8")

    def tail(self) -> bytes:
        return b"]\n" if self._first else b"\n]\n"


class JsonFormat(ExportFormat):
    format = "json"
    media_type = "application/json"
    extension = "json"
    title = "JSON, one array of objects"

    def to_external(self, record: Table) -> RowEncoder:
        return JsonEncoder(record)
