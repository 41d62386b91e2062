"""EDIFACT data element values as Python values, with a precise complaint when they fail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from monopilot_integrations.connectors.edi.edifact.model import Segment

#: DTM 2379 format qualifiers we read, and their strptime patterns.
DATE_FORMATS = {
    "102": "%Y%m%d",
    "203": "%Y%m%d%H%M",
    "204": "%Y%m%d%H%M%S",
    "101": "%y%m%d",
    "201": "%y%m%d%H%M",
}


class ValueProblem(ValueError):
    """A value that cannot be used; ``str()`` says where and why."""


def where(segment: Segment) -> str:
    return f"segment {segment.number} ({segment.tag})"


def dtm_datetime(segment: Segment) -> datetime:
    """DTM C507: the 2380 value in the 2379 format, as an aware UTC datetime."""
    value = segment.value(0, 1)
    fmt = segment.value(0, 2) or "102"
    if value is None:
        raise ValueProblem(f"{where(segment)}: DTM {segment.qualifier} has no date (2380)")
    pattern = DATE_FORMATS.get(fmt)
    if pattern is None:
        raise ValueProblem(
            f"{where(segment)}: date format {fmt!r} (2379) is not one of "
            f"{', '.join(sorted(DATE_FORMATS))}"
        )
    try:
        return datetime.strptime(value, pattern).replace(tzinfo=UTC)
    except ValueError:
        raise ValueProblem(
            f"{where(segment)}: {value!r} is not a valid date in format {fmt} ({pattern})"
        ) from None


def dtm_date(segment: Segment) -> date:
    return dtm_datetime(segment).date()


def number(text: str | None, segment: Segment, what: str, decimal_mark: str = ".") -> Decimal:
    """A numeric data element (``decimal_mark`` from UNA; a comma is always accepted)."""
    if text is None:
        raise ValueProblem(f"{where(segment)}: {what} is missing")
    normal = text.replace(decimal_mark, ".").replace(",", ".")
    try:
        value = Decimal(normal)
    except InvalidOperation:
        raise ValueProblem(f"{where(segment)}: {what} {text!r} is not a number") from None
    if not value.is_finite():
        raise ValueProblem(f"{where(segment)}: {what} {text!r} is not a number")
    return value
