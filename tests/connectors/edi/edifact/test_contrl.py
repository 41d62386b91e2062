"""CONTRL: acknowledging an accepted interchange, rejecting a broken one or one message."""

from __future__ import annotations

from datetime import datetime

from monopilot_integrations.connectors.edi.edifact import (
    Interchange,
    OutMessage,
    build_contrl,
    build_interchange,
    read_interchanges,
    validate_message,
)

from .support import edit, edited_message, read_one, sample


def _send_back(interchange: Interchange, contrl: OutMessage) -> Interchange:
    """Write the CONTRL as we would send it and read it back: it must be valid EDIFACT."""
    data = build_interchange(
        syntax_identifier=interchange.syntax_identifier,
        syntax_version=interchange.syntax_version,
        sender=interchange.recipient,
        recipient=interchange.sender,
        control_reference="CTRL0001",
        prepared_at=datetime(2026, 11, 25, 10, 0),
        messages=[contrl],
        test=interchange.test,
    )
    return read_one(data)


def _body(interchange: Interchange) -> list[tuple[str, object]]:
    [message] = interchange.messages
    assert message.type == "CONTRL" and validate_message(message) == []
    return [(s.tag, s.elements) for s in message.segments[1:-1]]


def test_accepted_interchange() -> None:
    interchange = read_one(sample("two_interchanges.edi").split(b"UNZ+1+KLOS0008814'")[1])
    issues = {m.reference: validate_message(m) for m in interchange.messages}
    contrl = build_contrl(interchange, reference="C0001", issues_by_message=issues)
    assert (contrl.type, contrl.version, contrl.release, contrl.agency) == (
        "CONTRL",
        "D",
        "3",
        "UN",
    )
    assert _body(_send_back(interchange, contrl)) == [
        ("UCI", ("ORZ00000460", ("5901234000048", "14"), ("5901234000000", "14"), "7")),
        ("UCM", ("ME000002", ("ORDERS", "D", "96A", "UN", "EAN008"), "7")),
        ("UCM", ("ME000003", ("ORDERS", "D", "96A", "UN", "EAN008"), "7")),
    ]


def test_rejected_interchange() -> None:
    [result] = read_interchanges(edit(sample("orders_d96a.edi"), "UNZ+1+ORZ", "UNZ+3+ORZ"))
    assert result.error is not None and result.partial is not None
    contrl = build_contrl(result.partial, reference="C0002", rejected=result.error)
    assert _body(_send_back(result.partial, contrl)) == [
        (
            "UCI",
            (
                "ORZ00000457",
                ("5901234000048", "14"),
                ("5901234000000", "14"),
                "4",
                "29",
                "UNZ",
                "2",
            ),
        ),
    ]


def test_rejected_message_points_at_segment_and_element() -> None:
    bad = edited_message("orders_d96a.edi", "BGM+220+", "BGM+999+")
    missing = edited_message("orders_d96a.edi", "BGM+220+ORZ/2030/03/0457+9'\n", "")
    for message, expected in [
        (bad, [("UCS", "2"), ("UCD", ("12", "2"))]),
        (missing, [("UCS", ("2", "13"))]),
    ]:
        interchange = read_one(sample("orders_d96a.edi"))
        interchange.messages = [message]
        issues = {message.reference: validate_message(message)}
        body = _body(
            _send_back(
                interchange, build_contrl(interchange, reference="C3", issues_by_message=issues)
            )
        )
        assert body[1] == ("UCM", ("ME000001", ("ORDERS", "D", "96A", "UN", "EAN008"), "4"))
        assert [
            (tag, elements if len(elements) > 1 else elements[0]) for tag, elements in body[2:]
        ] == expected


def test_warnings_do_not_reject() -> None:
    message = edited_message("orders_d96a.edi", "NAD+IV+", "NAD+XX+")
    interchange = read_one(sample("orders_d96a.edi"))
    interchange.messages = [message]
    contrl = build_contrl(
        interchange,
        reference="C4",
        issues_by_message={message.reference: validate_message(message)},
    )
    assert contrl.segments[1][1][2] == "7"


def test_an_interchange_rejected_for_its_characters_can_still_be_answered() -> None:
    data = sample("orders_unoa.edi").replace(b"CHLEB ZYTNI", b"Chleb zytni")
    [result] = read_interchanges(data)
    assert result.error is not None and result.error.code == "CHARSET"
    assert result.partial is not None and result.partial.control_reference == "LIPA000217"
    assert "Chleb zytni" in result.partial.text
    contrl = build_contrl(result.partial, reference="C5", rejected=result.error)
    assert contrl.segments[0][1][3:] == ("4", "21")
