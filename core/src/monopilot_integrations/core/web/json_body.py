"""Turning the bytes of a request body into JSON data, refusing what no route can use.

Every route that takes JSON reads it through :func:`decode_json` (by way of
:func:`~monopilot_integrations.core.web.validation.parse_body`), so these refusals hold
everywhere:

* not JSON, or not UTF-8: 400;
* a NUL character (``\\u0000``): 422; PostgreSQL stores it in neither ``text`` nor ``json``;
* an unpaired surrogate (``"\\ud800"``): 422; ``json.loads`` accepts the escape, but the
  text cannot be encoded as UTF-8, so every later step that writes or sends it (the
  database, a webhook delivery) would fail;
* containers nested deeper than :data:`MAX_JSON_DEPTH`: 422; nothing a route takes is
  nested more than a few levels, and deep documents exhaust the recursion of every
  walker after the parser (validation, masking, serialization).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from monopilot_integrations.core.storable import has_nul
from monopilot_integrations.core.web.problems import Problem

MAX_JSON_DEPTH: Final = 64

# A \uD800-\uDFFF escape: the only way a surrogate gets into JSON text that is valid UTF-8.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")


def decode_json(raw: bytes) -> Any:
    """``raw`` parsed as JSON (``None`` when empty); :class:`Problem` 400/422 otherwise."""
    if b"\x00" in raw or (b"\\u0000" in raw and has_nul(raw.decode("utf-8", "replace"))):
        raise _refused("a NUL character (\\u0000)", "NUL character")
    try:
        data = json.loads(raw or b"null")
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"the body is not valid JSON: {exc}", kind="invalid-json") from exc
    # Both scans below are skipped by a cheap byte test in the usual case.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and depth_exceeds(data, MAX_JSON_DEPTH):
        raise _too_deep()
    if _SURROGATE_ESCAPE.search(raw) and has_lone_surrogate(data):
        raise _refused("an unpaired surrogate escape (\\ud800-\\udfff)", "unpaired surrogate")
    return data


def has_lone_surrogate(data: Any) -> bool:
    """True when some string (key or value) in ``data`` holds an unpaired surrogate."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def depth_exceeds(data: Any, limit: int) -> bool:
    """True when containers in ``data`` nest deeper than ``limit`` (iterative: the data
    may be deeper than the interpreter's recursion limit)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _refused(what: str, message: str) -> Problem:
    return Problem(
        422,
        f"the body contains {what}, which is not accepted",
        errors=[{"location": "body", "path": "/", "message": message}],
    )


def _too_deep() -> Problem:
    return Problem(
        422,
        f"the body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels",
        kind="too-deep",
        errors=[{"location": "body", "path": "/", "message": "nested too deeply"}],
    )
