"""A worker process for the delivery benchmark's ``--redis`` mode.

    python bench/_webhook_worker.py [--scheduler]

Like ``monopilot-integrations worker``, with the bench-local connector registered as a
throwaway plugin. Settings come from ``MONOPILOT_*`` variables (database, Redis broker and
its namespace). With ``--scheduler`` it also runs the dispatcher and the sweeper, as the
``worker`` command does by default. SIGTERM stops it cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _webhook_plugin

from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.server.gc_tuning import tune_collector


async def main(scheduler: bool) -> None:
    plugins = PluginManager(allow=["webhooks"] if _webhook_plugin.real_connector() else [])
    plugins.register(_webhook_plugin, "bench-webhooks")
    settings = Settings()
    kernel = await Kernel.start(settings, plugins=plugins, embedded_worker=False)
    kernel.start_worker()
    if scheduler:
        kernel.start_scheduler()
    tune_collector(settings.gc_young_threshold)  # as the worker command does
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await kernel.close()


if __name__ == "__main__":
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # sessions left to the GC at exit
    asyncio.run(main("--scheduler" in sys.argv[1:]))
