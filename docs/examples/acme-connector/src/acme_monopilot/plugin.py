"""Hook implementations only: what the ACME package contributes to the kernel."""

from __future__ import annotations

import argparse
from pathlib import Path

from acme_monopilot.connector import AcmeConnector
from acme_monopilot.mapper import AcmeOrderMapper
from acme_monopilot.routes import AcmeExportList, list_exports
from acme_monopilot.transport import AcmeFolderTransport
from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.plugins.registration import CliCommand, MigrationBranch, Route


@hookimpl
def register_connectors(register):  # type: ignore[no-untyped-def]
    register(AcmeConnector)


@hookimpl
def register_mappers(register):  # type: ignore[no-untyped-def]
    register(AcmeOrderMapper())


@hookimpl
def register_transports(register):  # type: ignore[no-untyped-def]
    register(AcmeFolderTransport)


@hookimpl
def register_routes(register):  # type: ignore[no-untyped-def]
    register(
        Route(
            "GET",
            "/api/acme/exports",
            list_exports,
            name="acme-exports",
            scope="read:orders",
            summary="Order files exported to ACME",
            tags=("acme",),
            response_model=AcmeExportList,
        )
    )


@hookimpl
def register_migrations(register):  # type: ignore[no-untyped-def]
    register(MigrationBranch("acme", Path(__file__).with_name("migrations")))


@hookimpl
def register_log_masks(register):  # type: ignore[no-untyped-def]
    from monopilot_integrations.core.plugins.registration import LogMask

    register(LogMask(keys=("acme_pin",)))


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org", required=True, help="organisation id")


async def _run(args: argparse.Namespace) -> int:
    import uuid

    from sqlalchemy import select

    from acme_monopilot.tables import AcmeExport
    from monopilot_integrations.core.db.database import Database

    settings = args.settings
    database = Database.from_settings(settings)
    org = uuid.UUID(args.org)
    try:
        async with database.session(org) as session:
            rows = (
                await session.execute(select(AcmeExport).where(AcmeExport.org_id == org))
            ).scalars()
            for row in rows:
                print(f"{row.created_at:%Y-%m-%d %H:%M}  {row.po_number}  {row.file_name}")
    finally:
        await database.dispose()
    return 0


@hookimpl
def register_cli_commands(register):  # type: ignore[no-untyped-def]
    register(CliCommand("acme-exports", "list files exported to ACME", _configure, _run))
