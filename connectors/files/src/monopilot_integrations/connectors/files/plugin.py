"""Hook implementations only: what the files connector contributes to the kernel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monopilot_integrations.core import Mapper, hookimpl
from monopilot_integrations.core.plugins.registration import (
    CliCommand,
    MigrationBranch,
    PeriodicTask,
    Route,
)


@hookimpl
def register_connectors(register):  # type: ignore[no-untyped-def]
    from monopilot_integrations.connectors.files.connector import FilesConnector

    register(FilesConnector)


@hookimpl
def register_mappers(register: Callable[[Mapper], None]) -> None:  # type: ignore[type-arg]
    # The export formats; a plugin adds its own (XLSX, ...) the same way.
    from monopilot_integrations.connectors.files.formats.csv_format import CsvFormat
    from monopilot_integrations.connectors.files.formats.json_format import JsonFormat
    from monopilot_integrations.connectors.files.formats.xml_format import XmlFormat

    register(CsvFormat())
    register(JsonFormat())
    register(XmlFormat())


@hookimpl
def register_routes(register: Callable[[Route], None]) -> None:
    from monopilot_integrations.connectors.files.routes import ROUTES

    for route in ROUTES:
        register(route)


@hookimpl
def register_periodic_tasks(register: Callable[[PeriodicTask], None]) -> None:
    from monopilot_integrations.connectors.files.export.purge import purge_task
    from monopilot_integrations.connectors.files.settings import files_settings

    register(PeriodicTask("files-export-purge", files_settings().purge_interval, purge_task))


@hookimpl
def register_migrations(register: Callable[[MigrationBranch], None]) -> None:
    register(MigrationBranch("files", Path(__file__).with_name("migrations")))


@hookimpl
def register_cli_commands(register: Callable[[CliCommand], None]) -> None:
    from monopilot_integrations.connectors.files import cli

    register(
        CliCommand(
            "export",
            "export products, orders or inventory to a file",
            cli.configure_export,
            cli.run_export,
        )
    )
    register(
        CliCommand(
            "import",
            "validate or import products from a CSV or JSON file",
            cli.configure_import,
            cli.run_import,
        )
    )
