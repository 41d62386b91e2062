"""Event payloads built from domain records, shared by every publisher of the same event
(the public API, the product import, ...), so one event type always has one shape.

Money goes out as a plain-notation decimal string, as in the REST API (no float rounding
on the receiver's side); quantities and rates as JSON numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from monopilot_integrations.core.domain.records import Product

__all__ = ["money", "number", "product_created"]


def number(value: Decimal) -> int | float:
    """A decimal as a JSON number: an integer when it is one."""
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal) -> str:
    """An amount of money as in the REST API: a plain-notation decimal string."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def product_created(product: Product) -> dict[str, Any]:
    """``product.created`` data."""
    return {
        "product_id": str(product.id),
        "code": product.code,
        "name": product.name,
        "gtin": product.gtin,
        "unit": product.unit,
        "price": money(product.price),
        "currency": product.currency,
        "vat_rate": number(product.vat_rate),
        "reorder_level": number(product.reorder_level),
    }
