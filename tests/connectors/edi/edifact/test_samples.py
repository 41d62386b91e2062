"""The sample EANCOM files: they read, validate clean, and match the demo organisation."""

from __future__ import annotations

import json
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from pydifact.parser import Parser

from monopilot_integrations.connectors.edi.edifact import (
    OutMessage,
    Party,
    ServiceCharacters,
    build_interchange,
    is_valid_gln,
    is_valid_gtin,
    is_valid_sscc,
    read_interchanges,
    validate_message,
)
from monopilot_integrations.connectors.edi.edifact.model import Element

from .support import SAMPLE_NAMES, sample

DEMO_ORG = json.loads(
    (
        Path(__file__).resolve().parents[4]
        / "server/src/monopilot_integrations/server/demo/demo-org.json"
    ).read_text(encoding="utf-8")
)


def test_every_message_type_has_a_sample() -> None:
    types = {
        message.type
        for name in SAMPLE_NAMES
        for result in read_interchanges(sample(name))
        if result.interchange
        for message in result.interchange.messages
    }
    assert types == {"ORDERS", "ORDRSP", "INVOIC", "DESADV", "RECADV"}
    assert len(SAMPLE_NAMES) >= 9


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_reads_and_validates_clean(name: str) -> None:
    results = read_interchanges(sample(name))
    assert results
    for result in results:
        assert result.error is None, str(result.error)
        assert result.interchange is not None
        assert result.interchange.messages
        for message in result.interchange.messages:
            assert validate_message(message) == [], name


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_identifiers_carry_valid_gs1_check_digits(name: str) -> None:
    checked = 0
    for result in read_interchanges(sample(name)):
        assert result.interchange is not None
        assert is_valid_gln(result.interchange.sender.id)
        assert is_valid_gln(result.interchange.recipient.id)
        for message in result.interchange.messages:
            for nad in message.find_all("NAD"):
                assert is_valid_gln(nad.value(1) or ""), nad
                checked += 1
            for lin in message.find_all("LIN"):
                assert is_valid_gtin(lin.value(2) or ""), lin
            for gin in message.find_all("GIN", "BJ"):
                assert is_valid_sscc(gin.value(1) or ""), gin
    assert checked >= 2


def test_samples_use_the_demo_organisation() -> None:
    glns = {DEMO_ORG["organization"]["gln"]} | {c["gln"] for c in DEMO_ORG["customers"]}
    gtins = {p["gtin"] for p in DEMO_ORG["products"]}
    for name in SAMPLE_NAMES:
        for result in read_interchanges(sample(name)):
            assert result.interchange is not None
            parties = {result.interchange.sender.id, result.interchange.recipient.id}
            assert DEMO_ORG["organization"]["gln"] in parties, name
            assert parties <= glns, name
            for message in result.interchange.messages:
                assert {lin.value(2) for lin in message.find_all("LIN")} <= gtins, name


def test_orders_requested_delivery_is_in_the_future() -> None:
    for name in SAMPLE_NAMES:
        for result in read_interchanges(sample(name)):
            assert result.interchange is not None
            for message in result.interchange.messages:
                if message.type == "ORDERS":
                    delivery = message.find("DTM", "2")
                    assert delivery is not None and (delivery.value(0, 1) or "") >= "2030", name


def _normalised(element: Element | list[str]) -> tuple[str, ...]:
    components = [element] if isinstance(element, str) else list(element)
    while len(components) > 1 and components[-1] == "":
        components.pop()
    return tuple(components)


def _strip(elements: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    while elements and elements[-1] == ("",):
        elements.pop()
    return elements


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_our_tokenizer_agrees_with_pydifact(name: str) -> None:
    """Our regex tokenizer replaces pydifact's for reading: they must see the same segments.

    pydifact gets one interchange at a time (it refuses a second UNA in one string).
    """
    for result in read_interchanges(sample(name)):
        assert result.interchange is not None
        ours = [
            (segment.tag, _strip([_normalised(e) for e in segment.elements]))
            for message in result.interchange.messages
            for segment in message.segments
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydifact warns about its own missing XML files
            theirs = [
                (segment.tag, _strip([_normalised(e) for e in segment.elements]))
                for segment in Parser().parse(result.interchange.text)
                if segment.tag not in {"UNA", "UNB", "UNZ"}
            ]
        assert ours == theirs
        assert len(ours) > 5


@pytest.mark.parametrize(
    "characters",
    [
        ServiceCharacters(),
        ServiceCharacters(component="|", element="^", release="#", terminator="~"),
    ],
)
def test_tokenizers_agree_on_escapes_and_empty_components(characters: ServiceCharacters) -> None:
    """Released separators, doubled release characters and empty inner components."""
    tricky = "a+b:c'd?e|f^g#h~i ??##"
    body: list[tuple[str, tuple[Element, ...]]] = [
        ("BGM", ("220", "ORZ/2030/1", "9")),
        ("DTM", (("137", "20261125", "102"),)),
        ("FTX", ("DEL", "", "", (tricky, "", tricky))),
        ("NAD", ("BY", ("5901234000048", "", "9"), "", (tricky,))),
        ("NAD", ("SU", ("5901234000000", "", "9"))),
        ("LIN", ("1", "", ("5901234100014", "EN"))),
        ("IMD", ("F", "", ("", "", "", tricky))),
        ("QTY", (("21", "5"),)),
        ("UNS", ("S",)),
    ]
    data = build_interchange(
        syntax_identifier="UNOC",
        syntax_version="3",
        sender=Party("5901234000048", "14"),
        recipient=Party("5901234000000", "14"),
        control_reference="TRICKY1",
        prepared_at=datetime(2026, 11, 25, 9, 0),
        messages=[OutMessage(type="ORDERS", reference="1", segments=body)],
        test=True,
        characters=characters,
        with_una=True,
    )
    [result] = read_interchanges(data)
    assert result.interchange is not None
    ours = [
        (segment.tag, _strip([_normalised(e) for e in segment.elements]))
        for segment in result.interchange.messages[0].segments
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = [
            (segment.tag, _strip([_normalised(e) for e in segment.elements]))
            for segment in Parser().parse(result.interchange.text)
            if segment.tag not in {"UNA", "UNB", "UNZ"}
        ]
    assert ours == theirs
    ftx = result.interchange.messages[0].find("FTX")
    assert ftx is not None and ftx.value(3, 0) == tricky and ftx.value(3, 2) == tricky
