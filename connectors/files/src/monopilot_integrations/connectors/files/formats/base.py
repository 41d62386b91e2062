"""What an export format is: a mapper from a table of rows to the bytes of a file.

A format is a :class:`~monopilot_integrations.core.Mapper` registered through
``register_mappers`` under ``(format name, EXPORT_RECORD_KIND)``, so a plugin adds one
(XLSX, say) without touching this package. ``to_external(table)`` returns a
:class:`RowEncoder` that turns the rows, batch by batch, into bytes; the exporter writes
those bytes to the file as they come, so a format never holds the whole export. The
encoder does no I/O: it is tested with plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from monopilot_integrations.core import Mapper

#: The ``record_kind`` every export format registers under.
EXPORT_RECORD_KIND = "export-file"

#: How a column's values are typed (JSON numbers, XSD types, CSV text).
ColumnType = Literal["text", "decimal", "integer", "date", "datetime", "boolean"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str = ""


class FormatOptions(BaseModel):
    """Options a client may set; a format uses those that apply to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: Literal[",", ";", "\t", "|"] = Field(default=",", description="CSV field separator")
    bom: bool = Field(
        default=False,
        description="CSV: start with a UTF-8 byte order mark (spreadsheet programs then "
        "read the file as UTF-8)",
    )


@dataclass(frozen=True)
class Table:
    """What is exported: the kind (``products``), the element name of one row in formats
    that name it (``product``), the chosen columns in order, and the client's options."""

    kind: str
    row_name: str
    columns: tuple[Column, ...]
    options: FormatOptions = field(default_factory=FormatOptions)


class RowEncoder(Protocol):
    """Bytes of one file: ``head()``, then ``rows(batch)`` any number of times, then
    ``tail()``. A row holds the table's column values in order (``None`` for no value;
    ``Decimal``, ``date``, ``datetime``, ``bool``, ``int`` or ``str`` otherwise)."""

    def head(self) -> bytes: ...

    def rows(self, batch: Sequence[Sequence[Any]]) -> bytes: ...

    def tail(self) -> bytes: ...


class ExportFormat(Mapper[Table, RowEncoder]):
    """Base of export formats: set ``format``, ``media_type``, ``extension`` and implement
    ``to_external``."""

    record_kind: ClassVar[str] = EXPORT_RECORD_KIND
    #: The download's Content-Type.
    media_type: ClassVar[str]
    #: The download's file name extension, without the dot.
    extension: ClassVar[str]
    #: One line for listings and the API documentation.
    title: ClassVar[str] = ""

    def to_external(self, record: Table) -> RowEncoder:
        raise NotImplementedError(f"export format {self.format!r} has no encoder")
