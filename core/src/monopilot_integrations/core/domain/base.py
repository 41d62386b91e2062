"""What every domain record and input shares: records are frozen and built
``from_attributes``, inputs forbid unknown fields, lists come in pages.

See :mod:`.records` for why (the port's vocabulary).
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

#: A natural code (product, supplier, order number): what partners and people use.
Code = Annotated[str, Field(min_length=1, max_length=64)]


class Record(BaseModel):
    """A record read from MonoPilot: immutable, built from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


class Input(BaseModel):
    """Data to write into MonoPilot: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list plus the total, so a client can page without a second call."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int
    limit: int
    offset: int
