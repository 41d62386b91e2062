"""The kernel's own plugin: the scopes, event types and periodic tasks of the kernel itself.

Registered before the entry points. The domain store is not a default here: the reference
store's distribution provides it (``trylast``), and MonoPilot provides its own.
"""

from __future__ import annotations

from collections.abc import Callable

from monopilot_integrations.core.plugins.catalog import EVENT_TYPES, SCOPES
from monopilot_integrations.core.plugins.hookspecs import hookimpl
from monopilot_integrations.core.plugins.registration import EventType, PeriodicTask, Scope


@hookimpl
def register_scopes(register: Callable[[Scope], None]) -> None:
    for scope in SCOPES:
        register(scope)


@hookimpl
def register_event_types(register: Callable[[EventType], None]) -> None:
    for event_type in EVENT_TYPES:
        register(event_type)


#: How often closed hours of the integration log are rolled up for the dashboard.
LOG_ROLLUP_INTERVAL = 300.0


@hookimpl
def register_periodic_tasks(register: Callable[[PeriodicTask], None]) -> None:
    from monopilot_integrations.core.logs.rollup import roll_up_all

    register(PeriodicTask("log-rollups", LOG_ROLLUP_INTERVAL, roll_up_all))
