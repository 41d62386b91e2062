"""Running the server (``serve``) and a worker process (``worker``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.server.app import SETTINGS, create_app
from monopilot_integrations.server.gc_tuning import tune_collector

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 30.0


def configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument(
        "--demo", action="store_true", help="migrate, load the demo organisation, print credentials"
    )
    parser.add_argument(
        "--demo-credentials",
        type=Path,
        default=None,
        help="with --demo: also write the credentials to this JSON file",
    )


def run_serve(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    base_url = f"http://{args.host}:{args.port}"
    if args.demo:
        from monopilot_integrations.server.demo.setup import describe, write_credentials

        credentials = asyncio.run(_prepare_demo(settings))
        if args.demo_credentials:
            write_credentials(args.demo_credentials, credentials, base_url)
        sys.stdout.write(describe(credentials, base_url))
        sys.stdout.flush()
    app = create_app(settings)
    tune_on_startup(app)
    # run_app stops accepting on SIGINT/SIGTERM, waits for in-flight requests, then runs
    # cleanup_ctx: the kernel finishes or hands back jobs and flushes its logs.
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        print=lambda line: log.info(line) if line else None,
        handle_signals=True,
    )
    return 0


def tune_on_startup(app: web.Application) -> None:
    """Tune the garbage collector once the app's kernel is up (what ``serve`` does; see
    :mod:`monopilot_integrations.server.gc_tuning`). Appended after ``create_app``'s
    ``cleanup_ctx``, so it runs when the kernel's startup has loaded what it keeps."""

    async def tune(app: web.Application) -> None:
        tune_collector(app[SETTINGS].gc_young_threshold)

    app.on_startup.append(tune)


async def _prepare_demo(settings: Settings) -> dict[str, object]:
    from monopilot_integrations.server.demo.setup import prepare_demo

    kernel = Kernel(settings)
    try:
        return await prepare_demo(kernel)
    finally:
        await kernel.close()


def configure_worker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="only consume jobs (no dispatcher, sweeper or periodic tasks)",
    )


def run_worker(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    if not settings.broker_url:
        print(
            "error: a worker process needs MONOPILOT_BROKER_URL (redis:// or amqp://); "
            "without it the server runs its own embedded worker",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(_worker(settings, scheduler=not args.no_scheduler))


async def _worker(settings: Settings, *, scheduler: bool) -> int:
    kernel = await Kernel.start(settings, embedded_worker=False)
    kernel.start_worker()
    if scheduler:
        kernel.start_scheduler()
    tune_collector(settings.gc_young_threshold)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker consuming %s", ", ".join(kernel.queue.queue_names))
    await stop.wait()
    log.info("stopping: finishing in-flight jobs")
    await kernel.close()
    return 0
