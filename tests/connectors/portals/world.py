"""The portals' test world: two organisations, each with two suppliers and two customers,
their orders and shipments (loaded through the reference store's seed loader), and a
portal user per party (created through the administration service)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from monopilot_integrations.connectors.portals.admin.models import PortalUserCreate
from monopilot_integrations.connectors.portals.admin.service import PortalUserAdmin
from monopilot_integrations.connectors.portals.parties import CUSTOMER, SUPPLIER
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.domain.seed import load_seed, parse_seed

PASSWORD = "portal password 1"


def seed(code: str) -> dict[str, Any]:
    """One organisation: suppliers S1, S2; customers C1, C2; products P1, P2."""
    pos = []
    for supplier in ("S1", "S2"):
        for n, status in enumerate(("sent", "sent", "confirmed", "received", "draft"), start=1):
            pos.append(
                {
                    "number": f"PO-{code}-{supplier}-{n}",
                    "supplier_code": supplier,
                    "status": status,
                    "order_date": f"2026-02-{10 + n:02d}",
                    "expected_delivery_date": f"2026-03-{10 + n:02d}",
                    "lines": [
                        {"product_code": "P1", "qty": "100", "unit_price": "1.5"},
                        {"product_code": "P2", "qty": "40.5", "unit_price": "3"},
                    ],
                }
            )
    sos, shipments = [], []
    for customer in ("C1", "C2"):
        for n in (1, 2):
            number = f"SO-{code}-{customer}-{n}"
            sos.append(
                {
                    "number": number,
                    "customer_code": customer,
                    "status": "shipped" if n == 1 else "confirmed",
                    "order_date": f"2026-02-{20 + n}",
                    "requested_delivery_date": f"2026-03-0{n + 3}",
                    "external_reference": f"{customer}/REF/{n}",
                    "lines": [{"product_code": "P1", "qty": "12", "unit_price": "2"}],
                }
            )
        shipments.append(
            {
                "number": f"WZ-{code}-{customer}-1",
                "sales_order_number": f"SO-{code}-{customer}-1",
                "status": "dispatched",
                "carrier": "DPD Polska",
                "tracking_number": f"TRK{code}{customer}",
                "tracking_url": "https://tracking.example/parcel",
                "dispatched_at": "2026-03-02T08:30:00+00:00",
                "lines": [{"product_code": "P1", "qty": "12", "batch": "B1"}],
            }
        )
    return {
        "organization": {"code": code, "name": f"Bakery {code}", "currency": "PLN"},
        "suppliers": [{"code": s, "name": f"Supplier {s} of {code}"} for s in ("S1", "S2")],
        "customers": [{"code": c, "name": f"Customer {c} of {code}"} for c in ("C1", "C2")],
        "products": [
            {"code": "P1", "name": "Flour type 750", "unit": "kg", "price": "2", "vat_rate": "5"},
            {"code": "P2", "name": "Rye flour", "unit": "kg", "price": "3", "vat_rate": "5"},
        ],
        "purchase_orders": pos,
        "sales_orders": sos,
        "shipments": shipments,
    }


@dataclass
class Org:
    id: uuid.UUID
    code: str
    suppliers: dict[str, uuid.UUID] = field(default_factory=dict)
    customers: dict[str, uuid.UUID] = field(default_factory=dict)
    #: e-mail of the portal user of each party code
    emails: dict[str, str] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    pos: dict[str, uuid.UUID] = field(default_factory=dict)
    sos: dict[str, uuid.UUID] = field(default_factory=dict)
    shipments: dict[str, uuid.UUID] = field(default_factory=dict)


async def build_org(kernel: Kernel, code: str) -> Org:
    report = await load_seed(kernel.database, parse_seed(seed(code)), clock=kernel.clock)
    org = Org(report.org_id, code)
    domain = kernel.domain
    for s in ("S1", "S2"):
        supplier = await domain.find_supplier_by_code(org.id, s)
        org.suppliers[s] = supplier.id
        page = await domain.list_purchase_orders(org.id, supplier_id=supplier.id, limit=100)
        org.pos.update({po.number: po.id for po in page.items})
    for c in ("C1", "C2"):
        customer = await domain.find_customer_by_code(org.id, c)
        org.customers[c] = customer.id
        page = await domain.list_sales_orders(org.id, customer_id=customer.id, limit=100)
        org.sos.update({so.number: so.id for so in page.items})
        shipments = await domain.list_shipments(org.id, customer_id=customer.id, limit=100)
        org.shipments.update({sh.number: sh.id for sh in shipments.items})
    for party, portal, ids in (
        ("S1", SUPPLIER, org.suppliers),
        ("S2", SUPPLIER, org.suppliers),
        ("C1", CUSTOMER, org.customers),
        ("C2", CUSTOMER, org.customers),
    ):
        email = f"{party.lower()}@{code.lower()}.example"
        created = await PortalUserAdmin(kernel, portal).create(
            org.id,
            PortalUserCreate(
                email=email, name=f"User {party}", party_id=ids[party], password=PASSWORD
            ),
        )
        org.emails[party] = email
        org.users[party] = created.id
    return org
