"""Every route a live server mounts, read from the application's router.

The server's application is built again, in a process of its own with the live server's
environment (the same installed plugins, the same settings), and its router is listed:
its routes, the dashboard sub-application's included. The database is not opened (that
happens at start-up, which never runs here). A route a plugin adds later is in the list
without anyone writing it down.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

from tests.support.live_server import LiveServer

LIST_ROUTES = """
import json
from monopilot_integrations.server.app import create_app

app = create_app()
print(json.dumps(sorted(
    {(route.method, route.resource.canonical) for route in app.router.routes()
     if route.method not in ("HEAD", "OPTIONS")}
)))
"""


@dataclass(frozen=True, order=True)
class MountedRoute:
    method: str
    path: str  # with ``{name}`` placeholders, as the router declares it

    @property
    def parameters(self) -> list[str]:
        names = []
        for part in self.path.split("/"):
            if part.startswith("{") and part.endswith("}"):
                names.append(part[1:-1].split(":")[0])
        return names

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def mounted_routes(server: LiveServer) -> list[MountedRoute]:
    listed = subprocess.run(
        [sys.executable, "-c", LIST_ROUTES],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [MountedRoute(method, path) for method, path in json.loads(listed.stdout)]
