"""JSON text that goes into a log body as it is, when masking finds nothing to change.

A connector often holds the exact JSON it sent (a webhook body is signed as bytes). Handing
the log the parsed structure costs a walk of every node through the masker and a
serialization afterwards, on every attempt. Handed as :class:`RawJSON`, the masker first
checks the text as a whole with a few substring tests (:meth:`.masking.Masker.is_plain_json`):
when nothing in it could trigger any masking rule, the text is stored verbatim, which is
also exactly what went over the wire. Otherwise it is parsed and masked like any value.

A text kept verbatim must be JSON, or the row could not be read back: :func:`is_valid`
parses each distinct text once and remembers it (a webhook logs the same event body for
every subscribed webhook), and a text that is not JSON is logged as a string. A document
nested deeper than :data:`.masking.MAX_DEPTH` is stored whole, where the walk would cut it
off (nothing in it needs masking, or it would have been walked).
"""

from __future__ import annotations

import json
import random
from typing import Any

__all__ = ["RawJSON", "dumps", "is_valid"]


class RawJSON:
    """A JSON document, as text, standing for its value inside a log body."""

    __slots__ = ("text",)

    def __init__(self, text: str | bytes) -> None:
        self.text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:40]!r}{'...' if len(self.text) > 40 else ''})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawJSON) and other.text == self.text

    __hash__ = None  # type: ignore[assignment]


# Texts known to parse, oldest first; bounded by size (a burst's bodies, not history).
_VALID: dict[str, None] = {}
_VALID_LIMIT_BYTES = 8 * 1024 * 1024
_VALID_ENTRY_BYTES = 256 * 1024
_valid_bytes = 0


def is_valid(text: str) -> bool:
    """True when ``text`` is a JSON document (parsed once per distinct text)."""
    global _valid_bytes
    if text in _VALID:
        return True
    try:
        json.loads(text)
    except ValueError:
        return False
    if len(text) <= _VALID_ENTRY_BYTES:
        if _valid_bytes + len(text) > _VALID_LIMIT_BYTES:
            _VALID.clear()
            _valid_bytes = 0
        _VALID[text] = None
        _valid_bytes += len(text)
    return True


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)`` with every :class:`RawJSON` spliced in as
    its text (other unknown objects as ``str``)."""
    if type(value) is RawJSON:
        return value.text
    raws: list[str] = []
    # Random per call, so data cannot carry a marker by accident; ``random`` rather than
    # ``secrets``: a system call per log row showed up in profiles, and the marker never
    # leaves this function.
    marker = f"\ue000{random.getrandbits(64):016x}:"

    def default(obj: Any) -> Any:
        if type(obj) is RawJSON:
            raws.append(obj.text)
            return f"{marker}{len(raws) - 1}\ue000"
        return str(obj)

    text = json.dumps(value, default=default, ensure_ascii=False)
    for index, raw in enumerate(raws):
        text = text.replace(f'"{marker}{index}\ue000"', raw, 1)
    return text
