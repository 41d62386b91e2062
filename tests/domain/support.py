"""Shared by the SQL store's tests: the demo organisation's data and a new product."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Any

from monopilot_integrations.core.domain import NewProduct

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def demo_data(code: str = "demo") -> dict[str, Any]:
    text = (files("monopilot_integrations.server.demo") / "demo-org.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    data["organization"]["code"] = code
    return data


class Orgs:
    """Two organisations seeded from the demo file: same codes, different ids."""

    a: uuid.UUID
    b: uuid.UUID


def new_product(code: str, **overrides: Any) -> NewProduct:
    values: dict[str, Any] = {"code": code, "name": f"Produkt {code}", "unit": "szt"}
    values |= {"price": Decimal("1.50"), "vat_rate": Decimal(5)}
    return NewProduct(**(values | overrides))
