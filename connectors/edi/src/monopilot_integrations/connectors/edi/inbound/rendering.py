"""Turning what was received into text fit for storage and for a person to read.

``edi_messages.message_content`` holds one message (UNH..UNT) as EDIFACT text, rendered
from the parsed segments with the interchange's own service characters (the exact bytes
of the whole interchange are kept beside it in ``raw_bytes``). Bytes that could not be
read at all are kept as text too, with every byte preserved in ``raw_bytes``.
"""

from __future__ import annotations

from collections.abc import Iterable

from monopilot_integrations.connectors.edi.edifact.characters import ServiceCharacters
from monopilot_integrations.connectors.edi.edifact.model import Element, Segment


def render_segments(segments: Iterable[Segment], chars: ServiceCharacters) -> str:
    """Segments as EDIFACT text, one per line, separators escaped with the release char."""
    specials = {chars.component, chars.element, chars.release, chars.terminator}

    def escape(text: str) -> str:
        return "".join(chars.release + c if c in specials else c for c in text)

    def element(item: Element) -> str:
        if isinstance(item, str):
            return escape(item)
        return chars.component.join(escape(c) for c in item)

    lines = []
    for segment in segments:
        parts = [segment.tag, *(element(e) for e in segment.elements)]
        lines.append(chars.element.join(parts) + chars.terminator)
    return "\n".join(lines)


def readable(data: bytes) -> tuple[str, bytes | None]:
    """``(text, exact_bytes)``: text for the ``message_content`` column (valid UTF-8, no
    NUL, which PostgreSQL text refuses) and the bytes when the text is not exact."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "backslashreplace")
        return text.replace("\x00", "\\x00"), data
    if "\x00" in text:
        return text.replace("\x00", "\\x00"), data
    return text, None
