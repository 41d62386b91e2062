"""Property: whatever the bytes, only EdifactError (or a ReadResult carrying one) comes out.

Mutations of the real samples (truncation, byte flips, insertions, deletions, duplicated
slices, separator swaps) reach much deeper than random bytes, which never get past UNB.
Every read is followed by validation and a CONTRL round, as the inbound flow does.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monopilot_integrations.connectors.edi.edifact import (
    ERROR_CODES,
    EdifactError,
    Interchange,
    Party,
    build_contrl,
    build_interchange,
    read_interchanges,
    validate_message,
)

from .support import SAMPLE_NAMES, sample

SAMPLES = [sample(name) for name in SAMPLE_NAMES]
INTERESTING = [
    b"'",
    b"+",
    b":",
    b"?",
    b"UNA:+.? '",
    b"UNB+",
    b"UNH+",
    b"UNT+",
    b"UNZ+",
    b"\n",
    b"\x00",
    b"\xff",
    "ż".encode(),
    b"??",
    b"?'",
    b"UNA",
    b"*",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "duplicate"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            del data[position:]
        elif kind == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "insert":
            piece = draw(st.one_of(st.sampled_from(INTERESTING), st.binary(max_size=8)))
            data[position:position] = piece
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
    return bytes(data)


def _acknowledge(interchange: Interchange, error: EdifactError | None) -> None:
    issues = None if error else {m.reference: validate_message(m) for m in interchange.messages}
    contrl = build_contrl(interchange, reference="C1", issues_by_message=issues, rejected=error)
    try:
        build_interchange(
            syntax_identifier="UNOY",
            syntax_version="4",
            sender=Party("5901234000000", "14"),
            recipient=Party("5901234000048", "14"),
            control_reference="C1",
            prepared_at=datetime(2026, 1, 1),
            messages=[contrl],
            test=True,
        )
    except EdifactError as refused:  # e.g. a mangled reference longer than 14 characters
        assert refused.code in ERROR_CODES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_samples_only_ever_give_edifact_errors(data: bytes) -> None:
    try:
        results = read_interchanges(data)
    except EdifactError as error:
        assert error.code == "NOT_EDIFACT"
        return
    assert results
    assert all(result.raw in data for result in results)
    for result in results:
        assert (result.interchange is None) != (result.error is None)
        if result.error is not None:
            assert result.error.code in ERROR_CODES
            assert str(result.error)
            if result.partial is not None:
                _acknowledge(result.partial, result.error)
        else:
            assert result.interchange is not None
            for message in result.interchange.messages:
                for issue in validate_message(message):
                    assert issue.code in ERROR_CODES and issue.message
            _acknowledge(result.interchange, None)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    try:
        results = read_interchanges(b"UNB+" + data)
    except EdifactError as error:
        assert error.code == "NOT_EDIFACT"
        return
    for result in results:
        assert result.error is None or result.error.code in ERROR_CODES
