"""The domain records live one module per concept; ``core.domain.records`` and the
package ``core.domain`` still offer them under their public import paths."""

from __future__ import annotations

import importlib
from typing import TypeVar

import monopilot_integrations.core.domain as package
from monopilot_integrations.core.domain import records

CONCEPTS = (
    "base",
    "parties",
    "products",
    "orders",
    "production",
    "inventory",
    "shipments",
    "invoices",
)


def test_records_gathers_every_model_of_the_concept_modules() -> None:
    defined: dict[str, object] = {}
    for concept in CONCEPTS:
        module = importlib.import_module(f"monopilot_integrations.core.domain.{concept}")
        for name, value in vars(module).items():
            if isinstance(value, TypeVar) or name.startswith("_"):
                continue
            if getattr(value, "__module__", None) == module.__name__:
                defined[name] = value
    assert {"Record", "Customer", "PurchaseOrder", "Shipment", "Invoice", "NewInvoice"} <= set(
        defined
    )
    assert sorted(set(defined) - set(records.__all__)) == []  # no model left out
    for name, value in defined.items():
        assert getattr(records, name) is value  # the same class, not a copy
    for name in records.__all__:
        assert getattr(records, name) is not None
    shared = [name for name in package.__all__ if name in records.__all__]
    assert len(shared) > 30
    for name in shared:
        assert getattr(package, name) is getattr(records, name)
    assert records.DEFAULT_PACKAGE_TYPE == "201"
    assert "correction" in str(records.InvoiceKind)
