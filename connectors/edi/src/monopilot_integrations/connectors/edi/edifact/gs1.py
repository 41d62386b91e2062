"""GS1 check digits for GLN (13 digits), GTIN (8, 12, 13, 14) and SSCC (18).

One mod-10 algorithm serves all GS1 keys: from the right, excluding the check digit,
weights alternate 3, 1, 3, ...; the check digit brings the sum up to a multiple of ten.
A wrong digit in a GLN would route an order to the wrong customer, so we check them.
"""

from __future__ import annotations

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def check_digit(body: str) -> str:
    """The check digit for ``body`` (the key without its check digit)."""
    if not body.isascii() or not body.isdigit():
        raise ValueError(f"a GS1 key body must be digits, got {body!r}")
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body))
    )
    return str((10 - total % 10) % 10)


def with_check_digit(body: str) -> str:
    """``body`` followed by its check digit."""
    return body + check_digit(body)


def has_valid_check_digit(key: str) -> bool:
    """True for a non-empty all-digit key whose last digit is its GS1 check digit."""
    if len(key) < 2 or not key.isascii() or not key.isdigit():
        return False
    return check_digit(key[:-1]) == key[-1]


def is_valid_gln(value: str) -> bool:
    return len(value) == 13 and has_valid_check_digit(value)


def is_valid_gtin(value: str) -> bool:
    return len(value) in GTIN_LENGTHS and has_valid_check_digit(value)


def is_valid_sscc(value: str) -> bool:
    return len(value) == 18 and has_valid_check_digit(value)
