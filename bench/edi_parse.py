"""Benchmark: our EDIFACT read + envelope checks + validation against pydifact's tokenizer.

Target (issue 5): our parse and validation of a 5,000-segment interchange takes at most
1.5x the time pydifact alone takes to tokenize the same file. Both run on the same bytes in
the same process, alternating, and the medians are compared.

    .venv/bin/python bench/edi_parse.py [--segments 5000] [--rounds 15]

The interchange is an EANCOM ORDERS (D96A) for the demo organisation with as many order
lines (LIN, PIA, IMD, QTY, PRI) as it takes to reach the segment count, written by our own
writer with UNA and a line break after each segment, as partners' files usually come.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from datetime import datetime

from _report import emit
from pydifact.control.characters import Characters
from pydifact.tokenizer import Tokenizer

from monopilot_integrations.connectors.edi.edifact import (
    OutMessage,
    Party,
    build_interchange,
    read_interchanges,
    validate_message,
    with_check_digit,
)

TARGET = 1.5
HEADER = 14  # UNB UNH BGM DTM DTM NAD NAD NAD CUX ... UNS CNT UNT UNZ around the lines


def orders_interchange(segments: int) -> bytes:
    lines = max(1, (segments - HEADER) // 5)
    body: list[tuple[str, tuple[str | tuple[str, ...], ...]]] = [
        ("BGM", ("220", "ORZ/2030/BENCH", "9")),
        ("DTM", (("137", "20261125", "102"),)),
        ("DTM", (("2", "20300312", "102"),)),
        ("NAD", ("BY", ("5901234000048", "", "9"))),
        ("NAD", ("SU", ("5901234000000", "", "9"))),
        ("NAD", ("DP", ("5901234000079", "", "9"))),
        ("CUX", (("2", "PLN", "9"),)),
    ]
    for line in range(1, lines + 1):
        gtin = with_check_digit(f"590123410{line % 10000:03d}")
        body += [
            ("LIN", (str(line), "", (gtin, "EN"))),
            ("PIA", ("1", (f"ART-{line:05d}", "SA"))),
            ("IMD", ("F", "", ("", "", "", f"Chleb zytni 500 g, partia {line}"))),
            ("QTY", (("21", str(10 + line % 90)),)),
            ("PRI", (("AAA", "5.60"),)),
        ]
    body += [("UNS", ("S",)), ("CNT", (("2", str(lines)),))]
    return build_interchange(
        syntax_identifier="UNOC",
        syntax_version="3",
        sender=Party("5901234000048", "14"),
        recipient=Party("5901234000000", "14"),
        control_reference="BENCH0001",
        prepared_at=datetime(2026, 11, 25, 8, 15),
        messages=[OutMessage(type="ORDERS", reference="1", segments=body)],
        test=False,
        with_una=True,
        line_breaks=True,
    )


def pydifact_tokenize(data: bytes) -> int:
    text = data.decode("latin-1")
    characters = Characters.from_str(text[:9])
    tokens = list(Tokenizer().get_tokens(text[9:].lstrip("\r\n"), characters))
    return len(tokens)


def ours(data: bytes) -> int:
    issues = 0
    for result in read_interchanges(data):
        assert result.interchange is not None, result.error
        for message in result.interchange.messages:
            issues += len(validate_message(message))
    assert issues == 0
    return issues


def timed(function: object, data: bytes) -> float:
    started = time.perf_counter()
    function(data)  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    data = orders_interchange(args.segments)
    [result] = read_interchanges(data)
    assert result.interchange is not None
    count = sum(len(m.segments) for m in result.interchange.messages) + 2
    ours(data)
    pydifact_tokenize(data)  # warm both
    baseline: list[float] = []
    measured: list[float] = []
    for _ in range(args.rounds):
        baseline.append(timed(pydifact_tokenize, data))
        measured.append(timed(ours, data))
    base, mine = statistics.median(baseline), statistics.median(measured)
    ratio = mine / base
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"interchange: {count} segments, {len(data):,} bytes, {args.rounds} rounds (medians)")
    print(f"pydifact tokenizer alone:          {base * 1000:8.1f} ms")
    print(f"ours (read + envelope + validate): {mine * 1000:8.1f} ms")
    print(f"ratio {ratio:.2f} ({verdict} the target of at most {TARGET:.2f})")
    emit(
        "EDI read + validate",
        workload=f"one interchange of {count} segments ({len(data):,} bytes)",
        figure=mine * 1000,
        unit="ms",
        baseline=base * 1000,
        ratio=ratio,
        target=f"<= {TARGET:.2f}x pydifact's tokenizer",
        passed=ratio <= TARGET,
    )


if __name__ == "__main__":
    main()
