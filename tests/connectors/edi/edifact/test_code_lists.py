"""Code lists per directory: EANCOM 1997 (D96A) and EANCOM 2002 (D01B) code differently."""

from __future__ import annotations

from datetime import datetime

import pytest

from monopilot_integrations.connectors.edi.edifact import (
    EdifactError,
    OutMessage,
    Party,
    build_interchange,
    read_interchanges,
    validate_message,
)
from monopilot_integrations.connectors.edi.edifact.codes import CODE_LISTS
from monopilot_integrations.connectors.edi.edifact.model import Element

from .support import SAMPLE_NAMES, edit, read_one, sample

TYPES = {"ORDERS", "ORDRSP", "INVOIC", "DESADV", "RECADV"}


def test_every_message_type_has_a_sample_in_both_directories() -> None:
    found = {
        (message.type, message.directory)
        for name in SAMPLE_NAMES
        for result in read_interchanges(sample(name))
        if result.interchange
        for message in result.interchange.messages
    }
    assert found == {(kind, directory) for kind in TYPES for directory in ("D96A", "D01B")}


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_hold_only_codes_of_their_own_directory(name: str) -> None:
    for result in read_interchanges(sample(name)):
        assert result.interchange is not None
        for message in result.interchange.messages:
            assert validate_message(message, outbound=True) == [], name


def test_a_receiving_advice_is_352_in_d96a_and_632_in_d01b() -> None:
    assert CODE_LISTS["D96A"].document_codes["RECADV"] == {"352"}
    assert CODE_LISTS["D01B"].document_codes["RECADV"] == {"632"}
    [d96a] = read_one(sample("recadv_d96a.edi")).messages
    assert d96a.find("BGM").value(0) == "352"  # type: ignore[union-attr]
    assert validate_message(d96a) == []


@pytest.mark.parametrize(
    ("name", "old", "new", "tag"),
    [
        ("recadv_d96a.edi", "BGM+352+", "BGM+632+", "BGM"),
        ("recadv_d01b.edi", "BGM+632+", "BGM+352+", "BGM"),
        ("orders_d96a.edi", "LIN+1++5901234100014:EN'", "LIN+1++5901234100014:SRV'", "LIN"),
        ("orders_d01b.edi", "LIN+1++5901234100052:SRV'", "LIN+1++5901234100052:EN'", "LIN"),
        ("invoic_d96a.edi", "LIN+2++5901234100021:EN'", "LIN+2++5901234100021:SRV'", "LIN"),
        ("desadv_d01b.edi", "LIN+2++5901234100045:SRV'", "LIN+2++5901234100045:EN'", "LIN"),
    ],
)
def test_a_code_of_the_other_directory_is_a_warning_inbound_and_refused_outbound(
    name: str, old: str, new: str, tag: str
) -> None:
    [message] = read_one(edit(sample(name), old, new)).messages
    [inbound] = validate_message(message)
    assert (inbound.code, inbound.severity, inbound.tag) == ("QUALIFIER", "warning", tag)
    [outbound] = validate_message(message, outbound=True)
    assert (outbound.code, outbound.severity, outbound.tag) == ("QUALIFIER", "error", tag)
    other = "D01B" if message.directory == "D96A" else "D96A"
    assert f"is a {other} code, not one of {message.type} {message.directory}" in outbound.message


def test_a_document_code_of_no_directory_is_refused_inbound() -> None:
    [message] = read_one(edit(sample("recadv_d96a.edi"), "BGM+352+", "BGM+999+")).messages
    [issue] = validate_message(message)
    assert (issue.code, issue.severity) == ("QUALIFIER", "error")
    assert "document code '999' is not allowed in RECADV D96A (allowed: 352)" in issue.message


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        ("RFF+ON:", "RFF+ZZZ:", "reference qualifier 'ZZZ'"),
        ("MOA+77:", "MOA+7777:", "amount qualifier '7777'"),
        ("DTM+35:", "DTM+9999:", "date qualifier '9999'"),
        ("NAD+DP+", "NAD+XX+", "party qualifier 'XX'"),
    ],
)
def test_unknown_qualifiers_warn_inbound_and_are_refused_outbound(
    old: str, new: str, what: str
) -> None:
    [message] = read_one(edit(sample("invoic_d96a.edi"), old, new)).messages
    [inbound] = validate_message(message)
    assert inbound.severity == "warning" and what in inbound.message
    [outbound] = validate_message(message, outbound=True)
    assert outbound.severity == "error" and what in outbound.message


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        ("PCI+33E'\nGIN+BJ+359012340000000049", "PCI+99X'\nGIN+BJ+359012340000000049", "'99X'"),
        ("CPS+1'\nPAC+2++201'", "CPS+1'\nPAC+2++ZZ'", "package type 'ZZ'"),
    ],
)
def test_package_codes_are_checked_outbound(old: str, new: str, what: str) -> None:
    [message] = read_one(edit(sample("desadv_d01b.edi"), old, new)).messages
    [outbound] = validate_message(message, outbound=True)
    assert outbound.severity == "error" and what in outbound.message


def _orders(directory: str, item_type: str) -> OutMessage:
    body: list[tuple[str, tuple[Element, ...]]] = [
        ("BGM", ("220", "ORZ/2030/1", "9")),
        ("DTM", (("137", "20261125", "102"),)),
        ("NAD", ("BY", ("5901234000048", "", "9"))),
        ("NAD", ("SU", ("5901234000000", "", "9"))),
        ("LIN", ("1", "", ("5901234100014", item_type))),
        ("QTY", (("21", "5"),)),
        ("UNS", ("S",)),
    ]
    return OutMessage(
        type="ORDERS", reference="1", version="D", release=directory[1:], segments=body
    )


@pytest.mark.parametrize(
    ("directory", "wrong", "right"), [("D96A", "SRV", "EN"), ("D01B", "EN", "SRV")]
)
def test_our_writer_refuses_an_outbound_message_with_the_other_directorys_code(
    directory: str, wrong: str, right: str
) -> None:
    def write(item_type: str) -> bytes:
        return build_interchange(
            syntax_identifier="UNOC",
            syntax_version="3",
            sender=Party("5901234000000", "14"),
            recipient=Party("5901234000048", "14"),
            control_reference="1",
            prepared_at=datetime(2026, 12, 7, 9, 0),
            messages=[_orders(directory, item_type)],
            test=True,
        )

    with pytest.raises(EdifactError) as refused:
        write(wrong)
    assert refused.value.code == "QUALIFIER" and f"item number type {wrong!r}" in str(refused.value)
    [message] = read_one(write(right)).messages
    assert message.directory == directory and validate_message(message, outbound=True) == []
