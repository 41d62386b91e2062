"""``serve --demo``: something to try in one command.

Migrates, loads the demo organisation when it does not exist yet (a second start leaves
it as the user changed it: its GLN, its orders), and issues a fresh admin API key
(earlier demo keys are revoked, since a key is only ever shown once). Installed connectors
then add their own demo data through the ``seed_demo`` hook (the portals: a supplier and a
customer portal user) and hand back their logins, again with fresh passwords. Returns what
to print and, with ``--demo-credentials``, to write as JSON.

The server knows the domain only through the kernel: the demo file is loaded by the
``seed`` command that the reference store's plugin registers, and the organisation is then
read back through the kernel's domain store. Without that plugin (MonoPilot brings its own
store) nothing is loaded, and the demo organisation must already be in MonoPilot's store.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import uuid
from importlib.resources import files
from pathlib import Path
from typing import Any

from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.kernel import Kernel

DEMO_KEY_NAME = "demo admin"
DEMO_FILE = Path(str(files("monopilot_integrations.server.demo") / "demo-org.json"))


async def prepare_demo(kernel: Kernel) -> dict[str, Any]:
    settings = kernel.settings
    await migrate.upgrade(
        settings.resolved_database_url,
        kernel.registry,
        tenant_role=settings.database_tenant_role,
        tenant_password=settings.tenant_database_password,
    )
    demo = read_demo_file()
    code = demo["organization"]["code"]
    organization = await kernel.domain.find_organization_by_code(code)
    if organization is None:
        await load_demo_file(kernel)
        organization = await kernel.domain.find_organization_by_code(code)
    if organization is None:
        raise ConfigError(
            f"the demo organisation {code!r} is not in the domain store: install "
            "monopilot-integrations-domain (its seed command loads it), or load "
            f"{DEMO_FILE.name} into MonoPilot's store"
        )
    org_id: uuid.UUID = organization.id
    store = kernel.api_keys
    existing, _ = await store.list(org_id, status="active", limit=200)
    for key in existing:
        if key.name == DEMO_KEY_NAME:
            await store.revoke(org_id, key.id)
    scopes = sorted(str(s) for s in kernel.registry.scopes)
    key, secret = await store.create(
        org_id, name=DEMO_KEY_NAME, scopes=scopes, rate_limit_tier="premium"
    )
    dashboard_login = await _dashboard_admin(kernel, org_id, demo)
    portal_logins = [
        dataclasses.asdict(login) for login in await kernel.registry.seed_demo(kernel, org_id)
    ]
    return {
        "org_id": str(org_id),
        "organization": organization.name,
        "api_key": secret,
        "api_key_id": str(key.id),
        "scopes": scopes,
        "portal_logins": portal_logins,
        "dashboard_login": dashboard_login,
    }


async def _dashboard_admin(
    kernel: Kernel, org_id: uuid.UUID, demo: dict[str, Any]
) -> dict[str, str] | None:
    """The demo's first admin user, with a fresh password (shown once, like the key);
    ``None`` when the domain store keeps no users (MonoPilot signs its users in)."""
    from monopilot_integrations.core.domain.users import ADMIN_ROLE, UserAccounts
    from monopilot_integrations.core.web.sessions import new_temporary_password
    from monopilot_integrations.server.dashboard.signin import sessions

    store: Any = kernel.domain
    admins = [u for u in demo.get("users") or [] if u.get("role") == ADMIN_ROLE]
    if not isinstance(store, UserAccounts) or not admins:
        return None
    password = new_temporary_password()
    user = await store.save_user(
        org_id,
        email=admins[0]["email"],
        name=admins[0].get("name") or admins[0]["email"],
        role=ADMIN_ROLE,
        password_hash=await kernel.password_hasher.hash(password),
    )
    await sessions(kernel).end_user(user.id)
    return {"email": user.email, "password": password}


def read_demo_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return data


async def load_demo_file(kernel: Kernel) -> bool:
    """Load the demo file with the installed ``seed`` command; ``False`` if there is none."""
    seed = kernel.registry.cli_commands.get("seed")
    if seed is None:
        return False
    args = argparse.Namespace(file=DEMO_FILE, settings=kernel.settings, registry=kernel.registry)
    result = seed.run(args)
    if inspect.isawaitable(result):
        await result
    return True


def write_credentials(path: Path, credentials: dict[str, Any], base_url: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**credentials, "base_url": base_url}, indent=2))
    path.chmod(0o600)


def describe(credentials: dict[str, Any], base_url: str) -> str:
    lines = [
        "",
        "MonoPilot Integrations demo",
        f"  organisation : {credentials['organization']} ({credentials['org_id']})",
        f"  admin API key: {credentials['api_key']}   (shown once)",
        f"  try          : curl -H 'Authorization: Bearer {credentials['api_key']}' "
        f"{base_url}/api/technical/products",
        f"  API document : {base_url}/api/openapi.json",
    ]
    login = credentials.get("dashboard_login")
    if login:
        lines.append(
            f"  dashboard    : {base_url}/dashboard/  sign in as {login['email']} / "
            f"{login['password']}   (shown once)"
        )
    for portal in credentials["portal_logins"]:
        note = f" ({portal['note']})" if portal.get("note") else ""
        lines.append(
            f"  {portal['realm']}{note}: {base_url}{portal['url_path']}  sign in as "
            f"{portal['email']} / {portal['password']}   (shown once)"
        )
    if not credentials["portal_logins"]:
        lines.append("  other logins : none (no installed connector adds demo logins)")
    return "\n".join(lines) + "\n"
