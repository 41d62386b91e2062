"""The kernel's own plugin: defaults that any installed plugin may override.

Registered before the entry points; the "who handles this" implementations are ``trylast``
so an installed plugin's answer wins.
"""

from __future__ import annotations

from collections.abc import Callable

from monopilot_integrations.core.catalog import EVENT_TYPES, SCOPES
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.domain.port import DomainStore
from monopilot_integrations.core.hookspecs import hookimpl
from monopilot_integrations.core.registration import EventType, Scope
from monopilot_integrations.core.settings import Settings


@hookimpl(trylast=True)
def provide_domain_store(settings: Settings, database: Database) -> DomainStore:
    from monopilot_integrations.core.domain.sql_store import SqlDomainStore

    return SqlDomainStore(database)


@hookimpl
def register_scopes(register: Callable[[Scope], None]) -> None:
    for scope in SCOPES:
        register(scope)


@hookimpl
def register_event_types(register: Callable[[EventType], None]) -> None:
    for event_type in EVENT_TYPES:
        register(event_type)
