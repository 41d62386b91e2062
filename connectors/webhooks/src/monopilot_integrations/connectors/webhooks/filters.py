"""Which events of a subscribed type a webhook gets: channels and a payload filter.

**Channels** (Svix's channels, labels elsewhere): an event may carry a few channel names
(``plant-krakow``, ``retail``), and so may a webhook. A webhook without channels gets the
events of its types whatever their channels; a webhook with channels gets only the events
that carry at least one of them. So a partner can be given one plant's orders without a
second event type per plant.

**Payload filter** (Convoy's body filters, reduced to what can be checked when saved): a
JSON object of conditions on the event's ``data``, all of which must hold::

    {"status": "confirmed", "customer_code": {"in": ["BIEDRA", "LIDL"]},
     "supplier.country": "PL"}

A key is a dotted path into ``data`` (``supplier.country`` is ``data["supplier"]["country"]``;
through an array, any element: ``lines.product_code`` holds when one line's code does); a
value is either a JSON scalar (equality) or ``{"in": [scalars]}``. A missing field never
matches. Numbers compare by value (``2`` equals ``2.0``), but ``true`` never equals ``1``.
The filter is validated when the webhook is saved: its syntax, and that every path is a
field some subscribed event type's schema declares (a typo would otherwise silently
filter out every event).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAX_CONDITIONS = 20
MAX_IN_VALUES = 100
MAX_CHANNELS = 10
CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}$")


def channel_problems(channels: Sequence[Any]) -> list[str]:
    """Every problem with a list of channel names (empty: acceptable)."""
    problems = []
    if len(channels) > MAX_CHANNELS:
        problems.append(f"at most {MAX_CHANNELS} channels")
    for name in channels:
        if not isinstance(name, str) or not CHANNEL.match(name):
            problems.append(
                f"{name!r} is not a channel name (1-64 letters, digits, '_', '.', ':' or '-', "
                "starting with a letter or digit)"
            )
    if len({str(c) for c in channels}) != len(channels):
        problems.append("a channel is listed twice")
    return problems


def channels_match(wanted: Sequence[str] | None, carried: Iterable[str] | None) -> bool:
    """A webhook without channels takes every event; one with channels, the events that
    carry one of them."""
    if not wanted:
        return True
    return bool(carried) and not set(wanted).isdisjoint(carried or ())


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def filter_problems(
    conditions: Mapping[str, Any], schemas: Sequence[Mapping[str, Any]] | None
) -> list[str]:
    """Every problem with a payload filter. ``schemas``: the ``data`` schemas of the
    subscribed event types (``None``: every type, so paths are not checked)."""
    problems: list[str] = []
    if len(conditions) > MAX_CONDITIONS:
        problems.append(f"at most {MAX_CONDITIONS} conditions")
    for path, condition in conditions.items():
        if not _PATH.match(path):
            problems.append(
                f"{path!r} is not a field path (names joined by '.', e.g. 'supplier.country')"
            )
            continue
        if isinstance(condition, Mapping):
            values = condition.get("in")
            if set(condition) != {"in"} or not isinstance(values, list):
                problems.append(
                    f"{path!r}: a condition is a value (equality) or {{'in': [values]}}"
                )
            elif not 1 <= len(values) <= MAX_IN_VALUES or not all(map(_scalar, values)):
                problems.append(
                    f"{path!r}: 'in' takes 1 to {MAX_IN_VALUES} strings, numbers, booleans or nulls"
                )
        elif not _scalar(condition):
            problems.append(f"{path!r}: compare with a string, number, boolean or null")
        if schemas is not None and not any(_declares(s, path.split(".")) for s in schemas):
            problems.append(f"{path!r}: no subscribed event type declares this field")
    return problems


def _declares(schema: Mapping[str, Any], parts: list[str]) -> bool:
    """Whether ``schema`` declares the field at ``parts`` (through objects and arrays'
    items, and ``anyOf``/``oneOf`` branches)."""
    if not parts:
        return True
    for branch in schema.get("anyOf", ()) or schema.get("oneOf", ()):
        if isinstance(branch, Mapping) and _declares(branch, parts):
            return True
    items = schema.get("items")
    if isinstance(items, Mapping) and _declares(items, parts):
        return True
    properties = schema.get("properties")
    if isinstance(properties, Mapping) and parts[0] in properties:
        child = properties[parts[0]]
        return isinstance(child, Mapping) and (len(parts) == 1 or _declares(child, parts[1:]))
    return False


def _values(data: Any, parts: list[str]) -> list[Any]:
    """The values at ``parts``; through an array, those of every element."""
    if isinstance(data, list):
        return [value for element in data for value in _values(element, parts)]
    if not parts:
        return [data]
    if not isinstance(data, Mapping) or parts[0] not in data:
        return []
    return _values(data[parts[0]], parts[1:])


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    return bool(left == right)


def payload_matches(conditions: Mapping[str, Any] | None, data: Mapping[str, Any]) -> bool:
    """Whether ``data`` satisfies every condition (no filter: always)."""
    if not conditions:
        return True
    for path, condition in conditions.items():
        options = condition.get("in", ()) if isinstance(condition, Mapping) else (condition,)
        found = _values(data, path.split("."))
        if not any(_same(value, option) for value in found for option in options):
            return False
    return True
