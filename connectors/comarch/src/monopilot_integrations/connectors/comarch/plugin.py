"""Hook implementations only: what the Comarch connector contributes to the kernel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.plugins.registration import (
    CliCommand,
    LogMask,
    MigrationBranch,
    Route,
    Scope,
    SealedColumn,
)


@hookimpl
def register_connectors(register: Callable[[Any], None]) -> None:
    from monopilot_integrations.connectors.comarch.connector import ComarchConnector

    register(ComarchConnector)


@hookimpl
def register_transports(register: Callable[[Any], None]) -> None:
    from monopilot_integrations.connectors.comarch.folder_transport import OptimaImportFolder

    register(OptimaImportFolder)


@hookimpl
def register_scopes(register: Callable[[Scope], None]) -> None:
    register(Scope("comarch:manage", "Comarch Optima: configuration, accounts and invoice pushes"))


@hookimpl
def register_routes(register: Callable[[Route], None]) -> None:
    from monopilot_integrations.connectors.comarch.api.routes import ROUTES

    for route in ROUTES:
        register(route)


@hookimpl
def register_migrations(register: Callable[[MigrationBranch], None]) -> None:
    register(MigrationBranch("comarch", Path(__file__).with_name("migrations")))


@hookimpl
def register_log_masks(register: Callable[[LogMask], None]) -> None:
    # The bridge's credentials, under the names the bridge and the configuration use.
    register(LogMask(keys=("api_secret", "x-api-secret", "api_key", "x-api-key")))


@hookimpl
def register_cli_commands(register: Callable[[CliCommand], None]) -> None:
    from monopilot_integrations.connectors.comarch import cli

    register(
        CliCommand(
            "comarch-simulator", "serve the Optima REST bridge simulator", cli.configure, cli.run
        )
    )


@hookimpl
def register_sealed_columns(register: Callable[[SealedColumn], None]) -> None:
    from monopilot_integrations.connectors.comarch.config_store import (
        SECRET_PURPOSE,
        TRANSPORT_PURPOSE,
    )
    from monopilot_integrations.connectors.comarch.tables import ComarchConfig

    table = ComarchConfig.__tablename__
    register(SealedColumn(table, "api_secret_encrypted", SECRET_PURPOSE))
    register(SealedColumn(table, "xml_transport_secrets", TRANSPORT_PURPOSE))
