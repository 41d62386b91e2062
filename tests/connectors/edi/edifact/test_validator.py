"""Validation against the directory: each fault has its code, segment number and tag."""

from __future__ import annotations

import pytest

from monopilot_integrations.connectors.edi.edifact import Issue, validate_message

from .support import edited_message, sample_message

ORDERS = "orders_d96a.edi"


def _only(issues: list[Issue], code: str) -> Issue:
    found = [issue for issue in issues if issue.code == code]
    assert len(found) == 1, issues
    return found[0]


def test_missing_mandatory_segment() -> None:
    issues = validate_message(edited_message(ORDERS, "BGM+220+ORZ/2030/03/0457+9'\n", ""))
    issue = _only(issues, "MANDATORY")
    assert (issue.segment_number, issue.tag, issue.expected) == (3, "BGM", "BGM")
    assert issue.message == "segment 3 (BGM): mandatory BGM missing (found DTM)"


def test_wrong_order_inside_a_group() -> None:
    message = edited_message(
        ORDERS,
        "PIA+1+CHL-ZYT-500:SA'\nIMD+F++:::Chleb zytni 500 g'",
        "IMD+F++:::Chleb zytni 500 g'\nPIA+1+CHL-ZYT-500:SA'",
    )
    [issue] = validate_message(message)
    assert (issue.code, issue.segment_number, issue.tag) == ("STRUCTURE", 20, "PIA")
    assert issue.message.startswith("segment 20 (PIA): expected IMD, MEA, QTY")
    assert issue.message.endswith("found PIA")


def test_segment_after_the_section_control() -> None:
    message = edited_message(ORDERS, "UNS+S'\n", "UNS+S'\nQTY+21:5'\n")
    [issue] = validate_message(message)
    assert issue.code == "STRUCTURE"
    assert issue.message == "segment 39 (QTY): expected MOA, CNT, ALC or UNT, found QTY"
    assert issue.expected == "MOA, CNT, ALC or UNT"


def test_too_many_repeats_of_a_segment() -> None:
    message = edited_message(ORDERS, "FTX+DEL", "PAI+::42'\nPAI+::10'\nFTX+DEL")
    [issue] = validate_message(message)
    assert (issue.code, issue.segment_number, issue.tag) == ("REPEAT", 7, "PAI")
    assert issue.message == "segment 7 (PAI): PAI occurs more often than the 1 allowed"


def test_too_many_repeats_of_a_group() -> None:
    message = edited_message(ORDERS, "CUX+2:PLN:9'\n", "CUX+2:PLN:9'\n" * 6)
    [issue] = validate_message(message)
    assert (issue.code, issue.segment_number, issue.tag) == ("REPEAT", 22, "CUX")
    assert "SG7 (CUX) occurs more often than the 5 allowed" in issue.message


@pytest.mark.parametrize("tag", ["XYZ", "CPS"])
def test_unknown_segment(tag: str) -> None:
    message = edited_message(ORDERS, "CUX+2:PLN:9'\n", f"CUX+2:PLN:9'\n{tag}+1'\n")
    [issue] = validate_message(message)
    assert (issue.code, issue.segment_number, issue.tag) == ("UNKNOWN_SEGMENT", 18, tag)
    assert issue.message.startswith(f"segment 18 ({tag}): {tag} is not a segment of ORDERS D96A")


def test_bad_document_code() -> None:
    issues = validate_message(edited_message(ORDERS, "BGM+220+", "BGM+380+"))
    issue = _only(issues, "QUALIFIER")
    assert (issue.segment_number, issue.tag, issue.element) == (3, "BGM", 0)
    assert "document code '380' is not allowed in ORDERS" in issue.message


def test_bad_quantity_qualifier_and_the_missing_ordered_quantity() -> None:
    issues = validate_message(edited_message(ORDERS, "QTY+21:240'", "QTY+47:240'"))
    qualifier = _only(issues, "QUALIFIER")
    assert (qualifier.segment_number, qualifier.tag) == (21, "QTY")
    missing = _only(issues, "MANDATORY")
    assert (missing.segment_number, missing.tag, missing.expected) == (18, "QTY", "QTY+21")
    assert "in the LIN group" in missing.message


