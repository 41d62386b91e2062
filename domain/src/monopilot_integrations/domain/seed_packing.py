"""How a seed file's shipment is packed: its packages and which package carries each line.

A shipment in a seed file lists ``packages`` (each with its lines) and/or ``lines``; a
line's ``sscc`` (the older format) puts it on the package with that SSCC, created when the
file lists none. :func:`plan_packing` turns that into numbered packages and lines;
:func:`sync_packing` makes a shipment row match the plan, matching packages by
``package_no`` and lines by ``line_no`` as the rest of the seed matches lines by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect

from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.domain.shipments import DEFAULT_PACKAGE_TYPE
from monopilot_integrations.domain.seed_values import apply, given_fields, with_defaults
from monopilot_integrations.domain.tables import ShipmentLineRow, ShipmentPackageRow, ShipmentRow

if TYPE_CHECKING:
    from monopilot_integrations.domain.seed import SeedShipment


@dataclass
class Packing:
    """Packages (values, in ``package_no`` order) and lines (values, index of the package
    that carries it or ``None``, in ``line_no`` order)."""

    packages: list[dict[str, Any]] = field(default_factory=list)
    lines: list[tuple[dict[str, Any], int | None]] = field(default_factory=list)


def plan_packing(shipment: SeedShipment, product_ids: dict[str, Any]) -> Packing:
    plan = Packing()
    by_sscc: dict[str, int] = {}

    def line_values(line: Any) -> dict[str, Any]:
        values = line.model_dump(exclude={"product_code", "sscc"})
        return {**values, "product_id": product_ids[line.product_code]}

    for package in shipment.packages:
        if package.sscc:
            by_sscc[package.sscc] = len(plan.packages)
        plan.lines += [(line_values(line), len(plan.packages)) for line in package.lines]
        plan.packages.append(given_fields(package, exclude={"lines"}))
    for line in shipment.lines:
        carrier = None
        if line.sscc:
            if line.sscc not in by_sscc:
                by_sscc[line.sscc] = len(plan.packages)
                plan.packages.append(
                    {"sscc": line.sscc, "package_type": DEFAULT_PACKAGE_TYPE, "gross_weight": None}
                )
            carrier = by_sscc[line.sscc]
        plan.lines.append((line_values(line), carrier))
    return plan


def sync_packing(row: ShipmentRow, plan: Packing, now: datetime) -> bool:
    """Make ``row``'s packages and lines those of ``plan``; True when anything changed."""
    if inspect(row).transient:
        row.package_rows = []
    changed = False
    existing = {package.package_no: package for package in row.package_rows}
    packages: list[ShipmentPackageRow] = []
    for package_no, values in enumerate(plan.packages, start=1):
        package = existing.pop(package_no, None)
        if package is None:
            package = ShipmentPackageRow(
                id=new_id(),
                org_id=row.org_id,
                package_no=package_no,
                created_at=now,
                **with_defaults(values),
            )
            row.package_rows.append(package)
            changed = True
        else:
            changed = apply(package, values) or changed
        packages.append(package)
    lines = {line.line_no: line for line in row.lines}
    for line_no, (values, carrier) in enumerate(plan.lines, start=1):
        package = packages[carrier] if carrier is not None else None
        line = lines.pop(line_no, None)
        if line is None:
            row.lines.append(
                ShipmentLineRow(org_id=row.org_id, line_no=line_no, package=package, **values)
            )
            changed = True
            continue
        changed = apply(line, values) or changed
        if line.package is not package:
            line.package = package
            changed = True
    for line in lines.values():
        row.lines.remove(line)  # delete-orphan removes the row
        changed = True
    for package in existing.values():
        row.package_rows.remove(package)
        changed = True
    return changed
