"""Values as text, the same in every format: ISO dates, exact decimals, lowercase booleans.

And the CSV injection guard: a text cell that a spreadsheet program would run as a formula
(it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a
leading apostrophe, which spreadsheet programs show as text and never evaluate (OWASP's
advice for CSV injection).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from monopilot_integrations.connectors.files.formats.base import ColumnType

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``; anything else unchanged."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def decimal_text(value: Decimal) -> str:
    """Fixed-point, never exponent notation (``Decimal('1E+2')`` is written ``100``)."""
    return f"{value:f}"


def datetime_text(value: datetime) -> str:
    return value.isoformat()


def date_text(value: date) -> str:
    return value.isoformat()


def boolean_text(value: bool) -> str:
    return "true" if value else "false"


#: Text of a non-null value, by column type (``None`` means ``str``).
TEXT: dict[ColumnType, Callable[[Any], str] | None] = {
    "text": None,
    "decimal": decimal_text,
    "integer": None,
    "date": date_text,
    "datetime": datetime_text,
    "boolean": boolean_text,
}
