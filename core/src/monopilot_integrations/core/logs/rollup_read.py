"""Reading figures of the integration log from the roll-ups, for a dashboard.

A :class:`RollupReader` answers "counts, errors, rate-limit hits, duration histogram and
newest error, grouped by these columns, since then" with one ``GROUP BY`` over the roll-up
rows of the closed hours (the sums are SQL's) plus the open hours after the organisation's
mark, counted from the log once per reader and merged in. Its cost is the number of groups
asked for, not the number of log rows.

Readers of one page share an :class:`OpenHours`: the mark is read and the open hours are
counted from the log once per page, not once per panel (the open hour is the costly part
of a read: it grows with the traffic of the current hour).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.db.log_rollups import DURATION_BOUNDS_MS, HISTOGRAM_COLUMNS
from monopilot_integrations.core.db.tables import log_rollups_table
from monopilot_integrations.core.logs.rollup import (
    Group,
    aware,
    count_window,
    rolled_until,
)

#: Columns a reader can group by.
GROUP_COLUMNS = ("hour", "integration_type", "status", "api_key_id", "webhook_id")


@dataclass
class Figures:
    """Sums over the log rows of one group."""

    count: int = 0
    rate_limited: int = 0
    durations: list[int] = field(default_factory=lambda: [0] * (len(DURATION_BOUNDS_MS) + 1))
    last_error_at: datetime | None = None

    def add(self, count: int, limited: int, durations: Sequence[int], error: Any) -> None:
        self.count += count
        self.rate_limited += limited
        if durations:
            self.durations = [
                a + int(b or 0) for a, b in zip(self.durations, durations, strict=True)
            ]
        last_error_at = aware(error)
        if last_error_at and (self.last_error_at is None or last_error_at > self.last_error_at):
            self.last_error_at = last_error_at


@dataclass
class OpenHours:
    """What the readers of one page share: the organisation's roll-up mark and its open
    hours counted from the log up to ``now``, each read once (by whichever reader needs
    it first). Every reader sharing it reads at the same ``now``, so the figures of a page
    agree with each other."""

    org_id: uuid.UUID
    now: datetime
    mark: datetime | None = None
    mark_read: bool = False
    live: list[tuple[datetime, Group]] | None = None
    live_since: datetime | None = None


class RollupReader:
    """Figures of one organisation's log up to ``now``, within one session.

    With ``shared`` (an :class:`OpenHours` of the same organisation) the reader takes its
    ``now`` from it and reuses the mark and open-hour counts another reader of the page
    already read; without it, the reader counts them itself.
    """

    def __init__(
        self,
        session: AsyncSession,
        org_id: uuid.UUID,
        now: datetime | None = None,
        *,
        shared: OpenHours | None = None,
    ) -> None:
        if shared is None:
            if now is None:
                raise ValueError("a reader needs either now or shared open hours")
            shared = OpenHours(org_id, now)
        elif shared.org_id != org_id:
            raise ValueError("shared open hours belong to another organisation")
        self.session = session
        self.org_id = org_id
        self.open_hours = shared
        self.now = shared.now

    async def grouped(
        self,
        by: Sequence[str],
        since: datetime,
        *,
        split: datetime | None = None,
        histogram: bool = True,
    ) -> dict[tuple[Any, ...], Figures]:
        """Figures since ``since`` (an hour's start) grouped by the columns ``by``.

        With ``split`` (an hour's start) each key ends with ``True`` for the hours from
        ``split`` on and ``False`` before: two windows (a day within a week) in one read.
        Without ``histogram`` the durations are not summed (a series of counts).
        """
        for name in by:
            if name not in GROUP_COLUMNS:
                raise ValueError(f"cannot group by {name!r}; one of {GROUP_COLUMNS}")
        mark = await self._rolled_until(since)
        out: dict[tuple[Any, ...], Figures] = {}
        r = log_rollups_table.c
        if mark > since:
            keys: list[Any] = [r[name] for name in by]
            if split is not None:
                keys.append(case((r.hour >= split, 1), else_=0))
            sums = [func.sum(r[c]) for c in HISTOGRAM_COLUMNS] if histogram else []
            stmt = (
                select(
                    *keys,
                    func.sum(r.count),
                    func.sum(r.rate_limited),
                    func.max(r.last_error_at),
                    *sums,
                )
                .where(r.org_id == self.org_id, r.hour >= since, r.hour < mark)
                .group_by(*keys)
            )
            for row in (await self.session.execute(stmt)).all():
                key = tuple(
                    aware(v) if name == "hour" else v for name, v in zip(by, row, strict=False)
                )
                n = len(by)
                if split is not None:
                    key, n = (*key, bool(row[n])), n + 1
                durations = row[n + 3 :] if histogram else ()
                out.setdefault(key, Figures()).add(
                    int(row[n] or 0), int(row[n + 1] or 0), durations, row[n + 2]
                )
        for hour, group in await self._live_groups(mark):
            if hour < since:
                continue
            values = {"hour": hour, **vars(group)}
            key = tuple(values[name] for name in by)
            if split is not None:
                key = (*key, hour >= split)
            out.setdefault(key, Figures()).add(
                group.count,
                group.rate_limited,
                group.durations if histogram else (),
                group.last_error_at,
            )
        return out

    async def _rolled_until(self, since: datetime) -> datetime:
        """Where the roll-ups end (never before ``since``; ``since`` when nothing was ever
        rolled up: then everything is counted from the log)."""
        state = self.open_hours
        if not state.mark_read:
            state.mark = await rolled_until(self.session, self.org_id)
            state.mark_read = True
        return since if state.mark is None else max(state.mark, since)

    async def _live_groups(self, mark: datetime) -> list[tuple[datetime, Group]]:
        """The open hours, counted from the log once per :class:`OpenHours` (from the
        earliest start any call needed)."""
        state = self.open_hours
        if state.live is None or state.live_since is None or mark < state.live_since:
            state.live = await count_window(self.session, self.org_id, mark, self.now)
            state.live_since = mark
        return [(h, g) for h, g in state.live if h >= mark]
