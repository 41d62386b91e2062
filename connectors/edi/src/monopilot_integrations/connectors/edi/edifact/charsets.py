"""Character repertoires by UNB syntax identifier (data element 0001).

The syntax identifier decides how the bytes are decoded and which characters are allowed.
pydifact ignores it; we decode strictly and refuse what the repertoire does not hold, so
a partner sending UTF-8 under ``UNOA`` is told so instead of having names silently mangled.

- ``UNOA`` level A: ISO 646 upper case letters, digits, space and ``.,-()/='+:?!"%&*;<>``
- ``UNOB`` level B: level A plus lower case letters
- ``UNOC`` .. ``UNOK``, ``UNOL``: ISO 8859-1, -2, -5, -7, -3, -4, -6, -8, -9, -15
- ``UNOW``, ``UNOY``: ISO 10646 as UTF-8
- ``UNOX`` (ISO 2022 code extension) is not supported.

C0/C1 control characters are refused everywhere, except CR and LF (line breaks between
segments, which many systems add) and whatever the UNA declares as a separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .characters import ServiceCharacters
from .errors import EdifactError

LEVEL_A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>"
LEVEL_B = LEVEL_A + "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Charset:
    """How one syntax identifier maps onto a Python codec and, for A/B, a repertoire."""

    identifier: str
    codec: str
    repertoire: str | None = None  # None: whatever the codec decodes (minus controls)

    def invalid_pattern(self, characters: ServiceCharacters) -> re.Pattern[str]:
        return _invalid_pattern(self, characters)

    def decode(self, data: bytes) -> str:
        """Strict decoding; raises UnicodeDecodeError (callers turn it into CHARSET)."""
        return data.decode(self.codec)

    def first_invalid(self, text: str, characters: ServiceCharacters) -> int | None:
        """Index of the first character outside the repertoire, or None."""
        found = self.invalid_pattern(characters).search(text)
        return None if found is None else found.start()

    def encode(self, text: str, characters: ServiceCharacters) -> bytes:
        """Encode for writing; a character outside the repertoire raises CHARSET."""
        position = self.first_invalid(text, characters)
        if position is None:
            try:
                return text.encode(self.codec)
            except UnicodeEncodeError as error:
                position = error.start
        char = text[position]
        raise EdifactError(
            "CHARSET",
            f"character {char!r} (U+{ord(char):04X}) is not in the {self.identifier} repertoire",
        )


@cache
def _invalid_pattern(charset: Charset, characters: ServiceCharacters) -> re.Pattern[str]:
    allowed_controls = "\r\n" + "".join(
        char
        for char in (
            characters.component,
            characters.element,
            characters.release,
            characters.reserved,
            characters.terminator,
        )
        if not char.isprintable()
    )
    if charset.repertoire is not None:
        allowed = (
            charset.repertoire
            + allowed_controls
            + "".join(
                (
                    characters.component,
                    characters.element,
                    characters.decimal,
                    characters.release,
                    characters.reserved,
                    characters.terminator,
                )
            )
        )
        return re.compile(f"[^{re.escape(''.join(sorted(set(allowed))))}]")
    controls = "".join(
        chr(code)
        for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]
        if chr(code) not in allowed_controls
    )
    return re.compile(f"[{re.escape(controls)}]")


CHARSETS: dict[str, Charset] = {
    charset.identifier: charset
    for charset in (
        Charset("UNOA", "ascii", LEVEL_A),
        Charset("UNOB", "ascii", LEVEL_B),
        Charset("UNOC", "iso8859-1"),
        Charset("UNOD", "iso8859-2"),
        Charset("UNOE", "iso8859-5"),
        Charset("UNOF", "iso8859-7"),
        Charset("UNOG", "iso8859-3"),
        Charset("UNOH", "iso8859-4"),
        Charset("UNOI", "iso8859-6"),
        Charset("UNOJ", "iso8859-8"),
        Charset("UNOK", "iso8859-9"),
        Charset("UNOL", "iso8859-15"),
        Charset("UNOW", "utf-8"),
        Charset("UNOY", "utf-8"),
    )
}


def get_charset(identifier: str) -> Charset:
    """The charset for a syntax identifier; unknown or unsupported ones raise CHARSET."""
    charset = CHARSETS.get(identifier)
    if charset is None:
        supported = ", ".join(sorted(CHARSETS))
        raise EdifactError(
            "CHARSET",
            f"syntax identifier {identifier!r} is not supported (supported: {supported})",
            tag="UNB",
            expected=supported,
            element=0,
        )
    return charset
