"""The buffered flush inserts in batches (on PostgreSQL through asyncpg's COPY): rows must
read back exactly like rows written in a session, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.db.tables import LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.logs.writer import LogEntry
from tests.core.helpers import ORG_A

FIELDS = [column.key for column in LogRow.__table__.columns if column.key != "id"]


def _entry(tag: str, when: datetime) -> LogEntry:
    return LogEntry(
        org_id=ORG_A,
        integration_type="api",
        event_type=f"POST /api/{tag}",
        direction="inbound",
        status="warning",
        request_body={"text": "zażółć ☃", "n": [1, 2.5, None], "nested": {"ok": True}},
        response_body="plain text",
        http_status=422,
        error_message="bad input",
        error_class="ValidationError",
        job_id=uuid.uuid4(),
        webhook_id=uuid.uuid4(),
        connector="flaky",
        external_system="ACME",
        retry_count=2,
        duration_ms=17,
        timestamp=when,
    )


async def test_bulk_flushed_rows_equal_rows_written_in_a_session(kernel: Kernel) -> None:
    writer = kernel.runtime().log_writer
    # A non-UTC offset and a whole second (no microseconds) are the two formatting traps.
    when = datetime(2026, 3, 29, 3, 30, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Warsaw"))
    via_session, via_bulk = _entry("a", when), _entry("b", when)
    via_bulk.job_id, via_bulk.webhook_id = via_session.job_id, via_session.webhook_id
    async with kernel.session(ORG_A) as session:
        await writer.write(session, via_session)
    writer.add(via_bulk)
    third = _entry("c", when)
    writer.add(third)  # a batch of rows
    assert await writer.flush() == 2

    async with kernel.session(ORG_A) as session:
        rows = {r.id: r for r in (await session.execute(select(LogRow))).scalars()}
        a, b = rows[via_session.id], rows[via_bulk.id]
        for field in FIELDS:
            if field == "event_type":
                continue
            assert getattr(a, field) == getattr(b, field), field
        assert b.timestamp == when and b.timestamp.tzinfo is not None
        assert b.request_body["text"] == "zażółć ☃"
        # Time comparisons in SQL see the bulk row exactly where the typed one is.
        window = select(LogRow.id).where(
            LogRow.timestamp >= when, LogRow.timestamp < when + timedelta(microseconds=1)
        )
        assert set((await session.execute(window)).scalars()) == {a.id, b.id, third.id}


async def test_a_batch_with_a_refused_row_keeps_the_others(kernel: Kernel) -> None:
    writer = kernel.runtime().log_writer
    good = _entry("good", datetime.now(UTC))
    dangling = _entry("dangling", datetime.now(UTC))
    dangling.api_key_id = uuid.uuid4()  # no such key: the foreign key refuses the row
    writer.add(good)
    writer.add(dangling)
    assert await writer.flush() == 2  # the dangling one is kept without its reference
    async with kernel.session(ORG_A) as session:
        rows = {r.id: r for r in (await session.execute(select(LogRow))).scalars()}
    assert set(rows) == {good.id, dangling.id}
    assert rows[dangling.id].api_key_id is None


async def test_a_bytes_body_that_is_not_json_is_logged_as_text(kernel: Kernel) -> None:
    writer = kernel.runtime().log_writer
    good = _entry("good", datetime.now(UTC))
    odd = _entry("odd", datetime.now(UTC))
    odd.request_body = b"not JSON at all"  # stored as the text it holds
    writer.add(good)
    writer.add(odd)
    assert await writer.flush() == 2
    async with kernel.session(ORG_A) as session:
        rows = {r.id: r for r in (await session.execute(select(LogRow))).scalars()}
    assert set(rows) == {good.id, odd.id}
    assert rows[odd.id].request_body == "not JSON at all"  # a JSON string: readable back


async def test_a_plain_row_equals_the_same_entry_added(kernel: Kernel) -> None:
    """``add_plain`` (the API path's lean row) stores exactly what ``add`` of the same
    entry stores."""
    writer = kernel.runtime().log_writer
    entry = LogEntry(
        org_id=ORG_A,
        integration_type="api",
        event_type="GET /api/plain",
        direction="inbound",
        status="success",
        http_status=200,
        duration_ms=3,
    )
    writer.add(entry)
    writer.add_plain(ORG_A, "api", "GET /api/plain", "inbound", "success", 200, duration_ms=3)
    assert await writer.flush() == 2
    async with kernel.session(ORG_A) as session:
        rows = list((await session.execute(select(LogRow))).scalars())
    assert len(rows) == 2
    added, plain = (rows[0], rows[1]) if rows[0].id == entry.id else (rows[1], rows[0])
    for field in FIELDS:
        if field in ("timestamp", "created_at"):
            continue
        assert getattr(added, field) == getattr(plain, field), field
    assert plain.id.version == 7 and plain.timestamp is not None


async def test_a_plain_row_is_checked_like_an_entry(kernel: Kernel) -> None:
    writer = kernel.runtime().log_writer
    with pytest.raises(ValueError, match="sideways"):
        writer.add_plain(ORG_A, "api", "GET /x", "sideways", "success", 200)
    assert writer.pending == 0


def test_ids_are_version_7_time_ordered_and_ordinary_uuids() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for made in ids[:50]:
        assert made.version == 7 and made.variant == uuid.RFC_4122
        again = uuid.UUID(str(made))  # built the slow way: equal, same hash, same order
        assert again == made and hash(again) == hash(made) and again.int == made.int
    millis = [made.int >> 80 for made in ids]
    assert millis == sorted(millis)
    assert abs(millis[-1] - time.time_ns() // 1_000_000) < 5_000


async def test_many_rows_are_all_written(kernel: Kernel) -> None:
    """Batches larger than the writer's batch size."""
    writer = kernel.runtime().log_writer
    for n in range(1234):
        writer.add_plain(ORG_A, "api", f"GET /api/many/{n}", "inbound", "success", 200)
    assert await writer.flush() == 1234
    async with kernel.session(ORG_A) as session:
        labels = set((await session.execute(select(LogRow.event_type))).scalars())
    assert labels == {f"GET /api/many/{n}" for n in range(1234)}
