"""Our own EDIFACT tokenizer: bytes -> interchange chunks -> segments of elements.

Why not pydifact's: it walks the input one character at a time through a generator (its
benchmark cost is >90% of a parse), raises foreign exceptions on malformed input, and
cannot tell where one interchange ends and the next begins. Here a compiled regular
expression finds each segment terminator not preceded by the release character, so the
hot loop runs in C; a test checks that our segments and pydifact's agree on every sample.

The split works on bytes, before decoding, because every supported character set keeps
the ASCII separators as single bytes that never occur inside a multi-byte character
(ISO 8859-x and UTF-8), and because each interchange may declare its own separators (UNA)
and its own character set (UNB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .characters import DEFAULT_CHARACTERS, ServiceCharacters
from .errors import EdifactError
from .model import Element

_BETWEEN_SEGMENTS = b" \r\n"
_LEADING_NOISE = b" \t\r\n\x00\x1a"
_UTF8_BOM = b"\xef\xbb\xbf"
TAG_PATTERN = re.compile(r"[A-Z0-9]{3}")
MAX_INTERCHANGES = 1000


@dataclass
class Chunk:
    """The byte range of one interchange (UNA included) and its segments' byte ranges."""

    start: int
    end: int
    characters: ServiceCharacters
    segments: list[tuple[int, int]] = field(default_factory=list)  # (start, end) w/o terminator
    error: EdifactError | None = None


@cache
def _segment_pattern(terminator: str, release: str) -> re.Pattern[bytes]:
    end = re.escape(terminator.encode("latin-1"))
    rel = re.escape(release.encode("latin-1"))
    # unrolled "(?:[^'?]|\?.)*'": runs of plain bytes, each release consuming one byte
    return re.compile(
        b"[^" + end + rel + b"]*(?:" + rel + b".[^" + end + rel + b"]*)*" + end, re.DOTALL
    )


def _skip(data: bytes, pos: int, noise: bytes = _BETWEEN_SEGMENTS) -> int:
    size = len(data)
    while pos < size and data[pos] in noise:
        pos += 1
    return pos


def _read_una(data: bytes, pos: int) -> ServiceCharacters:
    una = data[pos : pos + 9]
    if len(una) < 9:
        raise EdifactError("UNA", "UNA is cut short: it needs 6 service characters")
    if any(byte >= 0x80 for byte in una):
        raise EdifactError("UNA", f"UNA service characters must be ASCII, found {una!r}")
    return ServiceCharacters.from_una(una.decode("ascii"))


def _next_start(data: bytes, pos: int, terminator: str = "'") -> int:
    """Where the next interchange may begin: a UNA or UNB after a line break or terminator."""
    boundaries = b"\r\n" + terminator.encode("latin-1")
    search_from = pos + 1
    while True:
        candidates = [
            found
            for found in (data.find(b"UNA", search_from), data.find(b"UNB", search_from))
            if found != -1
        ]
        if not candidates:
            return len(data)
        found = min(candidates)
        if data[found - 1] in boundaries:
            return found
        search_from = found + 1


def split_interchanges(data: bytes) -> list[Chunk]:
    """Cut ``data`` into interchanges; a broken one carries its error and the rest go on."""
    chunks: list[Chunk] = []
    pos = _skip(data, len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0, _LEADING_NOISE)
    while pos < len(data):
        if len(chunks) == MAX_INTERCHANGES:
            # a hostile or broken file of tiny fragments must not stall the poller
            error = EdifactError(
                "LIMIT",
                f"more than {MAX_INTERCHANGES} interchanges in one file: the rest"
                f" ({len(data) - pos} bytes) is not read",
            )
            chunks.append(Chunk(pos, len(data), DEFAULT_CHARACTERS, error=error))
            break
        chunk, pos = _scan_one(data, pos)
        chunks.append(chunk)
        pos = _skip(data, pos, _LEADING_NOISE)
    return chunks


