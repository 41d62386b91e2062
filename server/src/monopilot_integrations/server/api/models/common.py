"""What every model of the public API shares: decimals, timestamps, pagination, lists.

**Timestamps** in responses are UTC (``2026-03-12T04:30:00Z``); requests accept any
offset but no naive times.

**Decimal amounts** (prices, quantities, VAT rates) are JSON **strings** in responses, in
plain notation with no trailing zeros (``"6.5"``, ``"200"``, ``"0.0001"``): a string keeps
the exact value MonoPilot stores (four decimal places), whatever the client's JSON parser
does with numbers. Requests accept a JSON number or a string for every decimal field.
Event payloads (webhooks) carry money (``price``, ``unit_price``) as such strings too;
quantities are numbers there, as the event catalogue's schemas say.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from monopilot_integrations.core.web.fields import Offset
from monopilot_integrations.server.problems import ProblemDetail


def plain_decimal(value: Decimal) -> str:
    """``Decimal("130.5000")`` -> ``"130.5"``; ``Decimal("1E+2")`` -> ``"100"``."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


#: A decimal in a response: serialized as a plain-notation string.
Amount = Annotated[
    Decimal,
    PlainSerializer(plain_decimal, return_type=str, when_used="json"),
    Field(examples=["6.5"]),
]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: An instant in a response: always UTC (``2026-03-12T04:30:00Z``).
Timestamp = Annotated[datetime, AfterValidator(_utc)]
#: A decimal in a request: a number or a string, at most four decimal places and no more
#: digits than MonoPilot stores.
DecimalIn = Annotated[Decimal, Field(max_digits=18, decimal_places=4, examples=["6.5"])]
#: A natural code (product, supplier, customer, order number).
Code = Annotated[str, Field(min_length=1, max_length=64)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["PLN"])]
GTIN = Annotated[str, Field(pattern=r"^\d{8}$|^\d{12,14}$", examples=["5901234100014"])]
Location = Annotated[str, Field(min_length=1, max_length=64, examples=["MAG-SUROWCE"])]


class RequestModel(BaseModel):
    """A request body: unknown fields are a 422, so a typo never goes unnoticed."""

    model_config = ConfigDict(extra="forbid")


class QueryModel(BaseModel):
    """A query string: unknown parameters are a 422 too (a misspelled filter would
    otherwise silently return everything)."""

    model_config = ConfigDict(extra="forbid")


class Pagination(QueryModel):
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1..200)")
    offset: Offset = 0


class ResponseModel(BaseModel):
    """A response body, built from the domain store's records."""

    model_config = ConfigDict(from_attributes=True)


class ListResponse(ResponseModel):
    """One page of a list: ``items`` (in the subclass), ``total`` matching items in all
    pages, and the ``limit`` and ``offset`` that produced this page."""

    total: int
    limit: int
    offset: int


_BODY_ERRORS = (400, 413, 415, 422)


def errors(*statuses: int, body: bool = False) -> dict[int, type[BaseModel]]:
    """The ``responses`` of a route: ``statuses`` plus, with ``body``, those of parsing it."""
    wanted = set(statuses) | (set(_BODY_ERRORS) if body else set())
    return {status: ProblemDetail for status in sorted(wanted)}
