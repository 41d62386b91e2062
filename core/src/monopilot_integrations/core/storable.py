"""Text every database stores: NUL characters (PostgreSQL takes them in neither ``json``
nor ``text``) and unpaired surrogates (UTF-8 cannot encode them) kept out.

Two forms to look after. In plain text, the characters themselves (:func:`printable`).
In JSON text, a NUL is an escape: ``json.dumps`` writes it as ``\\u0000``. Looking for
that substring is not enough: the *text* ``\\u0000`` (a backslash, then ``u0000``),
harmless in any database, is written as ``\\\\u0000``, which contains it. An escape is
real only when the backslashes before ``u0000`` are odd in number; these helpers count
them.
"""

from __future__ import annotations

import re
from typing import Final

# NUL, and surrogate code points, which a str can hold (json.loads turns an unpaired
# "\\ud800" escape into one) but UTF-8 cannot encode: left in a log row, they would fail
# every flush of the batch it is in.
_UNSTORABLE_CHARACTERS: Final = re.compile("[\x00\ud800-\udfff]")
# A ``\u0000`` escape preceded by an even number (zero included) of further backslashes.
_NUL_ESCAPE: Final = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def has_nul(encoded: str) -> bool:
    """True when the JSON text ``encoded`` holds a NUL character."""
    return "\\u0000" in encoded and _NUL_ESCAPE.search(encoded) is not None


def replace_nul(encoded: str, replacement: str = "\\ufffd") -> str:
    """``encoded`` with every NUL character's escape replaced by ``replacement`` (an
    escape too, by default U+FFFD's)."""
    if "\\u0000" not in encoded:
        return encoded
    return _NUL_ESCAPE.sub(lambda m: m.group(1) + replacement, encoded)


def printable(text: str) -> str:
    """``text`` with NUL and surrogate characters replaced by U+FFFD."""
    if text.isascii() and "\x00" not in text:  # the usual case, two C scans
        return text
    if _UNSTORABLE_CHARACTERS.search(text) is None:
        return text
    return _UNSTORABLE_CHARACTERS.sub("\ufffd", text)
