"""``monopilot-integrations dashboard-admin``: create an organisation admin who can sign in
to the dashboard, or set a new password for one (ending their open sessions)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from monopilot_integrations.core.domain.users import ADMIN_ROLE, UserAccounts
from monopilot_integrations.core.web.sessions import new_temporary_password


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org", required=True, help="organisation id or code (`orgs list`)")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", default="", help="display name (default: the e-mail)")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (default: generate one and print it)",
    )


async def run(args: argparse.Namespace) -> int:
    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.server.cli import find_organization
    from monopilot_integrations.server.dashboard.signin import sessions

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        store: Any = kernel.domain
        if not isinstance(store, UserAccounts):
            print(
                "error: the domain store keeps no users; MonoPilot signs its users in "
                "itself (provide_dashboard_user)",
                file=sys.stderr,
            )
            return 2
        organization = await find_organization(kernel, args.org)
        if organization is None:
            print(f"error: no organisation {args.org!r} (see `orgs list`)", file=sys.stderr)
            return 2
        generated = not args.password_stdin
        password = new_temporary_password() if generated else sys.stdin.readline().rstrip("\n")
        password_hash = await kernel.password_hasher.hash(password)  # policy checked
        user = await store.save_user(
            organization.id,
            email=args.email,
            name=args.name or args.email,
            role=ADMIN_ROLE,
            password_hash=password_hash,
        )
        await sessions(kernel).end_user(user.id)
    finally:
        await kernel.close()
    if generated:
        print(password)
    print(
        f"admin {user.email} of {organization.code} ({organization.id}) can sign in at "
        "/dashboard/login" + ("  (the password is shown once)" if generated else ""),
        file=sys.stderr,
    )
    return 0
