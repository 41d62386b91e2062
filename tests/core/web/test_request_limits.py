"""The kernel's request limits, unit by unit: JSON decoding, field bounds, UTC clamping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pydantic
import pytest
from sqlalchemy.dialects import postgresql, sqlite

from monopilot_integrations.core.db.types import UTCDateTime
from monopilot_integrations.core.web.fields import (
    EARLIEST,
    LATEST,
    AwareTimestamp,
    Offset,
    out_of_range,
    utc_clamped,
)
from monopilot_integrations.core.web.json_body import MAX_JSON_DEPTH, decode_json, depth_exceeds
from monopilot_integrations.core.web.problems import Problem

PLUS_14 = timezone(timedelta(hours=14))
MINUS_14 = timezone(-timedelta(hours=14))


def refused(raw: bytes) -> Problem:
    with pytest.raises(Problem) as caught:
        decode_json(raw)
    return caught.value


@pytest.mark.parametrize(
    "raw",
    [b'"\\ud800"', b'{"a": "x\\uDC00"}', b'{"\\udbff": 1}', b'["\\ud83d"]', b'"\\ude00\\ud83d"'],
)
def test_lone_surrogates_are_a_422(raw: bytes) -> None:
    problem = refused(raw)
    assert problem.status_code == 422
    assert "surrogate" in problem.detail


@pytest.mark.parametrize("raw", [b'"\\ud83d\\ude00"', b'"\\\\ud800"', b'{"a": "\\u00e9"}'])
def test_pairs_and_escaped_backslashes_are_accepted(raw: bytes) -> None:
    assert decode_json(raw) == json.loads(raw)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 999, 1_000, 50_000])
def test_nesting_past_the_limit_is_a_422(depth: int) -> None:
    for raw in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        problem = refused(raw.encode())
        assert (problem.status_code, problem.kind) == (422, "too-deep")


def test_nesting_at_the_limit_is_accepted() -> None:
    raw = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert depth_exceeds(decode_json(raw.encode()), MAX_JSON_DEPTH) is False
    # Brackets inside strings are not nesting.
    assert decode_json(json.dumps({"a": "[" * 500}).encode()) == {"a": "[" * 500}


def test_invalid_json_and_nul_keep_their_answers() -> None:
    assert refused(b"{").status_code == 400
    assert refused(b'"\xff"').status_code == 400
    assert refused(b'{"a": "\\u0000"}').status_code == 422
    assert decode_json(b"") is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(1, 1, 1, tzinfo=PLUS_14), EARLIEST),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_14), LATEST),
        (datetime(1, 1, 1, 12, tzinfo=UTC), EARLIEST),
        (datetime(9999, 12, 31, 12, tzinfo=UTC), LATEST),
        (datetime(2026, 3, 1, 14, tzinfo=PLUS_14), datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_timestamps_are_utc_and_clamped(moment: datetime, expected: datetime) -> None:
    assert utc_clamped(moment) == expected
    assert utc_clamped(moment).tzinfo is UTC
    # a day either side still fits in a datetime
    assert utc_clamped(moment) - timedelta(days=1) < utc_clamped(moment) + timedelta(days=1)


class Query(pydantic.BaseModel):
    offset: Offset = 0
    since: AwareTimestamp | None = None
    count: int = 0
    plain: datetime | None = None
    nested: list[Query] = []


def test_declared_bounds_and_the_range_net() -> None:
    with pytest.raises(pydantic.ValidationError):
        Query(offset=2**63)
    assert Query(since="0001-01-01T00:00:00+14:00").since == EARLIEST  # type: ignore[arg-type]
    wild = Query(
        count=2**63,
        plain=datetime(9999, 12, 31, 23, tzinfo=MINUS_14),
        nested=[Query(count=-(2**63) - 1)],
    )
    assert [e["path"] for e in out_of_range(wild)] == ["/count", "/plain", "/nested/0/count"]
    assert out_of_range(Query(count=2**63 - 1)) == []


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_the_column_type_clamps_what_has_no_utc_form(dialect: object) -> None:
    column = UTCDateTime()
    low = column.process_bind_param(datetime(1, 1, 1, tzinfo=PLUS_14), dialect)  # type: ignore[arg-type]
    high = column.process_bind_param(datetime(9999, 12, 31, 23, tzinfo=MINUS_14), dialect)  # type: ignore[arg-type]
    assert low is not None and high is not None
    assert (low.year, high.year) == (1, 9999)
