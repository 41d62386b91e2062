"""Decoding by the UNB syntax identifier, and refusing what the repertoire does not hold."""

from __future__ import annotations

import pytest

from monopilot_integrations.connectors.edi.edifact import read_interchanges

from .support import edit, read_one, sample

UNOA = sample("orders_unoa.edi")
UNOY = sample("orders_unoy.edi")
UNOC = sample("orders_d96a.edi")


def _imd_texts(data: bytes) -> list[str]:
    [message] = read_one(data).messages
    return [segment.value(2, 3) or "" for segment in message.find_all("IMD")]


def test_unoa_reads() -> None:
    assert _imd_texts(UNOA) == ["CHLEB ZYTNI 500 G", "BULKA KAJZERKA 60 G (PAKOWANA)"]


@pytest.mark.parametrize(
    ("replacement", "shown"),
    [("Chleb", "'h'"), ("CHLEB @", "'@'"), ("CHLEB \xc4", "bytes c4"), ("CHLEB\t", "'\\t'")],
)
def test_unoa_refuses_characters_outside_level_a(replacement: str, shown: str) -> None:
    data = edit(UNOA, "IMD+F++:::CHLEB", f"IMD+F++:::{replacement}")
    [result] = read_interchanges(data)
    assert result.error is not None
    assert (result.error.code, result.error.segment_number, result.error.tag) == (
        "CHARSET",
        10,
        "IMD",
    )
    assert shown in str(result.error) and "UNOA" in str(result.error)


def test_unob_allows_lower_case_but_not_national_characters() -> None:
    unob = edit(UNOA, "UNOA:3", "UNOB:3")
    lower = edit(unob, "IMD+F++:::CHLEB ZYTNI", "IMD+F++:::Chleb zytni")
    assert _imd_texts(lower)[0] == "Chleb zytni 500 G"
    [result] = read_interchanges(edit(unob, "IMD+F++:::CHLEB", "IMD+F++:::CHLEB #"))
    assert result.error is not None and result.error.code == "CHARSET"
    assert "'#'" in str(result.error) and "UNOB" in str(result.error)


def test_unoc_is_latin_1() -> None:
    data = UNOC.decode().replace("Chleb zytni 500 g", "Chleb für Müller").encode("latin-1")
    assert _imd_texts(data)[0] == "Chleb für Müller"


def test_unod_is_latin_2() -> None:
    text = UNOC.decode().replace("UNOC:3", "UNOD:3").replace("Chleb zytni", "Chleb żytni")
    assert _imd_texts(text.encode("iso8859-2"))[0] == "Chleb żytni 500 g"


def test_unoy_is_utf_8_and_syntax_4() -> None:
    interchange = read_one(UNOY)
    assert interchange.syntax_version == "4"
    assert interchange.prepared_at.year == 2026  # CCYYMMDD in syntax 4
    [message] = interchange.messages
    assert _imd_texts(UNOY) == ["Chleb żytni 500 g", "Masło ekstra 82%"]
    ftx = message.find("FTX")
    assert ftx is not None and "awizację' telefoniczną" in (ftx.value(3) or "")
    assert "Głogowskiej" in interchange.text


def test_unow_is_utf_8_too() -> None:
    assert _imd_texts(UNOY.replace(b"UNOY:4", b"UNOW:4"))[0] == "Chleb żytni 500 g"


def test_invalid_utf_8_under_unoy() -> None:
    data = UNOY.replace("żytni".encode(), b"\xc5zytni")
    [result] = read_interchanges(data)
    assert result.error is not None
    assert (result.error.code, result.error.segment_number, result.error.tag) == (
        "CHARSET",
        11,
        "IMD",
    )
    assert "not valid UNOY" in str(result.error)


def test_utf_8_bytes_under_unoa_are_refused() -> None:
    data = UNOA.replace(b"UNOA:3", b"UNOA:3").replace(b"CHLEB ZYTNI", "CHLEB ŻYTNI".encode())
    [result] = read_interchanges(data)
    assert result.error is not None and result.error.code == "CHARSET"


def test_control_characters_are_refused_everywhere() -> None:
    [result] = read_interchanges(edit(UNOC, "Chleb zytni", "Chleb\x07zytni"))
    assert result.error is not None and result.error.code == "CHARSET"
    assert "U+0007" in str(result.error)


@pytest.mark.parametrize("identifier", ["UNOX", "ABCD", "UNOZ"])
def test_unsupported_syntax_identifier(identifier: str) -> None:
    [result] = read_interchanges(edit(UNOC, "UNOC:3", f"{identifier}:3"))
    assert result.error is not None
    assert (result.error.code, result.error.tag) == ("CHARSET", "UNB")
    assert identifier in str(result.error)