def test_missing_supplier_party() -> None:
    message = edited_message(ORDERS, "NAD+SU+5901234000000::9'\nRFF+VA:PL5251000017'\n", "")
    issue = _only(validate_message(message), "MANDATORY")
    assert (issue.tag, issue.expected) == ("NAD", "NAD+SU")


def test_mandatory_group_missing() -> None:
    message = edited_message(
        "invoic_d96a.edi",
        "MOA+79:3552.00'\nMOA+125:3552.00'\nMOA+176:177.60'\nMOA+77:3729.60'\n",
        "",
    )
    issue = _only(validate_message(message), "MANDATORY")
    assert (issue.tag, issue.segment_number) == ("MOA", 36)
    assert "mandatory SG48 (MOA) missing (found TAX)" in issue.message


@pytest.mark.parametrize(
    ("old", "new", "number", "tag", "text"),
    [
        ("NAD+BY+5901234000048::9'", "NAD+BY+5901234000049::9'", 9, "NAD", "not a valid GLN"),
        ("LIN+1++5901234100014:EN'", "LIN+1++5901234100015:EN'", 18, "LIN", "valid GTIN"),
        ("DTM+2:20300312:102'", "DTM+2:20300231:102'", 5, "DTM", "not a valid date"),
        ("QTY+21:240'", "QTY+21:24O'", 21, "QTY", "is not a number"),
        ("PRI+AAA:5.60'", "PRI+AAA:5,6,0'", 22, "PRI", "is not a number"),
    ],
)
def test_bad_values(old: str, new: str, number: int, tag: str, text: str) -> None:
    issue = _only(validate_message(edited_message(ORDERS, old, new)), "VALUE")
    assert (issue.segment_number, issue.tag, issue.severity) == (number, tag, "error")
    assert text in issue.message


def test_bad_sscc_in_desadv() -> None:
    message = edited_message(
        "desadv_d96a.edi", "GIN+BJ+359012340000000018'", "GIN+BJ+359012340000000019'"
    )
    issue = _only(validate_message(message), "VALUE")
    assert (issue.segment_number, issue.tag) == (16, "GIN")


def test_unknown_party_and_date_qualifiers_are_warnings() -> None:
    message = edited_message(ORDERS, "NAD+IV+", "NAD+XX+")
    [issue] = validate_message(message)
    assert (issue.code, issue.severity, issue.segment_number) == ("QUALIFIER", "warning", 14)


def test_unsupported_message_type_or_directory() -> None:
    message = edited_message(ORDERS, "ORDERS:D:96A:UN", "ORDCHG:D:96A:UN")
    [issue] = validate_message(message)
    assert (issue.code, issue.segment_number, issue.tag) == ("UNSUPPORTED", 2, "UNH")
    message = edited_message(ORDERS, "ORDERS:D:96A:UN", "ORDERS:D:99Z:UN")
    [issue] = validate_message(message)
    assert issue.code == "UNSUPPORTED" and "D99Z" in issue.message


def test_the_directory_decides() -> None:
    """GIR may stand in the D01B ORDERS header, not in the D96A one."""
    d01b = edited_message("orders_d01b.edi", "NAD+BY", "GIR+3+B1:BX'\nNAD+BY")
    assert validate_message(d01b) == []
    d96a = edited_message(ORDERS, "RFF+CT", "GIR+3+B1:BX'\nRFF+CT")
    [issue] = validate_message(d96a)
    assert (issue.code, issue.tag) == ("STRUCTURE", "GIR")


def test_all_findings_of_one_message_are_reported() -> None:
    message = edited_message(
        ORDERS, "BGM+220+ORZ/2030/03/0457+9'", "BGM+999+ORZ/2030/03/0457+9'\nXYZ+1'"
    )
    codes = [issue.code for issue in validate_message(message)]
    assert codes == ["QUALIFIER", "UNKNOWN_SEGMENT"]


def test_groups_follow_the_directory() -> None:
    message = sample_message("desadv_d96a.edi")
    groups = message.groups("LIN")
    assert [group[0].value(0) for group in groups] == ["1", "2", "3"]
    assert [segment.tag for segment in groups[0]] == ["LIN", "QTY", "PCI", "DTM", "GIN"]
    assert len(message.groups("CPS")) == 4
