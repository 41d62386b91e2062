"""Reading interchanges: UNA, release character, envelopes and their control counts."""

from __future__ import annotations

from datetime import datetime

import pytest

from monopilot_integrations.connectors.edi.edifact import (
    EdifactError,
    Party,
    read_interchanges,
    validate_message,
)

from .support import edit, read_one, sample

ORDERS = sample("orders_d96a.edi")


def test_header_fields_are_read() -> None:
    interchange = read_one(ORDERS)
    assert interchange.syntax_identifier == "UNOC"
    assert interchange.syntax_version == "3"
    assert interchange.sender == Party("5901234000048", "14")
    assert interchange.recipient == Party("5901234000000", "14")
    assert interchange.prepared_at == datetime(2026, 11, 25, 8, 15)
    assert interchange.control_reference == "ORZ00000457"
    assert interchange.application_reference == "ORDERS"
    assert interchange.test is False
    assert interchange.raw == ORDERS.rstrip(b"\n")
    assert interchange.text.startswith("UNA:+.? '\nUNB+UNOC:3")


def test_message_accessors() -> None:
    [message] = read_one(ORDERS).messages
    assert (message.reference, message.type, message.directory) == ("ME000001", "ORDERS", "D96A")
    assert message.association == "EAN008"
    assert message.segments[0].tag == "UNH" and message.segments[-1].tag == "UNT"
    assert message.segments[0].number == 2  # UNB is segment 1, UNA is not counted
    bgm = message.find("BGM")
    assert bgm is not None and bgm.value(1) == "ORZ/2030/03/0457"
    delivery = message.find("DTM", "2")
    assert delivery is not None and delivery.value(0, 1) == "20300312"
    buyer = message.find("NAD", "BY")
    assert buyer is not None and buyer.value(1, 0) == "5901234000048" and buyer.value(1, 1) is None
    assert [nad.qualifier for nad in message.find_all("NAD")] == ["BY", "SU", "DP", "IV"]
    lines = message.groups("LIN")
    assert [len(group) for group in lines] == [5, 5, 5, 5]
    assert [group[-1].tag for group in lines] == ["PRI"] * 4  # UNS is not part of a group
    assert lines[2][3].value(0, 1) == "1200"


def test_release_character_is_removed() -> None:
    [message] = read_one(ORDERS).messages
    ftx = message.find("FTX")
    assert ftx is not None
    assert ftx.value(3) == "Rampa nr 3: wjazd od ul. Dlugiej, awizacja 2h wczesniej"


def test_test_indicator_and_acknowledgement_request() -> None:
    data = edit(ORDERS, "+ORZ00000457++ORDERS'", "+ORZ00000457++ORDERS++1++1'")
    interchange = read_one(data)
    assert interchange.test is True
    assert interchange.acknowledgement_requested is True


def test_custom_separators_from_una() -> None:
    text = ORDERS.decode("latin-1")
    # the released colon in FTX becomes plain data: ':' is no separator any more
    custom = (
        text.replace("?:", "\x00")
        .replace(":", "|")
        .replace("+", "^")
        .replace("'", "~")
        .replace("?", "#")
        .replace("\x00", ":")
    )
    assert custom.startswith("UNA|^.# ~")
    interchange = read_one(custom.encode("latin-1"))
    [message] = interchange.messages
    [original] = read_one(ORDERS).messages
    assert [(s.tag, s.elements) for s in message.segments] == [
        (s.tag, s.elements) for s in original.segments
    ]
    assert interchange.characters.terminator == "~"


def test_release_character_releases_every_separator() -> None:
    data = edit(ORDERS, "FTX+DEL+++Rampa nr 3?: wjazd", "FTX+DEL+++A?+B?:C?'D??E?: wjazd")
    [message] = read_one(data).messages
    ftx = message.find("FTX")
    assert ftx is not None and (ftx.value(3) or "").startswith("A+B:C'D?E: wjazd")
    assert validate_message(message) == []


def test_segments_without_line_breaks_and_with_crlf() -> None:
    one_line = ORDERS.replace(b"\n", b"")
    crlf = ORDERS.replace(b"\n", b"\r\n")
    expected = [(s.tag, s.elements) for s in read_one(ORDERS).messages[0].segments]
    for data in (one_line, crlf):
        assert [(s.tag, s.elements) for s in read_one(data).messages[0].segments] == expected


def test_several_interchanges_in_one_file() -> None:
    results = read_interchanges(sample("two_interchanges.edi"))
    assert [r.error for r in results] == [None, None]
    assert [r.interchange.control_reference for r in results if r.interchange] == [
        "KLOS0008814",
        "ORZ00000460",
    ]
    assert [len(r.interchange.messages) for r in results if r.interchange] == [1, 2]
    assert results[0].raw.endswith(b"UNZ+1+KLOS0008814'")
    assert results[1].raw.startswith(b"UNA:+.? '\nUNB+UNOC:3+5901234000048")


def test_a_broken_interchange_does_not_hide_the_others() -> None:
    first = sample("two_interchanges.edi")
    broken = edit(ORDERS, "UNT+39+ME000001'", "UNT+38+ME000001'")
    data = first + broken + sample("recadv_d96a.edi")
    results = read_interchanges(data)
    assert len(results) == 4
    assert [r.error.code if r.error else None for r in results] == [None, None, "UNT_COUNT", None]
    assert results[2].interchange is None
    assert results[2].partial is not None and results[2].partial.control_reference == "ORZ00000457"
    assert results[3].interchange is not None
    assert results[3].interchange.messages[0].type == "RECADV"


