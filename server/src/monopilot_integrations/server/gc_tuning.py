"""Garbage-collector settings for a long-running server or worker process.

CPython's cyclic collector starts a young collection every 700 net allocations of
container objects, and every so often a full one that walks every tracked object of the
process: the modules, SQLAlchemy's metadata and statement caches, the pydantic models, the
plugin registry, everything loaded at startup (about 140,000 objects in a worker). A
worker delivering webhooks allocates a few hundred containers per delivery (the job, its
payload, headers, the log row, aiohttp's request and response), so with Python's defaults
the collector runs a young collection every few deliveries and a full one every couple of
thousand, each stopping every thread of the process (``docs/server.md``, "Garbage
collection"; the figures are in ``bench/RESULTS.md``).

:func:`tune_collector` does what long-running Python services commonly do:

* one collection now, then :func:`gc.freeze`: what survived startup moves to a permanent
  generation that no later collection walks (startup garbage is collected first: the
  collector never looks at frozen objects again);
* a young-generation threshold of ``young_threshold`` allocations instead of 700 (the
  older generations keep theirs), so the collector runs about fourteen times less often;
  between runs at most that many more container objects wait to be freed (a few MB).

Reference cycles made after startup are still collected. The price: a startup object
that later becomes part of an unreachable cycle is never freed (reference counting still
frees everything else), so what startup builds should live as long as the process, as a
server's and a worker's modules, engines, registries and caches do.

The ``serve`` and ``worker`` commands call it once their kernel is up
(``MONOPILOT_GC_YOUNG_THRESHOLD``; ``0`` leaves Python's defaults alone). An application
that imports the library decides for its own process: nothing here runs on import.
"""

from __future__ import annotations

import gc
import logging

__all__ = ["DEFAULT_YOUNG_THRESHOLD", "tune_collector"]

log = logging.getLogger(__name__)

#: Young-generation threshold for service processes (CPython's default is 700).
DEFAULT_YOUNG_THRESHOLD = 10_000


def tune_collector(young_threshold: int = DEFAULT_YOUNG_THRESHOLD) -> bool:
    """Freeze what startup left and raise the young threshold; ``False`` (and no change)
    when ``young_threshold`` is 0. Call once the process has loaded what it keeps."""
    if young_threshold <= 0:
        return False
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)
    log.debug(
        "garbage collector: %d startup objects frozen, young threshold %d",
        gc.get_freeze_count(),
        young_threshold,
    )
    return True
