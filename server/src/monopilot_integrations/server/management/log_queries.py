"""Queries over ``integration_logs`` for the management API: keyset pages and statistics.

Every statement here starts with ``org_id = :org`` and a bound on ``timestamp`` (a range for
statistics, the cursor's position for pages), so the database reads a range of the
``(org_id, timestamp)`` index ``idx_int_logs_org_time`` instead of scanning the table.

Statistics differ by database:

* PostgreSQL computes everything in SQL: buckets with ``date_trunc`` (in UTC), percentiles
  with ``percentile_cont(...) WITHIN GROUP (ORDER BY duration_ms)``.
* SQLite has no percentile aggregate. Buckets come from ``strftime`` and counts from SQL, but
  the percentiles are computed in Python from the ``duration_ms`` values of the window, which
  are fetched (sorted by the database). Memory and time therefore grow with the number of
  log rows in the window: fine for the embedded, single-machine mode SQLite serves, not for
  millions of rows a day (use PostgreSQL there). Both compute the same figures:
  :func:`percentile` interpolates linearly exactly like ``percentile_cont``.
"""

from __future__ import annotations

import base64
import binascii
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.db.tables import logs_table

logs_t = logs_table

Bucket = Literal["hour", "day"]
BUCKET_STEP: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
_SQLITE_BUCKET_FORMAT = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}

#: Everything but the bodies: what a page of the log list shows.
BODY_COLUMNS = ("request_body", "response_body")
LIGHT_COLUMNS = tuple(c for c in logs_t.c if c.name not in BODY_COLUMNS)


# --- cursors ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in the list ordered by ``(timestamp desc, id desc)``: the last row seen."""

    timestamp: datetime
    id: uuid.UUID

    def encode(self) -> str:
        """Opaque to clients: url-safe base64 of ``<iso timestamp>|<uuid>``, unpadded."""
        raw = f"{self.timestamp.astimezone(UTC).isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ``ValueError`` for anything :meth:`encode` did not produce."""
        if not text or len(text) > 200:
            raise ValueError("malformed cursor")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
            stamp, _, ident = raw.partition("|")
            timestamp = datetime.fromisoformat(stamp)
            row_id = uuid.UUID(ident)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValueError("malformed cursor") from None
        if timestamp.tzinfo is None:
            raise ValueError("malformed cursor")
        return cls(timestamp.astimezone(UTC), row_id)


# --- the list ---------------------------------------------------------------------------


def has_body(column: Any, dialect: str) -> ColumnElement[bool]:
    """True when the column holds a body: neither SQL NULL nor a JSON ``null``."""
    if dialect == "postgresql":
        return and_(column.is_not(None), func.jsonb_typeof(column) != "null")
    return and_(column.is_not(None), type_coerce(column, String) != "null")


