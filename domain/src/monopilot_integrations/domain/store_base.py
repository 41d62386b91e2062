"""What every part of the SQL domain store shares: sessions, paging, lookups, errors."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import LoaderOption

from monopilot_integrations.core.clock import Clock, SystemClock
from monopilot_integrations.core.db.database import Database, session_org
from monopilot_integrations.core.domain.base import Page, Record
from monopilot_integrations.core.domain.port import MAX_LIMIT
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.domain.tables import OrganizationRow

R = TypeVar("R", bound=Record)

#: Quantities and prices are stored with four decimal places.
PLACES = Decimal("0.0001")


def quantize(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """``Decimal("130.0000")`` -> ``"130"``: numbers in messages as people write them."""
    return f"{quantize(value).normalize():f}"


def invalid(path: str, message: str) -> ValidationError:
    """A ValidationError with one problem, in the shape every ValidationError has."""
    return ValidationError(f"{path}: {message}", [{"path": path, "message": message}])


def raise_if(problems: list[dict[str, str]], what: str) -> None:
    """Raise one ValidationError listing every problem (the message shows the first few)."""
    if problems:
        summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValidationError(f"{what}: {summary}{more}", problems)


def not_found(kind: str, record_id: uuid.UUID) -> NotFoundError:
    # Same message whether the id is unknown or another organisation's.
    return NotFoundError(f"{kind} {record_id} not found")


def like(columns: Iterable[InstrumentedAttribute[Any]], text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on any of ``columns``; wildcards in ``text`` are
    taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(c.ilike(f"%{escaped}%", escape="\\") for c in columns))


class StoreBase:
    """Holds the database and the clock; opens or borrows the organisation's session."""

    def __init__(self, database: Database, *, clock: Clock | None = None) -> None:
        self.database = database
        self.clock: Clock = clock or SystemClock()

    @asynccontextmanager
    async def _use(
        self, org_id: uuid.UUID, session: AsyncSession | None
    ) -> AsyncIterator[AsyncSession]:
        """The caller's session (checked to belong to ``org_id``) or a new transaction."""
        if session is None:
            async with self.database.session(org_id) as own:
                yield own
            return
        if session_org(session) != org_id:
            raise RuntimeError(
                "the session passed to the domain store was opened for another organisation"
            )
        yield session

    async def _page(
        self,
        session: AsyncSession,
        stmt: Select[Any],
        record: type[R],
        *,
        limit: int,
        offset: int,
        options: Iterable[LoaderOption] = (),
    ) -> Page[R]:
        """Count ``stmt``'s rows, then load one page of them with ``options``."""
        if not 1 <= limit <= MAX_LIMIT:
            raise invalid("limit", f"must be between 1 and {MAX_LIMIT}, not {limit}")
        if offset < 0:
            raise invalid("offset", f"must not be negative, not {offset}")
        total = await session.scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
        page = (
            stmt.limit(limit)
            .offset(offset)
            .options(*options)
            .execution_options(populate_existing=True)
        )
        rows = (await session.scalars(page)).unique().all()
        items = [record.model_validate(row) for row in rows]
        return Page(items=items, total=total or 0, limit=limit, offset=offset)

    async def _org_currency(self, session: AsyncSession, org_id: uuid.UUID) -> str:
        currency = await session.scalar(
            select(OrganizationRow.currency).where(OrganizationRow.id == org_id)
        )
        if currency is None:
            raise NotFoundError(f"organisation {org_id} not found")
        return currency

    async def _existing_ids(
        self,
        session: AsyncSession,
        org_id: uuid.UUID,
        table: Any,
        ids: Iterable[uuid.UUID],
    ) -> set[uuid.UUID]:
        """Which of ``ids`` exist in ``table`` for this organisation (one query)."""
        wanted = set(ids)
        if not wanted:
            return set()
        found = await session.scalars(
            select(table.id).where(table.org_id == org_id, table.id.in_(wanted))
        )
        return set(found)
