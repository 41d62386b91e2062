"""Hook implementations only: what the edi connector contributes to the kernel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.plugins.registration import (
    CliCommand,
    EventType,
    LogMask,
    MigrationBranch,
    PeriodicTask,
    Route,
    Scope,
    SealedColumn,
)
from monopilot_integrations.core.web.panels import DashboardPanel


@hookimpl
def register_connectors(register):  # type: ignore[no-untyped-def]
    from monopilot_integrations.connectors.edi.connector import EdiConnector

    register(EdiConnector)


@hookimpl
def register_transports(register):  # type: ignore[no-untyped-def]
    from monopilot_integrations.connectors.edi.mailbox.folder import FolderMailbox
    from monopilot_integrations.connectors.edi.mailbox.sftp import SftpMailbox

    register(FolderMailbox)
    register(SftpMailbox)


@hookimpl
def register_event_types(register: Callable[[EventType], None]) -> None:
    from monopilot_integrations.connectors.edi.events import EVENT_TYPES

    for event_type in EVENT_TYPES:
        register(event_type)


@hookimpl
def register_scopes(register: Callable[[Scope], None]) -> None:
    from monopilot_integrations.connectors.edi.events import SCOPE

    register(SCOPE)


@hookimpl
def register_routes(register: Callable[[Route], None]) -> None:
    from monopilot_integrations.connectors.edi.api.routes import ROUTES

    for route in ROUTES:
        register(route)


@hookimpl
def register_periodic_tasks(register: Callable[[PeriodicTask], None]) -> None:
    from monopilot_integrations.connectors.edi.inbound.poller import poll_task
    from monopilot_integrations.connectors.edi.settings import edi_settings

    register(PeriodicTask("edi-mailbox-poll", edi_settings().poll_interval, poll_task))


@hookimpl
def register_migrations(register: Callable[[MigrationBranch], None]) -> None:
    register(MigrationBranch("edi", Path(__file__).with_name("migrations")))


@hookimpl
def register_log_masks(register: Callable[[LogMask], None]) -> None:
    # SFTP credentials of partner transports, wherever they might appear in a log body.
    register(
        LogMask(
            keys=("private_key", "passphrase", "transport_secrets"),
            value_patterns=(
                r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
            ),
        )
    )


@hookimpl
def register_cli_commands(register: Callable[[CliCommand], None]) -> None:
    from monopilot_integrations.connectors.edi import cli

    register(CliCommand("edi-poll", "poll the EDI mailboxes once, now", cli.configure, cli.run))


@hookimpl
def register_sealed_columns(register: Callable[[SealedColumn], None]) -> None:
    from monopilot_integrations.connectors.edi import tables
    from monopilot_integrations.connectors.edi.transport_secrets import purpose

    register(
        SealedColumn(
            tables.EdiPartner.__tablename__,
            "transport_secrets",
            purpose=lambda row: purpose(row["id"]),
        )
    )


@hookimpl
def register_dashboard_panels(register: Callable[[DashboardPanel], None]) -> None:
    from monopilot_integrations.connectors.edi.dashboard import PANEL

    register(PANEL)
