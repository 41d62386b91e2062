"""The two portals, described once: who signs in, in which table, for which party.

Everything that differs between the supplier and the customer portal (the realm, the users
table, the party column, the words on pages) is read from a :class:`Portal`; the sign-in,
session and administration code is the same for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monopilot_integrations.connectors.portals.tables import (
    CustomerPortalUser,
    SupplierPortalUser,
)

PortalKind = Literal["supplier", "customer"]


@dataclass(frozen=True)
class Portal:
    kind: PortalKind
    #: The sign-in realm: cookie ``mp_portal_supplier``, its own sessions and lockouts.
    realm: str
    table: type[SupplierPortalUser] | type[CustomerPortalUser]
    #: The users table's column naming the party, and the session claim carrying it.
    party_column: Literal["supplier_id", "customer_id"]
    title: str

    @property
    def api_base(self) -> str:
        return f"/api/portal/{self.kind}"

    @property
    def page_base(self) -> str:
        return f"/portal/{self.kind}"


SUPPLIER = Portal(
    "supplier", "portal-supplier", SupplierPortalUser, "supplier_id", "Supplier portal"
)
CUSTOMER = Portal(
    "customer", "portal-customer", CustomerPortalUser, "customer_id", "Customer portal"
)
PORTALS: dict[str, Portal] = {SUPPLIER.kind: SUPPLIER, CUSTOMER.kind: CUSTOMER}
