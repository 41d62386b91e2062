"""``create_app``: the assembled server.

The application holds the kernel under ``KERNEL``; its routes are everything the installed
plugins register (the server's own management and public API are registered the same way,
by :mod:`.routes`), mounted with the access each declares. The kernel's database, worker and
scheduler start and stop in ``cleanup_ctx``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import dramatiq
from aiohttp import web

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web import middlewares as mw
from monopilot_integrations.core.web.request import KERNEL
from monopilot_integrations.core.web.scopes import ATTRIBUTE, Access
from monopilot_integrations.server import routes as server_routes
from monopilot_integrations.server.metrics import METRICS, Metrics, edge_middleware

log = logging.getLogger(__name__)

SETTINGS: web.AppKey[Settings] = web.AppKey("monopilot.settings", Settings)
EMBEDDED: web.AppKey[bool] = web.AppKey("monopilot.embedded_worker", bool)

SERVER_PLUGIN = "server"
MAX_BODY = 16 * 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    plugins: PluginManager | None = None,
    clock: Clock | None = None,
    broker: dramatiq.Broker | None = None,
    embedded_worker: bool | None = None,
) -> web.Application:
    """Build the server for ``settings`` (default: from the environment)."""
    settings = settings or Settings()
    plugins = plugins or PluginManager(allow=settings.plugins, block=settings.disable_plugins)
    plugins.load()
    if not plugins.pluggy.has_plugin(SERVER_PLUGIN):
        plugins.register(server_routes, SERVER_PLUGIN)
    kernel = Kernel(settings, plugins=plugins, clock=clock, broker=broker)

    app = web.Application(
        middlewares=[edge_middleware, mw.api_middleware],
        client_max_size=MAX_BODY,
    )
    app[KERNEL] = kernel
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[EMBEDDED] = settings.embedded_worker if embedded_worker is None else embedded_worker
    for route in kernel.registry.routes.values():
        mount(app, route)
    if True:  # the dashboard
        from monopilot_integrations.server.dashboard.app import PREFIX, build_dashboard

        app.add_subapp(PREFIX, build_dashboard(kernel))
    app.cleanup_ctx.append(_kernel_lifecycle)
    return app


def mount(app: web.Application, route: Route) -> None:
    """Add ``route`` with its declared access marked on the handler.

    The mark goes on the handler function itself (no extra call per request) unless the
    function already carries a different one (one function serving routes with different
    scopes): then a thin per-route wrapper carries it.
    """
    handler = route.handler
    current = getattr(handler, ATTRIBUTE, None)
    access = route_access(route)
    if current is None:
        try:
            setattr(handler, ATTRIBUTE, access)
        except AttributeError:  # a bound method or builtin: wrap it
            handler = _with_access(handler, access)
    elif current != access:
        handler = _with_access(handler, access)
    app.router.add_route(route.method, route.path, handler, name=route.name)


def route_access(route: Route) -> Access:
    """What calling ``route`` needs: its declared scope, or the handler's own
    ``@require_scope`` when the route declares none (never weakened). The dashboard checks
    its users against the same answer."""
    current = getattr(route.handler, ATTRIBUTE, None)
    if route.scope is None and not route.public and isinstance(current, Access):
        return current
    return Access.parse(route.scope, route.public)


def _with_access(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]], access: Access
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        return await handler(request)

    setattr(guarded, ATTRIBUTE, access)
    return guarded


async def _kernel_lifecycle(app: web.Application) -> AsyncIterator[None]:
    kernel: Kernel = app[KERNEL]
    await kernel.database.ping()
    missing = await migrate.missing_heads(kernel.settings.resolved_database_url, kernel.registry)
    if missing:
        raise RuntimeError(
            f"the database is not migrated (missing: {', '.join(missing)}): "
            "run `monopilot-integrations migrate` first"
        )
    if app[EMBEDDED]:
        kernel.start_worker()
        kernel.start_scheduler()
    log.info("MonoPilot Integrations ready (%d routes)", len(kernel.registry.routes))
    yield
    # aiohttp has stopped accepting and finished in-flight requests by now: stop the
    # scheduler, let the worker finish or hand back its jobs, flush the logs.
    await kernel.close()


def kernel_of(app: web.Application) -> Kernel:
    kernel: Kernel = app[KERNEL]
    return kernel
