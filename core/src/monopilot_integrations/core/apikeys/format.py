"""The API key format: recognisable, checksummed, short enough for bcrypt.

    mp_live_3kTq9ZbW1xYa_Jq8vN2mR5tK7wP0sL4dF6hB9cX3   (51 characters)
    └prefix┘└─ key id ─┘ └──── secret (24) ────┘└crc┘

* the prefix (``mp_live_`` / ``mp_test_``) tells people and secret scanners what it is;
* the key id (12 base62 characters) is public: it finds the stored row without hashing;
* the secret is 24 base62 characters, about 143 bits from ``secrets``;
* the checksum (CRC-32 of everything before it, 6 base62 characters) rejects typos and
  random strings before any database lookup or bcrypt, as GitHub's tokens do.

51 bytes in all: under bcrypt's 72-byte limit (bcrypt 5 raises past it).
"""

from __future__ import annotations

import re
import secrets
import zlib
from dataclasses import dataclass
from typing import Literal

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PREFIXES = {"live": "mp_live_", "test": "mp_test_"}
KEY_ID_LENGTH = 12
SECRET_LENGTH = 24
CHECKSUM_LENGTH = 6

_PATTERN = re.compile(r"^(mp_(?:live|test)_)([0-9A-Za-z]{12})_([0-9A-Za-z]{24})([0-9A-Za-z]{6})$")


class MalformedKeyError(ValueError):
    """Not a MonoPilot API key (wrong shape or checksum)."""


@dataclass(frozen=True)
class ParsedKey:
    prefix: str
    key_id: str
    secret: str
    text: str

    @property
    def last4(self) -> str:
        return self.text[-4:]


def _base62(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def generate(environment: Literal["live", "test"] = "live") -> ParsedKey:
    """A new random key. The caller shows ``text`` once and stores only a hash."""
    prefix = PREFIXES[environment]
    key_id = _random(KEY_ID_LENGTH)
    body = f"{prefix}{key_id}_{_random(SECRET_LENGTH)}"
    text = body + checksum(body)
    return parse(text)


def with_new_secret(key_id: str, environment: Literal["live", "test"] = "live") -> ParsedKey:
    """A new secret for an existing key id (regeneration keeps the id stable)."""
    body = f"{PREFIXES[environment]}{key_id}_{_random(SECRET_LENGTH)}"
    return parse(body + checksum(body))


def parse(text: str) -> ParsedKey:
    """Split and check a presented key; raises :class:`MalformedKeyError`."""
    match = _PATTERN.match(text)
    if match is None:
        raise MalformedKeyError("not a MonoPilot API key (expected mp_live_... or mp_test_...)")
    prefix, key_id, secret, crc = match.groups()
    body = text[:-CHECKSUM_LENGTH]
    if not secrets.compare_digest(checksum(body), crc):
        raise MalformedKeyError("the API key's checksum does not match (mistyped or truncated?)")
    return ParsedKey(prefix=prefix, key_id=key_id, secret=secret, text=text)


def mask(prefix: str, last4: str) -> str:
    """What the API shows after creation: ``mp_live_…a1B2``."""
    return f"{prefix}…{last4}"
