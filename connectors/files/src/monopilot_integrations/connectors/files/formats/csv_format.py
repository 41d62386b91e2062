"""CSV (RFC 4180): a header row, fields quoted when they must be, CRLF line ends, UTF-8.

Options: the delimiter (``,`` by default; ``;`` is what spreadsheet programs expect where
the decimal separator is a comma) and a byte order mark. Text cells that would run as
spreadsheet formulas are neutralised (:func:`.cells.neutralise`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from monopilot_integrations.connectors.files.formats.base import ExportFormat, RowEncoder, Table
from monopilot_integrations.connectors.files.formats.cells import TEXT, neutralise

BOM = "\ufeff".encode()


class CsvEncoder:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._buffer = io.StringIO()
        self._writer = csv.writer(
            self._buffer,
            delimiter=table.options.delimiter,
            lineterminator="\r\n",
            quoting=csv.QUOTE_MINIMAL,
        )
        # Only the columns whose values need more than str(): the rest go to the csv
        # module's C loop untouched (a million rows is tens of millions of cells).
        self._convert: list[tuple[int, Callable[[Any], str]]] = []
        for index, column in enumerate(table.columns):
            convert = neutralise if column.type == "text" else TEXT[column.type]
            if convert is not None:
                self._convert.append((index, convert))

    def head(self) -> bytes:
        self._writer.writerow([c.name for c in self.table.columns])
        header = self._take()
        return BOM + header if self.table.options.bom else header

    def rows(self, batch: Sequence[Sequence[Any]]) -> bytes:
        convert = self._convert
        if not convert:
            self._writer.writerows(batch)
            return self._take()
        out = []
        for row in batch:
            values = list(row)
            for index, to_text in convert:
                value = values[index]
                if value is not None:
                    values[index] = to_text(value)
            out.append(values)
        self._writer.writerows(out)
        return self._take()

    def tail(self) -> bytes:
        return b""

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8")


class CsvFormat(ExportFormat):
    format = "csv"
    media_type = "text/csv; charset=utf-8; header=present"
    extension = "csv"
    title = "CSV (RFC 4180), header row, UTF-8"

    def to_external(self, record: Table) -> RowEncoder:
        return CsvEncoder(record)
