"""NUL characters in JSON text, which PostgreSQL stores in neither ``json`` nor ``text``.

``json.dumps`` writes a NUL character as the escape ``\\u0000``. Looking for that substring
is not enough: the *text* ``\\u0000`` (a backslash, then ``u0000``), harmless in any
database, is written as ``\\\\u0000``, which contains it. An escape is real only when the
backslashes before ``u0000`` are odd in number; these helpers count them.
"""

from __future__ import annotations

import re
from typing import Final

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
