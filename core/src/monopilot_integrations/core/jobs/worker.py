"""The in-process Dramatiq worker of the embedded mode (and of ``worker`` processes)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

if TYPE_CHECKING:
    from monopilot_integrations.core.kernel import Kernel

log = logging.getLogger(__name__)


class KernelLifecycle(Middleware):
    """Closes the worker loop's runtime (flushing its logs) before the loop stops.

    ``after_worker_shutdown`` runs once the worker threads have finished their current
    attempts, and (Dramatiq emits "after" signals in reverse order of registration) before
    the AsyncIO middleware stops the loop.
    """

    def __init__(self, kernel: Kernel) -> None:
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
    def __init__(self, kernel: Kernel, *, threads: int = 8) -> None:
        self.kernel = kernel
        if not any(isinstance(m, KernelLifecycle) for m in kernel.broker.middleware):
            kernel.broker.add_middleware(KernelLifecycle(kernel))
        self.worker = dramatiq.Worker(
            kernel.broker,
            worker_threads=threads,
            worker_timeout=100,
            queues=set(kernel.queue.queue_names) or None,
        )
        # A message carries a batch of jobs: a few in hand keep the threads busy without
        # hoarding work another worker process could do.
        if kernel.settings.worker_prefetch:
            self.worker.queue_prefetch = kernel.settings.worker_prefetch

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        """Stop consuming: running attempts get ``worker_shutdown_grace`` seconds to finish,
        the rest are handed back as ``queued``; then the worker threads stop."""
        thread = get_event_loop_thread()
        if thread is not None:
            try:
                thread.run_coroutine(
                    self.kernel.stop_attempts(self.kernel.settings.worker_shutdown_grace)
                )
            except Exception:
                log.warning("stopping the running attempts failed", exc_info=True)
        self.worker.stop()
