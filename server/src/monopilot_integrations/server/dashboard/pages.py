"""The dashboard's pages. Reads of what the JSON API lists (logs, keys, retries, dead
letters) call that API's handlers through :mod:`.calls`, with the page's query string as
the API's query: the filters are the API's, and so are their checks."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.panels import DashboardPanel, PanelContext
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.scopes import Access
from monopilot_integrations.server.dashboard.calls import call_json
from monopilot_integrations.server.dashboard.charts import bar_chart, rate_bar
from monopilot_integrations.server.dashboard.identity import current_user
from monopilot_integrations.server.dashboard.overview import build_overview
from monopilot_integrations.server.dashboard.render import render

#: The application's routes by name (filled when the dashboard is built).
API_ROUTES: web.AppKey[dict[str, Route]] = web.AppKey("monopilot.dashboard_routes", dict)


def _route(request: web.Request, name: str) -> Route:
    return request.config_dict[API_ROUTES][name]


async def _api(request: web.Request, name: str) -> tuple[int, Any]:
    from monopilot_integrations.server.app import route_access

    route = _route(request, name)
    return await call_json(request, route.handler, current_user(request), route_access(route))


def visible_panels(request: web.Request) -> list[DashboardPanel]:
    user = current_user(request)
    panels = request_kernel(request).registry.dashboard_panels.values()
    allowed = [p for p in panels if not Access.parse(p.scope).missing(user.scopes)]
    return sorted(allowed, key=lambda p: (p.order, p.title))


def _page(request: web.Request, template: str, **context: Any) -> web.Response:
    user = current_user(request)
    context.update(user=user, panels=visible_panels(request), path=request.path)
    return render(request, template, context)


async def overview(request: web.Request) -> web.Response:
    user = current_user(request)
    kernel = request_kernel(request)
    panels = visible_panels(request)
    by_connector = {p.connector: p.name for p in panels if p.connector}
    installed = {"api": "api"}
    installed.update({c.log_type(): c.name for c in kernel.registry.connectors.values()})
    data = await build_overview(kernel, user.org_id, installed, by_connector)
    # The panels read the open hours the overview already counted.
    context = PanelContext(kernel, user, open_hours=data.open_hours)
    shown = [(p, await p.load(context)) for p in panels if p.overview]
    return _page(
        request,
        "overview.html",
        overview=data,
        overview_panels=shown,
        bar_chart=bar_chart,
        rate_bar=rate_bar,
    )


def _without_empty_filters(request: web.Request) -> None:
    """A filter form sends its empty fields too; the API would refuse ``status=``: go to
    the same page without them."""
    if any(v == "" for v in request.query.values()):
        kept = {k: v for k, v in request.query.items() if v != ""}
        raise web.HTTPSeeOther(str(request.rel_url.with_query(kept)))


async def logs(request: web.Request) -> web.Response:
    _without_empty_filters(request)
    status, body = await _api(request, "logs.list")
    error = body.get("detail") if status >= 400 else None
    items = body.get("items", []) if status < 400 else []
    return _page(
        request,
        "logs.html",
        items=items,
        next_cursor=body.get("next_cursor") if status < 400 else None,
        error=error,
        filters=dict(request.query),
    )


async def log_detail(request: web.Request) -> web.Response:
    status, body = await _api(request, "logs.get")
    if status >= 400:
        raise Problem(status, body.get("detail", "not found"))
    bodies = {
        name: json.dumps(body.get(name), indent=2, ensure_ascii=False)
        for name in ("request_body", "response_body")
        if body.get(name) is not None
    }
    return _page(request, "log_detail.html", log=body, bodies=bodies)


async def api_keys(request: web.Request) -> web.Response:
    status, body = await _api(request, "api_keys.list")
    kernel = request_kernel(request)
    return _page(
        request,
        "api_keys.html",
        keys=body.get("items", []) if status < 400 else [],
        error=body.get("detail") if status >= 400 else None,
        scopes=sorted(kernel.registry.scopes),
        tiers=sorted(kernel.rate_limit_tiers),
    )


async def retries(request: web.Request) -> web.Response:
    _without_empty_filters(request)
    status, body = await _api(request, "retries.list")
    return _jobs_page(request, "Retry queue", "retries", status, body)


async def dead_letters(request: web.Request) -> web.Response:
    _without_empty_filters(request)
    status, body = await _api(request, "dead_letters.list")
    return _jobs_page(request, "Dead letters", "dead", status, body)


def _jobs_page(request: web.Request, title: str, kind: str, status: int, body: Any) -> web.Response:
    return _page(
        request,
        "jobs.html",
        title=title,
        kind=kind,
        jobs=body.get("items", []) if status < 400 else [],
        total=body.get("total", 0) if status < 400 else 0,
        error=body.get("detail") if status >= 400 else None,
        filters=dict(request.query),
    )


async def panel(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    found = {p.name: p for p in visible_panels(request)}.get(name)
    if found is None:
        raise Problem(404, f"no dashboard panel {name!r} here")
    view = await found.load(PanelContext(request_kernel(request), current_user(request)))
    return _page(request, "panel.html", panel=found, view=view)
