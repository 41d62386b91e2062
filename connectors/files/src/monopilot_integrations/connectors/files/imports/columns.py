"""The columns of a product import, the units it accepts, and the templates made from them.

One definition serves the CSV template, the JSON Schema, the validator and the docs: a
column is required or optional, has a type, an example and a rule in words.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

#: Units of measure a product may have: the reference store's and common UN/CEFACT ones,
#: in the spellings MonoPilot uses (``szt`` is the Polish "pieces").
UNITS = (
    "szt", "pcs", "kg", "g", "t", "l", "ml", "m", "m2", "m3",
    "opak", "pack", "box", "crate", "pallet", "bag", "bottle", "can", "jar", "tray",
)  # fmt: skip


@dataclass(frozen=True)
class ImportColumn:
    name: str
    required: bool
    type: str
    example: str
    rule: str


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn(
        "code",
        True,
        "text",
        "BULKA-80",
        "1-64 characters, unique in the file; the product to insert or update",
    ),
    ImportColumn("name", True, "text", "Kaiser roll 80g", "1-255 characters"),
    ImportColumn("unit", True, "text", "szt", "one of: " + ", ".join(UNITS)),
    ImportColumn(
        "price",
        True,
        "decimal",
        "0.60",
        "a number >= 0 with a dot, at most 4 decimal places (net unit price)",
    ),
    ImportColumn("vat_rate", True, "decimal", "5", "percent, 0-100"),
    ImportColumn(
        "gtin", False, "text", "5901234123457", "GTIN-8, -12, -13 or -14 with a valid check digit"
    ),
    ImportColumn(
        "currency", False, "text", "PLN", "ISO 4217 code; empty: the organisation's currency"
    ),
    ImportColumn("reorder_level", False, "decimal", "100", "a number >= 0 (default 0)"),
    ImportColumn("active", False, "boolean", "true", "true/false, yes/no or 1/0 (default true)"),
)

BY_NAME = {c.name: c for c in COLUMNS}
REQUIRED = tuple(c.name for c in COLUMNS if c.required)


def csv_template(delimiter: str = ",") -> str:
    """The header and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.name for c in COLUMNS])
    writer.writerow([c.example for c in COLUMNS])
    return buffer.getvalue()


def _json_type(column: ImportColumn) -> dict[str, Any]:
    if column.name == "unit":
        return {"type": "string", "enum": list(UNITS)}
    if column.name == "gtin":
        return {"type": ["string", "null"], "pattern": r"^(\d{8}|\d{12,14})$"}
    if column.name == "currency":
        return {"type": ["string", "null"], "pattern": "^[A-Z]{3}$"}
    if column.name == "code":
        return {"type": "string", "minLength": 1, "maxLength": 64}
    if column.name == "name":
        return {"type": "string", "minLength": 1, "maxLength": 255}
    if column.type == "decimal":
        number: dict[str, Any] = {"type": ["number", "string"], "minimum": 0}
        if column.name == "vat_rate":
            number["maximum"] = 100
        return number
    return {"type": ["boolean", "string", "null"]}


def json_schema() -> dict[str, Any]:
    """A JSON Schema (2020-12) of an import file in JSON: an array of product objects."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "MonoPilot product import",
        "description": "An array of products; each is inserted, or updated by its code.",
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": list(REQUIRED),
            "properties": {c.name: {**_json_type(c), "description": c.rule} for c in COLUMNS},
        },
        "examples": [[{c.name: _example(c) for c in COLUMNS}]],
    }


def _example(column: ImportColumn) -> Any:
    if column.type == "decimal":
        return float(column.example) if "." in column.example else int(column.example)
    if column.type == "boolean":
        return column.example == "true"
    return column.example