def list_statement(
    org_id: uuid.UUID,
    *,
    dialect: str,
    equals: Mapping[str, Any] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    text: str | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> Select[Any]:
    """One page of log rows without bodies, newest first; keyset, never OFFSET.

    ``equals`` maps column names to values; ``since`` is inclusive, ``until`` exclusive;
    ``text`` is searched case-insensitively in ``error_message``. Fetch ``limit + 1`` to
    know whether a next page exists.
    """
    c = logs_t.c
    conditions: list[ColumnElement[bool]] = [c.org_id == org_id]
    for name, value in (equals or {}).items():
        if value is not None:
            conditions.append(c[name] == value)
    if since is not None:
        conditions.append(c.timestamp >= since)
    if until is not None:
        conditions.append(c.timestamp < until)
    if text:
        conditions.append(c.error_message.icontains(text, autoescape=True))
    if after is not None:
        # ``timestamp <= t`` is the index range; the OR only breaks ties on ``id``.
        conditions.append(c.timestamp <= after.timestamp)
        conditions.append(
            or_(
                c.timestamp < after.timestamp, and_(c.timestamp == after.timestamp, c.id < after.id)
            )
        )
    return (
        select(
            *LIGHT_COLUMNS,
            has_body(c.request_body, dialect).label("has_request_body"),
            has_body(c.response_body, dialect).label("has_response_body"),
        )
        .where(*conditions)
        .order_by(c.timestamp.desc(), c.id.desc())
        .limit(limit)
    )


# --- statistics -------------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """``percentile_cont``: linear interpolation between the closest ranks (input sorted)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def truncate(moment: datetime, bucket: Bucket) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if bucket == "day" else moment


def bucket_starts(since: datetime, until: datetime, bucket: Bucket) -> list[datetime]:
    """Every bucket overlapping ``[since, until)``, the first one aligned down."""
    step = BUCKET_STEP[bucket]
    start = truncate(since, bucket)
    starts = []
    while start < until:
        starts.append(start)
        start += step
    return starts


@dataclass
class SeriesPoint:
    start: datetime
    count: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None


@dataclass
class StatsResult:
    totals: list[tuple[str, str, int]] = field(default_factory=list)
    p50_ms: float | None = None
    p95_ms: float | None = None
    series: list[SeriesPoint] = field(default_factory=list)


def _window(org_id: uuid.UUID, since: datetime, until: datetime) -> list[ColumnElement[bool]]:
    c = logs_t.c
    return [c.org_id == org_id, c.timestamp >= since, c.timestamp < until]


def _bucket_expression(dialect: str, bucket: Bucket) -> ColumnElement[Any]:
    # Constants as literals, not bound parameters: PostgreSQL must see the GROUP BY
    # expression and the selected one as the same expression. ``bucket`` is validated.
    if dialect == "postgresql":
        return func.date_trunc(
            literal_column(f"'{bucket}'"),
            func.timezone(literal_column("'UTC'"), logs_t.c.timestamp),
        )
    return func.strftime(literal_column(f"'{_SQLITE_BUCKET_FORMAT[bucket]}'"), logs_t.c.timestamp)


def _percentile_sql(fraction: float) -> ColumnElement[Any]:
    return func.percentile_cont(literal_column(repr(fraction))).within_group(logs_t.c.duration_ms)


def stats_statements(
    org_id: uuid.UUID, since: datetime, until: datetime, bucket: Bucket, *, dialect: str
) -> dict[str, Select[Any]]:
    """The statements behind :func:`log_stats`, by name (exposed for query-plan checks)."""
    c = logs_t.c
    window = _window(org_id, since, until)
    errors = func.sum(case((c.status == "error", 1), else_=0))
    bucket_col = _bucket_expression(dialect, bucket).label("bucket")
    statements: dict[str, Select[Any]] = {
        "totals": select(c.integration_type, c.status, func.count().label("n"))
        .where(*window)
        .group_by(c.integration_type, c.status),
    }
    series_columns: list[Any] = [bucket_col, func.count().label("n"), errors.label("errors")]
    if dialect == "postgresql":
        series_columns += [_percentile_sql(0.5).label("p50"), _percentile_sql(0.95).label("p95")]
        statements["overall"] = select(
            _percentile_sql(0.5).label("p50"), _percentile_sql(0.95).label("p95")
        ).where(*window)
    else:
        statements["durations"] = (
            select(bucket_col, c.duration_ms)
            .where(*window, c.duration_ms.is_not(None))
            .order_by(literal_column("bucket"), c.duration_ms)
        )
    statements["series"] = select(*series_columns).where(*window).group_by(literal_column("bucket"))
    return statements


def _bucket_key(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    return value.astimezone(UTC)  # type: ignore[no-any-return]


async def log_stats(
    session: AsyncSession,
    org_id: uuid.UUID,
    since: datetime,
    until: datetime,
    bucket: Bucket,
    *,
    dialect: str,
) -> StatsResult:
    """Totals by (integration_type, status), overall and per-bucket percentiles of
    ``duration_ms``, and a zero-filled series over ``[since, until)``."""
    statements = stats_statements(org_id, since, until, bucket, dialect=dialect)
    result = StatsResult()
    totals = await session.execute(statements["totals"])
    result.totals = sorted((r.integration_type, r.status, int(r.n)) for r in totals)

    points = {start: SeriesPoint(start) for start in bucket_starts(since, until, bucket)}

    def point(value: Any) -> SeriesPoint:
        key = _bucket_key(value)
        return points.setdefault(key, SeriesPoint(key))

    for row in await session.execute(statements["series"]):
        target = point(row.bucket)
        target.count, target.errors = int(row.n), int(row.errors or 0)
        if dialect == "postgresql":
            target.p50_ms = _float(row.p50)
            target.p95_ms = _float(row.p95)

    if dialect == "postgresql":
        overall = (await session.execute(statements["overall"])).one()
        result.p50_ms, result.p95_ms = _float(overall.p50), _float(overall.p95)
    else:
        by_bucket: dict[datetime, list[int]] = {}
        everything: list[int] = []
        for row in await session.execute(statements["durations"]):
            by_bucket.setdefault(_bucket_key(row.bucket), []).append(row.duration_ms)
            everything.append(row.duration_ms)
        for key, durations in by_bucket.items():  # already sorted by the database
            target = point(key)
            target.p50_ms, target.p95_ms = percentile(durations, 0.5), percentile(durations, 0.95)
        everything.sort()
        result.p50_ms, result.p95_ms = percentile(everything, 0.5), percentile(everything, 0.95)

    result.series = [points[k] for k in sorted(points)]
    return result


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def group_totals(
    totals: Iterable[tuple[str, str, int]],
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """``{integration_type: {status: n, ..., "total": n}}`` and ``{status: n}``."""
    by_type: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    for integration_type, status, count in totals:
        entry = by_type.setdefault(integration_type, {"total": 0})
        entry[status] = entry.get(status, 0) + count
        entry["total"] += count
        by_status[status] = by_status.get(status, 0) + count
    return by_type, by_status
