"""Shared helpers for the EDIFACT tests: the sample files and small edits of them."""

from __future__ import annotations

from pathlib import Path

from monopilot_integrations.connectors.edi.edifact import (
    Interchange,
    Message,
    OutMessage,
    read_interchanges,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_NAMES = sorted(path.name for path in SAMPLES.glob("*.edi"))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def read_one(data: bytes) -> Interchange:
    """The single interchange in ``data``, failing the test with its error otherwise."""
    [result] = read_interchanges(data)
    assert result.error is None, str(result.error)
    assert result.interchange is not None
    return result.interchange


def sample_message(name: str) -> Message:
    [message] = read_one(sample(name)).messages
    return message


def edit(data: bytes, old: str, new: str) -> bytes:
    """Replace exactly one occurrence of a segment text (fails loudly if absent/ambiguous)."""
    text = data.decode("latin-1")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new).encode("latin-1")


def as_out(message: Message) -> OutMessage:
    """The body of a read message, as the writer takes it."""
    return OutMessage(
        type=message.type,
        reference=message.reference,
        version=message.version,
        release=message.release,
        agency=message.agency,
        association=message.association,
        segments=[(segment.tag, segment.elements) for segment in message.segments[1:-1]],
    )


def fix_counts(text: str) -> bytes:
    """Recompute every UNT segment count of a one-segment-per-line sample after an edit."""
    lines = text.splitlines()
    fixed: list[str] = []
    count = 0
    for line in lines:
        if line.startswith("UNH+"):
            count = 0
        count += 1
        if line.startswith("UNT+"):
            reference = line.split("+")[2]
            line = f"UNT+{count}+{reference}"
        fixed.append(line)
    return ("\n".join(fixed) + "\n").encode("utf-8")


def edited_message(name: str, old: str, new: str) -> Message:
    """The message of sample ``name`` with one text replacement, UNT count kept right."""
    text = sample(name).decode("utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    [message] = read_one(fix_counts(text.replace(old, new))).messages
    return message
