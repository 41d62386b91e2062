"""GS1 check digits, the error-code documentation and the shipped directory files."""

from __future__ import annotations

from pathlib import Path

import pytest

from monopilot_integrations.connectors.edi.edifact import (
    ERROR_CODES,
    EdifactError,
    Issue,
    check_digit,
    is_valid_gln,
    is_valid_gtin,
    is_valid_sscc,
    known_directories,
    syntax_error_code,
    with_check_digit,
)
from monopilot_integrations.connectors.edi.edifact.structure import get_structure

DOC = Path(__file__).resolve().parents[4] / "docs" / "edi-syntax.md"


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("590123400000", "0"),
        ("590123400004", "8"),
        ("590123410001", "4"),
        ("35901234000000001", "8"),
        ("9638507", "4"),
        ("0001234560001", "2"),
    ],
)
def test_check_digit(body: str, digit: str) -> None:
    assert check_digit(body) == digit
    assert with_check_digit(body) == body + digit


def test_validity_by_kind() -> None:
    assert is_valid_gln("5901234000048") and not is_valid_gln("5901234000049")
    assert not is_valid_gln("59012340000480")  # right digit, wrong length
    assert is_valid_gtin("96385074") and is_valid_gtin("5901234100014")
    assert is_valid_sscc("359012340000000018") and not is_valid_sscc("5901234100014")
    assert not is_valid_gtin("59012341000\uff114")  # a full-width (non-ASCII) digit
    assert not is_valid_gtin("")


def test_check_digit_refuses_non_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        check_digit("59A")


def test_every_error_code_is_documented_and_mapped_for_contrl() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code in ERROR_CODES:
        assert f"`{code}`" in text, code
        assert syntax_error_code(code).isdigit()


def test_error_text_carries_the_position() -> None:
    error = EdifactError(
        "STRUCTURE",
        "expected LIN or UNS, found QTY",
        segment_number=14,
        tag="QTY",
        expected="LIN or UNS",
    )
    assert str(error) == "segment 14 (QTY): expected LIN or UNS, found QTY"
    issue = error.to_issue()
    assert issue == Issue("STRUCTURE", str(error), 14, "QTY", "LIN or UNS")
    again = issue.to_error()
    assert (str(again), again.code, again.detail) == (str(error), "STRUCTURE", error.detail)


def test_shipped_directories_hold_the_five_message_types() -> None:
    assert known_directories() == ["D01B", "D96A"]
    for directory in known_directories():
        for message_type in ("ORDERS", "ORDRSP", "INVOIC", "DESADV", "RECADV"):
            structure = get_structure(directory, message_type)
            assert structure.rules[0].trigger == "UNH"
            assert structure.rules[-1].trigger == "UNT"
    with pytest.raises(EdifactError) as caught:
        get_structure("D96A", "IFTMIN")
    assert caught.value.code == "UNSUPPORTED"
