"""The portals' part of ``serve --demo``: one supplier and one customer portal user of the
demo organisation, so a person trying the demo can sign in to both portals.

Made through the administration service (the same path as the API's invitation and the
``portal-users`` command). A later demo run finds the users and gives them a fresh password
(and reactivates them), as the demo does for its API key: a password is only shown once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from monopilot_integrations.connectors.portals.admin.models import PasswordReset, PortalUserCreate
from monopilot_integrations.connectors.portals.admin.service import PortalUserAdmin
from monopilot_integrations.connectors.portals.directory import ACTIVE, SUSPENDED
from monopilot_integrations.connectors.portals.parties import CUSTOMER, SUPPLIER, Portal
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.registration import DemoLogin


@dataclass(frozen=True)
class DemoPortalUser:
    """A portal user of the demo, for a party the demo file has (by its code)."""

    portal: Portal
    party_code: str
    email: str
    name: str


DEMO_PORTAL_USERS = (
    DemoPortalUser(SUPPLIER, "MLYN-01", "jan.zielinski@mlyn-kujawy.pl", "Jan Zieliński"),
    DemoPortalUser(CUSTOMER, "ORZEL", "ewa.wisniewska@orzel-supermarkety.pl", "Ewa Wiśniewska"),
)


async def seed_demo_portal_users(
    kernel: Kernel, org_id: uuid.UUID, register: Callable[[DemoLogin], None]
) -> None:
    for demo_user in DEMO_PORTAL_USERS:
        password = await _fresh_login(kernel, org_id, demo_user)
        if password is None:
            continue
        portal = demo_user.portal
        register(
            DemoLogin(
                realm=portal.title.lower(),
                url_path=f"{portal.page_base}/login",
                email=demo_user.email,
                password=password,
                note=f"for {demo_user.party_code}",
            )
        )


async def _fresh_login(kernel: Kernel, org_id: uuid.UUID, demo_user: DemoPortalUser) -> str | None:
    """The user's new password; ``None`` when the demo organisation has no such party
    (MonoPilot's own store, where the demo file was not loaded)."""
    portal = demo_user.portal
    party_id = await _party_id(kernel, org_id, demo_user)
    if party_id is None:
        return None
    admin = PortalUserAdmin(kernel, portal)
    users, _ = await admin.list(org_id, status=None, party_id=party_id, limit=200, offset=0)
    existing = next((u for u in users if u.email == demo_user.email), None)
    if existing is None:
        created = await admin.create(
            org_id,
            PortalUserCreate(email=demo_user.email, name=demo_user.name, party_id=party_id),
        )
        password = created.temporary_password
    else:
        if existing.status == SUSPENDED:
            await admin.set_status(org_id, existing.id, ACTIVE)
        reset = await admin.reset_password(org_id, existing.id, PasswordReset())
        password = reset.temporary_password
    assert password is not None  # no password was given, so one was made
    return password


async def _party_id(
    kernel: Kernel, org_id: uuid.UUID, demo_user: DemoPortalUser
) -> uuid.UUID | None:
    domain = kernel.domain
    if demo_user.portal.kind == "supplier":
        party = await domain.find_supplier_by_code(org_id, demo_user.party_code)
    else:
        party = await domain.find_customer_by_code(org_id, demo_user.party_code)
    return None if party is None else party.id
