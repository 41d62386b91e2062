"""The kernel's own plugin: the scopes and event types of the kernel itself.

Registered before the entry points. The domain store is not a default here: the reference
store's distribution provides it (``trylast``), and MonoPilot provides its own.
"""

from __future__ import annotations

from collections.abc import Callable

from monopilot_integrations.core.plugins.catalog import EVENT_TYPES, SCOPES
from monopilot_integrations.core.plugins.hookspecs import hookimpl
from monopilot_integrations.core.plugins.registration import EventType, Scope


@hookimpl
def register_scopes(register: Callable[[Scope], None]) -> None:
    for scope in SCOPES:
        register(scope)


@hookimpl
def register_event_types(register: Callable[[EventType], None]) -> None:
    for event_type in EVENT_TYPES:
        register(event_type)
