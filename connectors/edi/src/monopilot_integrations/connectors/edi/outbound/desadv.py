"""A shipment -> DESADV, with what a retailer checks on it.

DTM+11 (despatch) and DTM+17 (expected delivery: the retailer books its unloading slot
with it), RFF+ON with its DTM+171, NAD+BY/SU/DP, the shipment level ``CPS+1`` with
``PAC`` (the total number of packages, one PAC per package type), then one ``CPS`` per
stored package: its PAC (type), MEA (gross weight), PCI+33E with GIN+BJ (its SSCC) and the
lines it carries (a mixed pallet carries several), each with its GTIN, quantity, and batch
/ best-before (PCI+36E). Lines no package carries come last, in one CPS without PAC.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from monopilot_integrations.connectors.edi.edifact.model import OutMessage
from monopilot_integrations.connectors.edi.outbound.documents import gln_of, out_message
from monopilot_integrations.connectors.edi.outbound.segments import (
    Seg,
    dtm,
    lin,
    nad,
    quantity,
    rff,
)
from monopilot_integrations.core.domain.orders import SalesOrder
from monopilot_integrations.core.domain.parties import Organization
from monopilot_integrations.core.domain.shipments import Shipment, ShipmentLine, ShipmentPackage


def _line(line: ShipmentLine, directory: str) -> list[Seg]:
    segments: list[Seg] = [
        lin(line.line_no, line.gtin, directory),
        ("PIA", ("1", (line.product_code[:35], "SA"))),
        ("QTY", (("12", quantity(line.qty)),)),
    ]
    if line.best_before or line.batch:
        segments.append(("PCI", ("36E",)))
        if line.best_before:
            segments.append(dtm("361", line.best_before))
        if line.batch:
            segments.append(("GIN", ("BX", line.batch[:35])))
    return segments


def _package(package: ShipmentPackage) -> list[Seg]:
    segments: list[Seg] = [("PAC", ("1", "", package.package_type))]
    if package.gross_weight is not None:
        segments.append(("MEA", ("PD", "AAB", ("KGM", quantity(package.gross_weight)))))
    if package.sscc:
        segments += [("PCI", ("33E",)), ("GIN", ("BJ", package.sscc))]
    return segments


def _packages(shipment: Shipment, directory: str) -> list[Seg]:
    """``CPS+1`` with the package totals per type, then a CPS per package."""
    segments: list[Seg] = [("CPS", ("1",))]
    per_type = Counter(package.package_type for package in shipment.packages)
    segments += [("PAC", (str(count), "", kind)) for kind, count in per_type.items()]
    position = 1
    for package in shipment.packages:
        position += 1
        segments.append(("CPS", (str(position), "1")))
        segments += _package(package)
        for line in package.lines:
            segments += _line(line, directory)
    if shipment.unpacked_lines:
        segments.append(("CPS", (str(position + 1), "1")))
        for line in shipment.unpacked_lines:
            segments += _line(line, directory)
    return segments


def build_desadv(
    shipment: Shipment,
    organization: Organization,
    *,
    directory: str = "D96A",
    reference: str = "1",
    issued: date,
    order: SalesOrder | None = None,
) -> OutMessage:
    customer = shipment.customer
    segments: list[Seg] = [
        ("BGM", ("351", shipment.number[:35], "9")),
        dtm("137", issued),
    ]
    if shipment.dispatched_at:
        segments.append(dtm("11", shipment.dispatched_at))
    if order is not None and order.requested_delivery_date:
        segments.append(dtm("17", order.requested_delivery_date))
    if shipment.sales_order_reference:
        segments.append(rff("ON", shipment.sales_order_reference))
        if order is not None:
            segments.append(dtm("171", order.order_date))
    segments.append(nad("BY", gln_of(customer, "customer")))
    segments.append(nad("SU", gln_of(organization, "organization")))
    if order is not None and order.delivery_party_gln:
        segments.append(nad("DP", order.delivery_party_gln))
    if shipment.carrier:
        segments.append(("TDT", ("20", "", "30", "31", ("", "", "", shipment.carrier[:35]))))
    segments += _packages(shipment, directory)
    segments.append(("CNT", (("2", str(len(shipment.lines))),)))
    return out_message("DESADV", directory, reference, segments)
