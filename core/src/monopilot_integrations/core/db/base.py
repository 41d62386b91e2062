"""The declarative base shared by core's and every connector's tables.

One ``MetaData`` with a naming convention, so constraint names are stable across SQLite and
PostgreSQL and Alembic migrations can refer to them.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from monopilot_integrations.core.db.types import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: Uuid(as_uuid=True),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        datetime: UTCDateTime(),
    }


class TenantMixin:
    """Marks a table as belonging to one organisation.

    Every tenant table has a non-null ``org_id``; the session layer scopes queries by it
    and, on PostgreSQL, row-level security enforces the same in the database.
    """

    @declared_attr
    def org_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(Uuid(as_uuid=True), nullable=False, index=False)


def new_id() -> uuid.UUID:
    """A time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, then 74
    random bits.

    Generated in Python so rows can be referenced before they are inserted (batched writes)
    and look the same on every database; time-ordered so that inserts append to the primary
    key's B-tree instead of splitting pages at random places (the integration log takes a row
    per API call).
    """
    # The module-level generator, not os.urandom: ids need uniqueness, not secrecy (an id
    # grants nothing), and the API path makes one per request (its log row): no system
    # call each time. ``random`` reseeds itself in a forked child, so processes forked
    # from one parent do not share a sequence.
    rand = _random_bits(74)
    value = ((_time_ns() // 1_000_000) & _MILLIS) << 80  # 48 bits of milliseconds
    value |= _VERSION_AND_VARIANT  # version 7, RFC 4122 variant
    value |= (rand >> 62) << 64  # 12 random bits after the version
    value |= rand & _LOW_62  # 62 random bits after the variant
    return uuid.UUID(int=value)


_random_bits = random.getrandbits
_time_ns = time.time_ns
_MILLIS = (1 << 48) - 1
_LOW_62 = (1 << 62) - 1
_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)


def tenant_tables(metadata: MetaData | None = None) -> list[str]:
    """Names of all tables with an ``org_id`` column, i.e. under row-level security."""
    md = metadata or Base.metadata
    return sorted(t.name for t in md.tables.values() if "org_id" in t.c)
