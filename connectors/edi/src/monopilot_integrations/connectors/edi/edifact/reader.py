"""Reading: bytes of a file -> one :class:`ReadResult` per interchange found in it.

The promise to the caller (the mailbox poller, the inbox endpoint): whatever the bytes,
the only exception is ``EdifactError("NOT_EDIFACT")`` for a file with no interchange in it
at all; every other fault is reported on the interchange it spoils, and the other
interchanges of the same file are still read.
"""

from __future__ import annotations

from collections.abc import Iterator

from .charsets import Charset, get_charset
from .envelope import EnvelopeReader, read_header
from .errors import EdifactError
from .model import Interchange, ReadResult, Segment
from .tokenizer import Chunk, split_interchanges, split_segment


def read_interchanges(data: bytes) -> list[ReadResult]:
    """Split, decode, tokenize and envelope-check every interchange in ``data``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EdifactError("NOT_EDIFACT", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    chunks = split_interchanges(data)
    if not chunks or all(
        chunk.error is not None and not chunk.segments and not _starts_like_edifact(data, chunk)
        for chunk in chunks
    ):
        raise EdifactError("NOT_EDIFACT", "no EDIFACT interchange (UNA or UNB) found")
    return [_read_chunk(data, chunk) for chunk in chunks]


def _starts_like_edifact(data: bytes, chunk: Chunk) -> bool:
    return data.startswith((b"UNA", b"UNB"), chunk.start)


def _read_chunk(data: bytes, chunk: Chunk) -> ReadResult:
    raw = data[chunk.start : chunk.end]
    partial: Interchange | None = None
    try:
        if not chunk.segments:  # the splitter gives such a chunk its error
            raise chunk.error or EdifactError("ENVELOPE", "empty interchange", expected="UNB")
        charset = _charset_of(data, chunk)
        segments = _decode_segments(data, chunk, charset)
        # the header first, so a later fault still leaves a partial interchange to answer
        partial = read_header(next(segments), raw, _decode_text(raw, charset), chunk.characters)
        envelope = EnvelopeReader(partial)
        for segment in segments:
            envelope.feed(segment)
        if chunk.error is not None:
            raise chunk.error
        envelope.finish(len(chunk.segments) + 1)
    except EdifactError as error:
        return ReadResult(raw=raw, interchange=None, error=error, partial=partial)
    return ReadResult(raw=raw, interchange=partial, error=None)


def _charset_of(data: bytes, chunk: Chunk) -> Charset:
    """UNB's syntax identifier, read before decoding (it is level A by definition)."""
    start, end = chunk.segments[0]
    tag, elements = split_segment(data[start:end].decode("latin-1"), chunk.characters, 1)
    first = elements[0] if elements else ""
    identifier = first if isinstance(first, str) else first[0]
    if tag != "UNB":
        raise EdifactError(
            "ENVELOPE",
            "an interchange must start with UNB",
            segment_number=1,
            tag=tag,
            expected="UNB",
        )
    if not identifier:
        raise EdifactError(
            "ENVELOPE",
            "syntax identifier (0001) is missing",
            segment_number=1,
            tag="UNB",
            expected="syntax identifier (0001)",
            element=0,
        )
    return get_charset(identifier)


def _decode_segments(data: bytes, chunk: Chunk, charset: Charset) -> Iterator[Segment]:
    """Decode, check the repertoire of, and tokenize each segment, in order."""
    characters = chunk.characters
    invalid = charset.invalid_pattern(characters)
    codec = charset.codec
    for number, (start, end) in enumerate(chunk.segments, start=1):
        try:
            text = data[start:end].decode(codec)
        except UnicodeDecodeError as error:
            bad = data[start + error.start : start + error.end]
            raise EdifactError(
                "CHARSET",
                f"bytes {bad.hex(' ')} are not valid {charset.identifier} ({codec})",
                segment_number=number,
                tag=_tag_guess(data, start),
            ) from None
        found = invalid.search(text)
        if found is not None:
            char = found.group()
            raise EdifactError(
                "CHARSET",
                f"character {char!r} (U+{ord(char):04X}) is not in the"
                f" {charset.identifier} repertoire",
                segment_number=number,
                tag=_tag_guess(data, start),
            )
        tag, elements = split_segment(text, characters, number)
        yield Segment(tag, elements, number)


def _tag_guess(data: bytes, start: int) -> str | None:
    tag = data[start : start + 3]
    return tag.decode("ascii") if tag.isalnum() and tag.isascii() and tag.isupper() else None


def _decode_text(raw: bytes, charset: Charset) -> str:
    """The whole interchange as text (UNA and line breaks included), for storage.

    Undecodable bytes (only in a rejected interchange) become U+FFFD here; the error that
    rejects the interchange names them.
    """
    return raw.decode(charset.codec, errors="replace")
