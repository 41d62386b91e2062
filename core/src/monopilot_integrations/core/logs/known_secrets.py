"""Layer 3 of masking: the exact secrets a caller knows are in play.

A connector knows the secrets of an attempt (the webhook secret it signed with, the partner
password it sent) and passes them to the masker, which scrubs them as substrings everywhere,
in their JSON-escaped and URL-encoded forms too (a receiver may echo the request back
encoded).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, quote_plus

__all__ = ["MIN_SECRET_LENGTH", "prepare", "secret_forms"]

#: Known secrets shorter than this would mask ordinary words and numbers all over a log.
MIN_SECRET_LENGTH: Final = 4
# Characters that JSON and URL encoding leave alone.
_UNRESERVED_RE: Final = re.compile(r"[A-Za-z0-9_.~-]+")


def prepare(secrets: Iterable[str]) -> tuple[str, ...]:
    """Usable known secrets, with their JSON-escaped and URL-encoded forms, longest first
    (so a secret that contains another is scrubbed whole).

    Memoised on the secrets themselves: a connector passes the same few secrets with every
    attempt, and every log row masks two bodies, headers and an error with them."""
    if not secrets:
        return ()
    if isinstance(secrets, str):  # a single secret passed bare, not its characters
        secrets = (secrets,)
    collected: list[str] = []
    with contextlib.suppress(Exception):  # an odd iterable: use what was collected
        collected.extend(
            str.__str__(secret)  # a plain str: hashable, as the cache needs
            for secret in secrets
            if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH
        )
    return secret_forms(tuple(collected)) if collected else ()


@functools.lru_cache(maxsize=256)
def secret_forms(secrets: tuple[str, ...]) -> tuple[str, ...]:
    forms: set[str] = set()
    for secret in secrets:
        forms.add(secret)
        if _UNRESERVED_RE.fullmatch(secret):  # the same in JSON and in URLs
            continue
        forms.add(json.dumps(secret)[1:-1])
        forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
        forms.add(quote(secret, safe=""))
        forms.add(quote_plus(secret, safe=""))
    return tuple(sorted(forms, key=len, reverse=True))
