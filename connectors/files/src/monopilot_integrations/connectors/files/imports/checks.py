"""The rules one import row must meet, each failure a :data:`RowError` naming the column.

A row that passes becomes the product's fields, normalised: stripped text, ``Decimal``
numbers, an upper-case currency, a lower-case unit, a boolean. Optional cells left empty
are absent (an update then keeps the stored value; an insert takes the default).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from monopilot_integrations.connectors.files.formats.cells import FORMULA_STARTS
from monopilot_integrations.connectors.files.imports.columns import COLUMNS, UNITS
from monopilot_integrations.connectors.files.imports.problems import RowError, row_error

TRUE = {"true", "1", "yes", "y", "tak", "t"}
FALSE = {"false", "0", "no", "n", "nie", "f"}
#: Numeric(18, 4): 14 digits before the point.
MAX_NUMBER = Decimal("99999999999999.9999")
_TEXT_LIMITS = {"code": 64, "name": 255}


class Invalid(ValueError):
    """One cell's problem (the message names what is wrong and what is expected)."""


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10 check digit of a GTIN-8/12/13/14."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be text")
    text = value.strip()
    if text.startswith(FORMULA_STARTS):
        raise Invalid(
            "starts like a spreadsheet formula (=, +, -, @); remove that character or "
            "write the value without it"
        )
    if any(ord(c) < 32 for c in text):
        raise Invalid("contains control characters")
    limit = _TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise Invalid(f"is {len(text)} characters long; at most {limit}")
    return text


def _decimal(name: str, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise Invalid("must be a number")
    if isinstance(value, int | float):
        value = repr(value)
    if not isinstance(value, str):
        raise Invalid("must be a number")
    text = value.strip()
    if "," in text and "." not in text:
        raise Invalid("use a dot as the decimal separator (12.50, not 12,50)")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid("is not a number") from None
    if not number.is_finite():
        raise Invalid("is not a number")
    if number < 0:
        raise Invalid("must not be negative")
    if number > MAX_NUMBER:
        raise Invalid(f"is too large; at most {MAX_NUMBER}")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise Invalid("has more than 4 decimal places")
    if name == "vat_rate" and number > 100:
        raise Invalid("is a percentage: 0 to 100")
    return number


def _unit(value: str) -> str:
    unit = value.lower()
    if unit not in UNITS:
        raise Invalid(f"unknown unit; one of {', '.join(UNITS)}")
    return unit


def _gtin(value: str) -> str:
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise Invalid("a GTIN has 8, 12, 13 or 14 digits")
    if not gtin_check_digit_ok(value):
        raise Invalid("the GTIN's check digit is wrong")
    return value


def _currency(value: str) -> str:
    code = value.upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise Invalid("a currency is a three-letter ISO 4217 code such as PLN or EUR")
    return code


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise Invalid("must be true or false (yes/no, 1/0)")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_row(number: int, values: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
    """The row's product fields and every problem found in it."""
    fields: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in COLUMNS:
        raw = values.get(column.name)
        if _empty(raw):
            if column.required:
                errors.append(row_error(number, column.name, raw, "is required"))
            continue
        try:
            if column.type == "decimal":
                fields[column.name] = _decimal(column.name, raw)
            elif column.type == "boolean":
                fields[column.name] = _boolean(raw)
            else:
                text = _text(column.name, raw)
                if column.name == "unit":
                    text = _unit(text)
                elif column.name == "gtin":
                    text = _gtin(text)
                elif column.name == "currency":
                    text = _currency(text)
                fields[column.name] = text
        except Invalid as exc:
            errors.append(row_error(number, column.name, raw, str(exc)))
    return fields, errors
