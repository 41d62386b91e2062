"""The server's own routes, registered through the same hook as any plugin's."""

from __future__ import annotations

from collections.abc import Callable

from monopilot_integrations.core.plugins.hookspecs import hookimpl
from monopilot_integrations.core.plugins.registration import Route


@hookimpl
def register_routes(register: Callable[[Route], None]) -> None:
    from monopilot_integrations.server.api import PUBLIC_ROUTES
    from monopilot_integrations.server.management import api_keys, jobs, logs
    from monopilot_integrations.server.system import SYSTEM_ROUTES

    for route in (*SYSTEM_ROUTES, *api_keys.ROUTES, *logs.ROUTES, *jobs.ROUTES, *PUBLIC_ROUTES):
        register(route)
