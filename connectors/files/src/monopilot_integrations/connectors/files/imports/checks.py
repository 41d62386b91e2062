"""The rules one import row must meet, each failure a :data:`RowError` naming the column.

A row that passes becomes the product's fields, normalised: stripped text, ``Decimal``
numbers, an upper-case currency, a lower-case unit, a boolean. Optional cells left empty
are absent (an update then keeps the stored value; an insert takes the default).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from monopilot_integrations.connectors.files.formats.cells import FORMULA_STARTS
from monopilot_integrations.connectors.files.imports.columns import COLUMNS, UNITS, ImportColumn
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Code points a str can hold (a JSON "\\ud800" escape makes one) but UTF-8 cannot encode.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Numeric(18, 4) holds four decimal places: a value is taken only when that is exact.
_PLACES = Decimal("0.0001")
#: The usual spelling of an amount: digits, a dot, up to four places. Anything else takes
#: the slow path, which says precisely what is wrong.
_PLAIN_NUMBER = re.compile(r"[0-9]{1,14}(?:\.[0-9]{1,4})?")


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be text")
    text = value.strip()
    if text[:1] in _FORMULA_FIRST:
        raise Invalid(
            "starts like a spreadsheet formula (=, +, -, @); remove that character or "
            "write the value without it"
        )
    if _CONTROL.search(text):
        raise Invalid("contains control characters")
    if _SURROGATE.search(text):
        raise Invalid("is not valid Unicode text (an unpaired surrogate such as \\ud800)")
    limit = _TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise Invalid(f"is {len(text)} characters long; at most {limit}")
    return text


_FORMULA_FIRST = frozenset(c for c in FORMULA_STARTS)


def _decimal(name: str, value: Any) -> Decimal:
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
        number = Decimal(value)
        if name == "vat_rate" and number > 100:
            raise Invalid("is a percentage: 0 to 100")
        return number
    return _decimal_slowly(name, value)


def _decimal_slowly(name: str, value: Any) -> Decimal:
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
    # Compared exactly, not through normalize(), which rounds to the context's 28 digits
    # (1.00000000000000000000000000001 became 1) and underflows tiny values to 0.
    if number.quantize(_PLACES) != number:
        raise Invalid("has more than 4 decimal places")
    if name == "vat_rate" and number > 100:
        raise Invalid("is a percentage: 0 to 100")
    return number


_UNITS = frozenset(UNITS)


def _unit(value: str) -> str:
    unit = value.lower()
    if unit not in _UNITS:
        raise Invalid(f"unknown unit; one of {', '.join(UNITS)}")
    return unit


def _gtin(value: str) -> str:
    # isascii(): str.isdigit() also takes other scripts' digits and superscripts ("²").
    if not (value.isascii() and value.isdigit()) or len(value) not in (8, 12, 13, 14):
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


def _checker(column: ImportColumn) -> Callable[[Any], Any]:
    name = column.name
    if column.type == "decimal":
        return lambda raw: _decimal(name, raw)
    if column.type == "boolean":
        return _boolean
    special = {"unit": _unit, "gtin": _gtin, "currency": _currency}.get(name)
    if special is None:
        return lambda raw: _text(name, raw)
    return lambda raw: special(_text(name, raw))


#: (name, required, checker) per column, made once.
_CHECKS = [(c.name, c.required, _checker(c)) for c in COLUMNS]


def check_row(number: int, values: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
    """The row's product fields and every problem found in it."""
    fields: dict[str, Any] = {}
    errors: list[RowError] = []
    get = values.get
    for name, required, check in _CHECKS:
        raw = get(name)
        if raw is None or (isinstance(raw, str) and not (raw := raw.strip())):
            if required:
                errors.append(row_error(number, name, get(name), "is required"))
            continue
        try:
            fields[name] = check(raw)
        except Invalid as exc:
            errors.append(row_error(number, name, get(name), str(exc)))
    return fields, errors
