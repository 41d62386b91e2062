"""Writing interchanges: round trips, escaping, UNA, character sets, refusal of bad messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from monopilot_integrations.connectors.edi.edifact import (
    EdifactError,
    Interchange,
    OutMessage,
    Party,
    ServiceCharacters,
    build_interchange,
    read_interchanges,
)

from .support import SAMPLE_NAMES, as_out, read_one, sample, sample_message

US = Party("5901234000000", "14")
ORZEL = Party("5901234000048", "14")
WHEN = datetime(2026, 11, 25, 9, 30)


def _rebuild(interchange: Interchange, **overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "syntax_identifier": interchange.syntax_identifier,
        "syntax_version": interchange.syntax_version,
        "sender": interchange.sender,
        "recipient": interchange.recipient,
        "control_reference": interchange.control_reference,
        "prepared_at": interchange.prepared_at,
        "messages": [as_out(message) for message in interchange.messages],
        "test": interchange.test,
        "application_reference": interchange.application_reference,
    }
    arguments.update(overrides)
    return build_interchange(**arguments)


def _segments(interchange: Interchange) -> list[tuple[str, object]]:
    return [(s.tag, s.elements) for m in interchange.messages for s in m.segments]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_round_trip_of_every_sample(name: str) -> None:
    for result in read_interchanges(sample(name)):
        original = result.interchange
        assert original is not None
        again = read_one(_rebuild(original))
        assert _segments(again) == _segments(original)
        assert (again.sender, again.recipient, again.prepared_at) == (
            original.sender,
            original.recipient,
            original.prepared_at,
        )
        assert again.control_reference == original.control_reference


def test_round_trip_covers_every_message_type() -> None:
    types = {sample_message(name).type for name in SAMPLE_NAMES if "two" not in name}
    assert types == {"ORDERS", "ORDRSP", "INVOIC", "DESADV", "RECADV"}


def _build(messages: list[OutMessage], **overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "syntax_identifier": "UNOC",
        "syntax_version": "3",
        "sender": US,
        "recipient": ORZEL,
        "control_reference": "MP00000099",
        "prepared_at": WHEN,
        "messages": messages,
        "test": False,
    }
    arguments.update(overrides)
    return build_interchange(**arguments)


def test_separators_in_data_are_released() -> None:
    out = as_out(sample_message("orders_d96a.edi"))
    body = [
        ("FTX", ("DEL", "", "", "10+10=20: it's ok?")) if tag == "FTX" else (tag, elements)
        for tag, elements in out.segments
    ]
    data = _build([replace(out, segments=body)], sender=ORZEL, recipient=US)
    assert b"FTX+DEL+++10?+10=20?: it?'s ok??'" in data
    [message] = read_one(data).messages
    ftx = message.find("FTX")
    assert ftx is not None and ftx.value(3) == "10+10=20: it's ok?"


def test_una_only_when_needed() -> None:
    out = as_out(sample_message("orders_d96a.edi"))
    plain = _build([out], sender=ORZEL, recipient=US)
    assert plain.startswith(b"UNB+UNOC:3+5901234000048:14+5901234000000:14+261125:0930+MP00000099'")
    forced = _build([out], sender=ORZEL, recipient=US, with_una=True, line_breaks=True)
    assert forced.startswith(b"UNA:+.? '\nUNB+")
    assert _build([out], syntax_identifier="UNOB", sender=ORZEL, recipient=US).startswith(b"UNA")


def test_custom_separators_round_trip() -> None:
    out = as_out(sample_message("orders_d96a.edi"))
    characters = ServiceCharacters(component="|", element="^", release="#", terminator="~")
    data = _build([out], sender=ORZEL, recipient=US, characters=characters)
    assert data.startswith(b"UNA|^.# ~UNB^UNOC|3^")
    [message] = read_one(data).messages
    assert [(s.tag, s.elements) for s in message.segments] == [
        (s.tag, s.elements) for s in sample_message("orders_d96a.edi").segments
    ]


def test_syntax_4_dates_and_repetition_separator() -> None:
    out = as_out(sample_message("orders_unoy.edi"))
    body = [
        ("IMD", ("F", "", ("", "", "", "Pączki 2*6 szt."))) if tag == "IMD" else (tag, e)
        for tag, e in out.segments
    ]
    data = _build(
        [replace(out, segments=body)],
        syntax_identifier="UNOY",
        syntax_version="4",
        sender=Party("5901234000062", "14"),
        recipient=US,
    )
    assert b"+20261125:0930+" in data and "Pączki 2?*6".encode() in data
    interchange = read_one(data)
    assert interchange.prepared_at == WHEN
    imd = interchange.messages[0].find("IMD")
    assert imd is not None and imd.value(2, 3) == "Pączki 2*6 szt."


def test_test_indicator_and_acknowledgement_request_are_written() -> None:
    out = as_out(sample_message("orders_d96a.edi"))
    data = _build([out], sender=ORZEL, recipient=US, test=True, acknowledgement_request=True)
    interchange = read_one(data)
    assert interchange.test and interchange.acknowledgement_requested


@pytest.mark.parametrize(
    ("identifier", "text", "allowed"),
    [
        ("UNOA", "Chleb", False),
        ("UNOC", "Chleb żytni", False),
        ("UNOD", "Chleb żytni", True),
        ("UNOY", "Chleb żytni", True),
        ("UNOB", "Chleb", True),
        ("UNOB", "ul. Długa", False),
    ],
)
def test_characters_outside_the_repertoire_are_refused(
    identifier: str, text: str, allowed: bool
) -> None:
    out = as_out(sample_message("orders_unoa.edi"))
    body = [
        ("FTX", ("DEL", "", "", text.upper() if identifier == "UNOA" and allowed else text)),
        *out.segments[3:],
    ]
    body = [*out.segments[:3], *body]
    message = replace(out, segments=body)
    if allowed:
        data = _build(
            [message],
            syntax_identifier=identifier,
            syntax_version="4" if identifier == "UNOY" else "3",
        )
        ftx = read_one(data).messages[0].find("FTX")
        assert ftx is not None and ftx.value(3) == text
        return
    with pytest.raises(EdifactError) as caught:
        _build([message], syntax_identifier=identifier)
    assert (caught.value.code, caught.value.segment_number, caught.value.tag) == (
        "CHARSET",
        6,
        "FTX",
    )
    assert identifier in str(caught.value)


def test_an_invalid_message_is_never_written() -> None:
    out = as_out(sample_message("orders_d96a.edi"))
    no_bgm = replace(out, segments=[(t, e) for t, e in out.segments if t != "BGM"])
    with pytest.raises(EdifactError) as caught:
        _build([no_bgm], sender=ORZEL, recipient=US)
    assert (caught.value.code, caught.value.segment_number, caught.value.tag) == (
        "MANDATORY",
        3,
        "BGM",
    )
    wrong = replace(out, segments=[("QTY", (("47", "1"),)), *out.segments])
    with pytest.raises(EdifactError) as caught:
        _build([wrong], sender=ORZEL, recipient=US)
    assert caught.value.code == "STRUCTURE"
    assert "and 1 more" in str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"syntax_identifier": "UNOX"}, "CHARSET"),
        ({"syntax_version": "9"}, "ENVELOPE"),
        ({"control_reference": "X" * 15}, "ENVELOPE"),
        ({"control_reference": ""}, "ENVELOPE"),
        ({"messages": []}, "ENVELOPE"),
        ({"sender": Party("")}, "ENVELOPE"),
        ({"characters": ServiceCharacters(component="+")}, "UNA"),
    ],
)
def test_bad_arguments_give_precise_errors(overrides: dict[str, Any], code: str) -> None:
    arguments = {"messages": [as_out(sample_message("orders_d96a.edi"))], **overrides}
    with pytest.raises(EdifactError) as caught:
        _build(**arguments)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("segment", "code"),
    [
        (("bgm", ("220",)), "SYNTAX"),
        (("BGM", (220,)), "VALUE"),
        (("BGM", ()), "VALUE"),
        (("BGM", "220"), "VALUE"),
    ],
)
def test_malformed_segments_are_refused(segment: tuple[Any, Any], code: str) -> None:
    out = as_out(sample_message("orders_d96a.edi"))
    message = replace(out, segments=[segment, *out.segments[1:]])
    with pytest.raises(EdifactError) as caught:
        _build([message])
    assert caught.value.code == code
