"""Hook implementations only: what the reference store contributes to the kernel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.domain.port import DomainStore
from monopilot_integrations.core.plugins.registration import CliCommand, MigrationBranch
from monopilot_integrations.core.settings import Settings


@hookimpl(trylast=True)
def provide_domain_store(settings: Settings, database: Database) -> DomainStore:
    # Last, so that a plugin bringing MonoPilot's own store answers first.
    from monopilot_integrations.domain.sql_store import SqlDomainStore

    return SqlDomainStore(database)


@hookimpl
def register_migrations(register: Callable[[MigrationBranch], None]) -> None:
    register(MigrationBranch("domain", Path(__file__).with_name("migrations")))


@hookimpl
def register_cli_commands(register: Callable[[CliCommand], None]) -> None:
    from monopilot_integrations.domain.seed_command import SEED_COMMAND

    register(SEED_COMMAND)
