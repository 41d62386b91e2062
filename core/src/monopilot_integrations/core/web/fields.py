"""Field types for request models whose values reach SQL: bounded integers, timestamps
that convert to UTC, and the range check every parsed request goes through.

A database stores 64-bit integers and timestamps between the years 1 and 9999 in UTC. An
``offset`` of 2**63, or ``9999-12-31T23:59:59-14:00`` (a valid ISO 8601 text whose UTC
form falls in the year 10000), passes a plain ``int`` or ``AwareDatetime`` field and then
fails deep inside the driver. The types below bound them where they are declared (so the
OpenAPI document says so too); :func:`out_of_range` is the net under every model parsed
by :mod:`~monopilot_integrations.core.web.validation`, for fields declared without them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

#: The largest ``offset`` a list accepts (a page deeper than this is not a page).
MAX_OFFSET: Final = 1_000_000
#: The range of a signed 64-bit integer column.
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
#: Timestamps are clamped into this range: one day inside what ``datetime`` holds, so a
#: route may still add or subtract a day (a default window, a bucket) without overflow.
EARLIEST: Final = datetime(1, 1, 2, tzinfo=UTC)
LATEST: Final = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)


def utc_clamped(value: datetime) -> datetime:
    """``value`` in UTC, clamped into ``[EARLIEST, LATEST]``: a bound at the edge of time
    means "from the beginning" or "to the end", which the clamped value still says."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # outside datetime's range once in UTC
        return EARLIEST if value.year < 5000 else LATEST
    return min(max(utc, EARLIEST), LATEST)


#: An ISO 8601 timestamp with a time zone; converted to UTC and clamped (see above).
AwareTimestamp = Annotated[AwareDatetime, AfterValidator(utc_clamped)]
#: Items to skip in a list.
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Items to skip")]


def out_of_range(model: BaseModel) -> list[dict[str, Any]]:
    """Every integer outside 64 bits and every timestamp without a UTC form in ``model``
    (nested models and lists of them included), as validation errors."""
    errors: list[dict[str, Any]] = []
    _check(model, "", errors)
    return errors


def _check(value: Any, path: str, errors: list[dict[str, Any]]) -> None:
    kind = type(value)
    if kind is int:
        if not INT64_MIN <= value <= INT64_MAX:
            errors.append(_error(path or "/", "integer out of range (64 bits)"))
    elif kind is datetime:
        if value.tzinfo is not None:
            try:
                value.astimezone(UTC)
            except OverflowError:
                errors.append(_error(path or "/", "timestamp out of range once in UTC"))
    elif isinstance(value, BaseModel):
        for name, item in value.__dict__.items():
            _check(item, f"{path}/{name}", errors)
    elif kind is list or kind is tuple:
        for index, item in enumerate(value):
            if isinstance(item, int | datetime | BaseModel):
                _check(item, f"{path}/{index}", errors)


def _error(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "message": message, "type": "out_of_range"}