def _scan_one(data: bytes, start: int) -> tuple[Chunk, int]:
    pos = start
    characters = DEFAULT_CHARACTERS
    if data.startswith(b"UNA", pos):
        try:
            characters = _read_una(data, pos)
        except EdifactError as error:
            resume = _next_start(data, pos)
            if data.startswith(b"UNB", resume) and not data[pos + 9 : resume].strip():
                resume = _next_start(data, resume)  # the UNB belongs to the broken UNA
            return Chunk(start, resume, characters, error=error), resume
        pos = _skip(data, pos + 9)
    chunk = Chunk(start, start, characters)
    if not data.startswith(b"UNB", pos):
        resume = _next_start(data, pos, characters.terminator)
        found = data[pos : pos + 3].decode("latin-1")
        chunk.error = EdifactError(
            "ENVELOPE",
            f"an interchange must start with UNA or UNB, found {found!r}",
            segment_number=1,
            expected="UNB",
        )
        chunk.end = resume
        return chunk, resume
    pattern = _segment_pattern(characters.terminator, characters.release)
    while pos < len(data):
        tag = data[pos : pos + 3]
        if chunk.segments and tag in (b"UNA", b"UNB"):
            chunk.error = EdifactError(
                "ENVELOPE",
                f"interchange ends without UNZ: a new interchange ({tag.decode()}) begins here",
                segment_number=len(chunk.segments) + 1,
                tag=tag.decode(),
                expected="UNZ",
            )
            chunk.end = pos
            return chunk, pos
        match = pattern.match(data, pos)
        if match is None:
            chunk.error = EdifactError(
                "SYNTAX",
                "segment is not terminated: the data ends before the segment terminator "
                f"{characters.terminator!r}",
                segment_number=len(chunk.segments) + 1,
                tag=_printable_tag(tag),
            )
            chunk.end = len(data)
            return chunk, len(data)
        chunk.segments.append((pos, match.end() - 1))
        pos = match.end()
        if tag == b"UNZ":
            chunk.end = pos
            return chunk, pos
        pos = _skip(data, pos)
    chunk.error = EdifactError(
        "ENVELOPE",
        "interchange ends without UNZ",
        segment_number=len(chunk.segments) + 1,
        expected="UNZ",
    )
    chunk.end = len(data)
    return chunk, len(data)


def _printable_tag(raw: bytes) -> str | None:
    text = raw.decode("latin-1")
    return text if TAG_PATTERN.fullmatch(text) else None


@cache
def _escaped_splitter(characters: ServiceCharacters) -> re.Pattern[str]:
    release = re.escape(characters.release)
    separators = re.escape(characters.element) + re.escape(characters.component)
    return re.compile(
        f"{release}(.)|([{separators}])|[^{release}{separators}]+|{release}$", re.DOTALL
    )


def _normalise(components: list[str]) -> Element:
    while len(components) > 1 and components[-1] == "":
        components.pop()
    return components[0] if len(components) == 1 else tuple(components)


def split_segment(
    text: str, characters: ServiceCharacters, number: int
) -> tuple[str, tuple[Element, ...]]:
    """``"NAD+BY+5901234000048::9"`` -> ``("NAD", ("BY", ("5901234000048", "", "9")))``.

    Release characters are removed; trailing empty components and elements are dropped
    (ISO 9735 truncation), and a composite left with one component becomes a plain string.
    """
    if characters.release not in text:
        parts: list[Element] = [
            _normalise(part.split(characters.component)) if characters.component in part else part
            for part in text.split(characters.element)
        ]
    else:
        parts = _split_escaped(text, characters, number)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    tag = parts[0]
    if not isinstance(tag, str) or not TAG_PATTERN.fullmatch(tag):
        shown = tag if isinstance(tag, str) else characters.component.join(tag)
        raise EdifactError(
            "SYNTAX",
            f"segment tag must be 3 upper case letters or digits, found {shown[:20]!r}",
            segment_number=number,
        )
    return tag, tuple(parts[1:])


def _split_escaped(text: str, characters: ServiceCharacters, number: int) -> list[Element]:
    parts: list[Element] = []
    components: list[str] = []
    current: list[str] = []
    for match in _escaped_splitter(characters).finditer(text):
        escaped, separator = match.group(1), match.group(2)
        if escaped is not None:
            current.append(escaped)
        elif separator is not None:
            components.append("".join(current))
            current = []
            if separator == characters.element:
                parts.append(_normalise(components))
                components = []
        elif match.group(0) == characters.release:
            raise EdifactError(
                "SYNTAX",
                f"release character {characters.release!r} at the end of the segment "
                "releases nothing",
                segment_number=number,
            )
        else:
            current.append(match.group(0))
    components.append("".join(current))
    parts.append(_normalise(components))
    return parts
