"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB


class JSONText(str):
    """A JSON document serialized already: a JSON column stores this text as it is.

    The log writer serializes each masked body to measure it; storing it must not
    serialize it again (into a JSON string). :func:`serialize_json` is the serializer of
    every :class:`~.database.Database` engine.
    """

    __slots__ = ()


def serialize_json(value: Any) -> str:
    """The engine's ``json_serializer``: :class:`JSONText` as it is, anything else dumped."""
    if type(value) is JSONText:
        return value
    return json.dumps(value)


_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)

#: JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite stores text without an offset, so values are
    normalised to UTC on the way in and get ``tzinfo=UTC`` back on the way out. Naive
    datetimes are refused: they are the classic source of off-by-one-hour bugs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            # 0001-01-01T00:00+14:00 or 9999-12-31T23:59-14:00: valid, but outside what a
            # datetime holds once in UTC. As a bound it means "the beginning" or "the end".
            value = _FIRST if value.year < 5000 else _LAST
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]
