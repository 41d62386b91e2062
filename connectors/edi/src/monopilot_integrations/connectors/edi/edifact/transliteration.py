"""Transliteration to a declared repertoire: ``Ł`` -> ``L``, ``ą`` -> ``a`` under UNOC.

Only when the partner's profile asks for it (``transliterate``): by default the writer
refuses a character its repertoire cannot carry. A character is replaced by its Unicode
decomposition without the combining marks (``ą`` = ``a`` + ogonek), or by the small table
below for letters that do not decompose (``ł``, ``ß``, ...); for level A (upper case only)
the result is upper-cased. A character with no representable replacement is left as it
is, and the writer then refuses it as before.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from .characters import DEFAULT_CHARACTERS
from .charsets import Charset
from .model import Element, OutMessage

#: Letters without a decomposition to a base letter.
SPECIAL = {
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ø": "o",
    "Ø": "O",
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "\u0131": "i",  # dotless i
    "þ": "th",
    "Þ": "TH",
}


@dataclass(frozen=True)
class Replacement:
    """One character written differently, and where."""

    tag: str
    character: str
    written_as: str


def _fits(text: str, charset: Charset) -> bool:
    if charset.first_invalid(text, DEFAULT_CHARACTERS) is not None:
        return False
    try:
        text.encode(charset.codec)
    except UnicodeEncodeError:
        return False
    return True


def _substitute(char: str, charset: Charset) -> str | None:
    base = SPECIAL.get(char)
    if base is None:
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
    for candidate in (base, base.upper()):
        if candidate and _fits(candidate, charset):
            return candidate
    return None


def transliterate_text(text: str, charset: Charset, tag: str, found: list[Replacement]) -> str:
    """``text`` in ``charset``'s repertoire where possible; each replacement into ``found``."""
    if _fits(text, charset):
        return text
    out: list[str] = []
    for char in text:
        if _fits(char, charset):
            out.append(char)
            continue
        written = _substitute(char, charset)
        if written is None:
            out.append(char)
            continue
        found.append(Replacement(tag, char, written))
        out.append(written)
    return "".join(out)


def transliterate_message(
    message: OutMessage, charset: Charset
) -> tuple[OutMessage, list[Replacement]]:
    """``message`` with every value transliterated to ``charset``, and what was replaced."""
    found: list[Replacement] = []

    def element(value: Element) -> Element:
        if isinstance(value, str):
            return transliterate_text(value, charset, tag, found)
        return tuple(transliterate_text(v, charset, tag, found) for v in value)

    segments = []
    for tag, elements in message.segments:
        segments.append((tag, tuple(element(e) for e in elements)))
    return replace(message, segments=segments), found


def describe(replacements: list[Replacement], identifier: str) -> str:
    """One sentence for the message's log: ``'Ł' as 'L' (NAD), 'ó' as 'o' (NAD)``."""
    seen: dict[tuple[str, str], list[str]] = {}
    for item in replacements:
        tags = seen.setdefault((item.character, item.written_as), [])
        if item.tag not in tags:
            tags.append(item.tag)
    parts = [
        f"{char!r} as {written!r} ({', '.join(tags)})" for (char, written), tags in seen.items()
    ]
    return f"transliterated to the {identifier} repertoire: " + ", ".join(parts)