def test_garbage_between_interchanges_is_its_own_error() -> None:
    data = ORDERS + b"this is not edifact'\n" + sample("recadv_d96a.edi")
    results = read_interchanges(data)
    assert [r.error.code if r.error else None for r in results] == [None, "ENVELOPE", None]
    assert results[1].raw.startswith(b"this is not")


def test_missing_unz_ends_at_the_next_interchange() -> None:
    text = ORDERS.decode().replace("UNZ+1+ORZ00000457'\n", "")
    results = read_interchanges(text.encode() + sample("recadv_d96a.edi"))
    assert results[0].error is not None
    assert results[0].error.code == "ENVELOPE"
    assert "UNZ" in str(results[0].error)
    assert results[1].error is None


@pytest.mark.parametrize(
    ("old", "new", "code", "number", "tag"),
    [
        ("UNT+39+ME000001'", "UNT+40+ME000001'", "UNT_COUNT", 40, "UNT"),
        ("UNT+39+ME000001'", "UNT+39+ME000009'", "UNT_REFERENCE", 40, "UNT"),
        ("UNZ+1+ORZ00000457'", "UNZ+2+ORZ00000457'", "UNZ_COUNT", 41, "UNZ"),
        ("UNZ+1+ORZ00000457'", "UNZ+1+ORZ00000999'", "UNZ_REFERENCE", 41, "UNZ"),
        ("UNT+39+ME000001'", "UNT+X+ME000001'", "ENVELOPE", 40, "UNT"),
        ("261125:0815", "261325:0815", "ENVELOPE", 1, "UNB"),
        ("UNOC:3", "UNOC:7", "ENVELOPE", 1, "UNB"),
        ("UNH+ME000001+ORDERS:D:96A:UN:EAN008'", "UNH+ME000001+ORDERS'", "ENVELOPE", 2, "UNH"),
        ("CUX+2:PLN:9'\n", "CUX+2:PLN:9'\nUNH+X+ORDERS:D:96A:UN'\n", "ENVELOPE", 18, "UNH"),
    ],
)
def test_envelope_faults_are_precise(old: str, new: str, code: str, number: int, tag: str) -> None:
    [result] = read_interchanges(edit(ORDERS, old, new))
    assert result.interchange is None
    error = result.error
    assert error is not None
    assert (error.code, error.segment_number, error.tag) == (code, number, tag)
    assert str(error).startswith(f"segment {number} ({tag}): ")


def test_unt_count_message_says_both_numbers() -> None:
    [result] = read_interchanges(edit(ORDERS, "UNT+39+ME000001'", "UNT+40+ME000001'"))
    assert str(result.error) == (
        "segment 40 (UNT): UNT declares 40 segments but message ME000001 has 39"
        " (UNH to UNT inclusive)"
    )


def test_segment_outside_a_message() -> None:
    [result] = read_interchanges(edit(ORDERS, "UNZ+1+", "FTX+AAI+++STRAY'\nUNZ+1+"))
    assert result.error is not None
    assert (result.error.code, result.error.segment_number) == ("ENVELOPE", 41)
    assert "expected UNH or UNZ, found FTX" in str(result.error)


def test_unterminated_last_segment() -> None:
    [result] = read_interchanges(ORDERS.rstrip(b"'\n"))
    assert result.error is not None and result.error.code == "SYNTAX"
    assert result.error.segment_number == 41


def test_bad_una() -> None:
    [result] = read_interchanges(b"UNA:::? '" + ORDERS[9:])
    assert result.error is not None and result.error.code == "UNA"


def test_functional_groups_are_counted() -> None:
    text = ORDERS.decode()
    text = text.replace(
        "UNH+ME000001",
        "UNG+ORDERS+5901234000048:14+5901234000000:14+261125:0815+G1+UN+D:96A'\nUNH+ME000001",
    ).replace("UNZ+1+", "UNE+1+G1'\nUNZ+1+")
    interchange = read_one(text.encode())
    assert len(interchange.messages) == 1
    [result] = read_interchanges(text.replace("UNE+1+G1", "UNE+1+G2").encode())
    assert result.error is not None and "UNE reference" in str(result.error)


@pytest.mark.parametrize("data", [b"", b"   \n", b"hello world", b"\x00\xff" * 50, b"ISA*00*"])
def test_not_edifact_at_all(data: bytes) -> None:
    with pytest.raises(EdifactError) as caught:
        read_interchanges(data)
    assert caught.value.code == "NOT_EDIFACT"


def test_byte_order_mark_is_tolerated() -> None:
    assert read_one(b"\xef\xbb\xbf" + ORDERS).control_reference == "ORZ00000457"


def test_a_file_of_endless_fragments_is_cut_off() -> None:
    results = read_interchanges(b"UNB'" * 5000 + ORDERS)
    assert len(results) == 1001
    assert {r.error.code for r in results[:1000] if r.error} == {"ENVELOPE"}
    last = results[-1].error
    assert last is not None and last.code == "LIMIT"
    assert "more than 1000 interchanges" in str(last)
