"""Property: whatever the bytes, only EdifactError (or a ReadResult carrying one) comes out.

Mutations of the real samples (truncation, byte flips, insertions, deletions, duplicated
slices, separator swaps) reach much deeper than random bytes, which never get past UNB.
Every read is followed by validation and a CONTRL round, as the inbound flow does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monopilot_integrations.connectors.edi.edifact import (
    ERROR_CODES,
    EdifactError,
    Interchange,
    Message,
    Party,
    build_contrl,
    build_interchange,
    read_interchanges,
    validate_message,
)
from monopilot_integrations.connectors.edi.inbound.orders import build_sales_order, read_order
from monopilot_integrations.core.domain.orders import NewSalesOrder
from monopilot_integrations.core.domain.parties import Customer
from monopilot_integrations.core.domain.products import Product
from tests.support.fuzz import fuzz_settings

from .support import SAMPLE_NAMES, sample

ORG = uuid.UUID("00000000-0000-4000-8000-00000000f022")
NOW = datetime(2026, 11, 26, tzinfo=UTC)
CUSTOMER = Customer(id=uuid.uuid4(), org_id=ORG, code="ORZEL", name="Orzeł", gln="5901234000048")
PRODUCT = Product(
    id=uuid.uuid4(), org_id=ORG, code="CHL-PSZ-600", gtin="5901234123457", name="Chleb",
    unit="pcs", price=Decimal(1), currency="PLN", vat_rate=Decimal(5), reorder_level=Decimal(0),
    active=True, created_at=NOW, updated_at=NOW,
)  # fmt: skip

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


@pytest.mark.fuzz
@fuzz_settings(300)
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
                if message.type == "ORDERS":
                    _map_order(message)
            _acknowledge(result.interchange, None)


@pytest.mark.fuzz
@fuzz_settings(100)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    try:
        results = read_interchanges(b"UNB+" + data)
    except EdifactError as error:
        assert error.code == "NOT_EDIFACT"
        return
    for result in results:
        assert result.error is None or result.error.code in ERROR_CODES


def _map_order(message: Message) -> None:
    """The ORDERS mapper on whatever the reader let through: a document whose every
    problem is a sentence, and either an order to create or the reasons there is none."""
    for decimal_mark in (".", ","):
        document = read_order(message, decimal_mark)
        assert all(isinstance(p, str) and p for p in document.problems)
        for products in ({}, {line.position: PRODUCT for line in document.lines}):
            for customer in (None, CUSTOMER):
                mapped = build_sales_order(
                    document, customer=customer, products=products, today=date(2026, 11, 26)
                )
                assert all(isinstance(e, str) and e for e in mapped.errors)
                if mapped.order is not None:
                    assert isinstance(mapped.order, NewSalesOrder)
                    assert mapped.order.lines
                else:
                    assert mapped.errors
