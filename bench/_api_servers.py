"""The two servers the API benchmark compares, each run in its own process.

    python bench/_api_servers.py bare PORT
    python bench/_api_servers.py full PORT DATA_DIR REDIS_URL [DATABASE_URL]

``bare``: one aiohttp handler, no middleware. ``full``: the assembled server with the same
handler mounted as a plugin route behind API key authentication, the Redis rate limiter,
the scope check and the integration log.

``BENCH_VARIANT`` (profiling aid, ``full`` only) drops one layer to show what it costs:
``nolog`` (no integration log rows), ``noinsert`` (rows built but never inserted), ``norl`` (no Redis round trip),
``noapi`` (no key, rate limit, scope or log), ``memory`` (the in-memory rate limiter).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

from aiohttp import web

PAYLOAD = {"items": [{"code": "CHL-500", "name": "Bread 500g", "price": "4.20"}], "total": 1}


async def ping(request: web.Request) -> web.Response:
    return web.json_response(PAYLOAD)


def bare(port: int) -> None:
    app = web.Application()
    app.router.add_get("/api/bench/ping", ping)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def full(port: int, data_dir: str, redis_url: str, database_url: str = "") -> None:
    from monopilot_integrations.core import hookimpl
    from monopilot_integrations.core.plugins.manager import PluginManager
    from monopilot_integrations.core.plugins.registration import Route
    from monopilot_integrations.core.settings import Settings
    from monopilot_integrations.server.app import create_app

    plugin = types.ModuleType("bench_plugin")

    @hookimpl
    def register_routes(register):  # type: ignore[no-untyped-def]
        register(Route("GET", "/api/bench/ping", ping, name="bench.ping", scope="read:products"))

    plugin.register_routes = register_routes  # type: ignore[attr-defined]
    settings = Settings(
        data_dir=Path(data_dir),
        redis_url=redis_url,
        database_url=database_url or None,
        embedded_worker=False,
    )
    plugins = PluginManager()
    plugins.register(plugin, "bench")
    app = create_app(settings, plugins=plugins, embedded_worker=False)
    from monopilot_integrations.server.serve import tune_on_startup

    tune_on_startup(app)  # as the serve command does
    import os

    variant = os.environ.get("BENCH_VARIANT", "")
    if variant:  # profiling aid: drop one layer to see what it costs
        from monopilot_integrations.core.web import middlewares as mw

        drop = {"noapi": mw.api_middleware}.get(variant)
        if drop is not None:
            app.middlewares.remove(drop)
        if variant == "nolog":  # integration log rows not written
            from monopilot_integrations.core.logs.writer import LogWriter

            LogWriter.add = lambda self, entry: entry.id  # type: ignore[method-assign]
        if variant == "noinsert":  # log rows built and buffered, never inserted
            from monopilot_integrations.core.logs.writer import LogWriter

            async def skip(self, rows):  # type: ignore[no-untyped-def]
                return None

            LogWriter._insert = skip  # type: ignore[method-assign]
        if variant == "norl":  # no Redis round trip: a constant "allowed"
            from monopilot_integrations.core.ratelimit import RateLimitResult, RedisRateLimiter

            async def allowed(self, key, tier, *, stamp_key=None):  # type: ignore[no-untyped-def]
                return RateLimitResult(True, tier.per_minute, 1, 0.0, 0.0, None)

            RedisRateLimiter.hit = allowed  # type: ignore[method-assign]
            from monopilot_integrations.core.apikeys.service import ApiKeyService

            async def current(self, key, stamp):  # type: ignore[no-untyped-def]
                return True  # no stamp travelled: take the cached verification as current

            ApiKeyService.confirm_stamp = current  # type: ignore[method-assign]
        if variant == "memory":
            app[
                __import__("monopilot_integrations.core.web.request", fromlist=["KERNEL"]).KERNEL
            ].settings.redis_url = None
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "bare":
        bare(port)
    else:
        full(port, sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else "")
