"""``monopilot-integrations portal-users ...``: portal users from the command line, for an
operator without an API key at hand (the first user of a new supplier, a locked-out
customer on the phone). The same service as the administration API.

    portal-users create --org CODE --portal supplier --party MLYN-01 --email E --name N
    portal-users list --org CODE [--portal customer]
    portal-users suspend|reactivate|reset-password --org CODE --portal supplier --email E
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from sqlalchemy import select

from monopilot_integrations.connectors.portals.admin.models import PasswordReset, PortalUserCreate
from monopilot_integrations.connectors.portals.admin.service import PortalUserAdmin
from monopilot_integrations.connectors.portals.directory import ACTIVE, SUSPENDED
from monopilot_integrations.connectors.portals.parties import PORTALS, Portal
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.core.web.sessions import normalise_email


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    for name, text in (
        ("create", "create (invite) a portal user; prints a temporary password once"),
        ("list", "list the organisation's portal users"),
        ("suspend", "refuse sign-in and end the user's sessions"),
        ("reactivate", "allow a suspended user to sign in again"),
        ("reset-password", "set a new temporary password; ends the user's sessions"),
    ):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("--org", required=True, help="organisation id or code")
        sub.add_argument("--portal", choices=sorted(PORTALS), default="supplier")
        if name == "create":
            sub.add_argument("--party", required=True, help="supplier or customer id or code")
            sub.add_argument("--email", required=True)
            sub.add_argument("--name", required=True)
        elif name != "list":
            sub.add_argument("--email", required=True, help="the user's e-mail address")


async def run(args: argparse.Namespace) -> int:
    from monopilot_integrations.core.kernel import Kernel

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        return await _run(kernel, args)
    except (ValidationError, NotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await kernel.close()


async def _run(kernel: Any, args: argparse.Namespace) -> int:
    org = await _organization(kernel, args.org)
    portal = PORTALS[args.portal]
    admin = PortalUserAdmin(kernel, portal)
    if args.action == "list":
        items, _ = await admin.list(org, status=None, party_id=None, limit=200, offset=0)
        for user in items:
            two = "2fa" if user.two_factor else "-"
            print(f"{user.id}  {user.status:<9}  {two:<3}  {user.email}  {user.name}")
        return 0
    if args.action == "create":
        party = await _party(kernel, portal, org, args.party)
        created = await admin.create(
            org, PortalUserCreate(email=args.email, name=args.name, party_id=party)
        )
        print(f"created {portal.kind} portal user {created.id} <{created.email}>")
        print(f"temporary password (shown once): {created.temporary_password}")
        return 0
    user_id = await _user_id(kernel, portal, org, args.email)
    if args.action == "reset-password":
        reset = await admin.reset_password(org, user_id, PasswordReset())
        print(f"temporary password (shown once): {reset.temporary_password}")
        return 0
    status = SUSPENDED if args.action == "suspend" else ACTIVE
    done = await admin.set_status(org, user_id, status)
    print(f"{done.email}: {done.status}")
    return 0


async def _organization(kernel: Any, value: str) -> uuid.UUID:
    try:
        found = await kernel.domain.get_organization(uuid.UUID(value))
    except ValueError:
        found = None
    found = found or await kernel.domain.find_organization_by_code(value)
    if found is None:
        raise NotFoundError(f"no organisation {value!r} (an id or a code)")
    return uuid.UUID(str(found.id))


async def _party(kernel: Any, portal: Portal, org: uuid.UUID, value: str) -> uuid.UUID:
    finder = (
        kernel.domain.find_supplier_by_code
        if portal.kind == "supplier"
        else kernel.domain.find_customer_by_code
    )
    try:
        return uuid.UUID(value)
    except ValueError:
        found = await finder(org, value)
    if found is None:
        raise NotFoundError(f"no {portal.kind} {value!r} in this organisation")
    return uuid.UUID(str(found.id))


async def _user_id(kernel: Any, portal: Portal, org: uuid.UUID, email: str) -> uuid.UUID:
    table = portal.table
    async with kernel.session(org) as s:
        found = await s.scalar(
            select(table.id).where(table.org_id == org, table.email == normalise_email(email))
        )
    if found is None:
        raise NotFoundError(f"no {portal.kind} portal user {email!r} in this organisation")
    return uuid.UUID(str(found))
