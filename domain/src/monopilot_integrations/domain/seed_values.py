"""Values a seed file gives, and how they are applied to rows: a field the file left out
keeps the row's stored value."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def _differs(current: Any, wanted: Any) -> bool:
    # Decimal("4.9900") read back equals Decimal("4.99") from the file: that is no change.
    return bool(current != wanted)


def apply(row: Any, values: dict[str, Any]) -> bool:
    """Set what the file gives; a field it left out keeps the row's value."""
    changed = False
    for name, value in values.items():
        if isinstance(value, LeftOut):
            continue
        if _differs(getattr(row, name), value):
            setattr(row, name, value)
            changed = True
    return changed


class LeftOut:
    """A field the seed file left out: its default when the row is created, and the row's
    own value (untouched) when it exists, so reloading a partial file changes only what
    the file says (an organisation's GLN, an order's source, a shipment's status stay)."""

    __slots__ = ("default",)

    def __init__(self, default: Any) -> None:
        self.default = default


def given_fields(model: BaseModel, *, exclude: set[str]) -> dict[str, Any]:
    """``model``'s fields; those the file did not set wrapped in :class:`LeftOut`."""
    values = model.model_dump(exclude=exclude)
    return {
        name: value if name in model.model_fields_set else LeftOut(value)
        for name, value in values.items()
    }


def with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """The values to create a row with: left-out fields take their defaults."""
    return {k: v.default if isinstance(v, LeftOut) else v for k, v in values.items()}
