"""Hook implementations only: what the portals contribute to the kernel."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.plugins.registration import (
    CliCommand,
    DemoLogin,
    LogMask,
    MigrationBranch,
    Route,
    SealedColumn,
)

if TYPE_CHECKING:
    from monopilot_integrations.core.kernel import Kernel


@hookimpl
def register_routes(register: Callable[[Route], None]) -> None:
    from monopilot_integrations.connectors.portals.admin.routes import ROUTES as ADMIN
    from monopilot_integrations.connectors.portals.api.routes import ROUTES as API
    from monopilot_integrations.connectors.portals.web.routes import ROUTES as PAGES

    for route in (*API, *ADMIN, *PAGES):
        register(route)


@hookimpl
def register_migrations(register: Callable[[MigrationBranch], None]) -> None:
    register(MigrationBranch("portals", Path(__file__).with_name("migrations")))


@hookimpl
def register_log_masks(register: Callable[[LogMask], None]) -> None:
    # Passwords, temporary passwords and TOTP secrets and codes never reach a log row.
    register(LogMask(keys=("password", "totp_code", "totp_secret", "otpauth_uri")))


@hookimpl
def register_cli_commands(register: Callable[[CliCommand], None]) -> None:
    from monopilot_integrations.connectors.portals import cli

    register(
        CliCommand("portal-users", "create, list, suspend portal users", cli.configure, cli.run)
    )


@hookimpl
def register_sealed_columns(register: Callable[[SealedColumn], None]) -> None:
    from monopilot_integrations.connectors.portals.tables import (
        CustomerPortalUser,
        SupplierPortalUser,
    )
    from monopilot_integrations.core.web.sessions.totp import PURPOSE

    for model in (SupplierPortalUser, CustomerPortalUser):
        register(SealedColumn(model.__tablename__, "totp_secret", PURPOSE))


@hookimpl
async def seed_demo(
    kernel: Kernel, org_id: uuid.UUID, register: Callable[[DemoLogin], None]
) -> None:
    from monopilot_integrations.connectors.portals.demo import seed_demo_portal_users

    await seed_demo_portal_users(kernel, org_id, register)
