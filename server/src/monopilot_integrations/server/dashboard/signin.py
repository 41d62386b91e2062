"""The dashboard's own sign-in page.

Until an account store is configured, the dashboard knows its users only through
``provide_dashboard_user`` (MonoPilot's own signed-in user); the page says so.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from monopilot_integrations.core.web.scopes import public
from monopilot_integrations.server.dashboard.render import render


@public
async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", {"error": None, "available": False, "email": ""})


def install(app: web.Application, kernel: Any) -> None:
    app.router.add_get("/login", login_page, name="dashboard.login")
