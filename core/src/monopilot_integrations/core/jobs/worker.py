"""The in-process Dramatiq worker of the embedded mode (and of ``worker`` processes)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

if TYPE_CHECKING:
    from monopilot_integrations.core.integrations import Integrations

log = logging.getLogger(__name__)


class KernelLifecycle(Middleware):
    """Closes the worker loop's runtime (flushing its logs) before the loop stops.

    ``after_worker_shutdown`` runs once the worker threads have finished their current
    attempts, and (Dramatiq emits "after" signals in reverse order of registration) before
    the AsyncIO middleware stops the loop.
    """

    def __init__(self, kernel: Integrations) -> None:
        self.kernel = kernel

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        thread = get_event_loop_thread()
        if thread is None:
            return
        try:
            thread.run_coroutine(self.kernel.close_runtime())
        except Exception:
            log.warning("closing the worker loop's runtime failed", exc_info=True)


class EmbeddedWorker:
    def __init__(self, kernel: Integrations, *, threads: int = 8) -> None:
        self.kernel = kernel
        if not any(isinstance(m, KernelLifecycle) for m in kernel.broker.middleware):
            kernel.broker.add_middleware(KernelLifecycle(kernel))
        self.worker = dramatiq.Worker(
            kernel.broker,
            worker_threads=threads,
            worker_timeout=100,
            queues=set(kernel.queue.queue_names) or None,
        )

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        """Stop consuming; wait for in-flight attempts to finish (or be handed back)."""
        self.worker.stop()
