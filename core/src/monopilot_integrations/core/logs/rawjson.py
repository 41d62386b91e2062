"""JSON text that goes into a log body as it is, when masking finds nothing to change.

A connector often holds the exact JSON it sent (a webhook body is signed as bytes). Handing
the log the parsed structure costs a walk of every node through the masker and a
serialization afterwards, on every attempt. Handed as :class:`RawJSON`, the masker first
checks the text as a whole with a few substring tests (:meth:`.masking.Masker.is_plain_json`):
when nothing in it could trigger any masking rule, the text is stored verbatim, which is
also exactly what went over the wire. Otherwise it is parsed and masked like any value.
"""

from __future__ import annotations

import json
import random
from typing import Any

__all__ = ["RawJSON", "dumps"]


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
