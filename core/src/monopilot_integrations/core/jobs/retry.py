"""The retry schedule, as a pure function (dramatiq's ``compute_backoff`` idea).

The policies of the architecture document:

* ``immediate``: 3 retries, 5 s apart;
* ``exponential``: 5 retries after 5 s, 30 s, 5 min, 30 min and 2 h;
* ``manual``: no automatic retry; the job goes to the dead-letter queue for an admin.

A job's ``max_retries`` caps the policy's count (never extends it). Jitter spreads a burst
of failures (an endpoint that was down for everyone) over a window instead of a thundering
herd at the same second. A partner's ``Retry-After`` is honoured up to a cap: the retry
waits at least that long, never less than the schedule says.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from enum import StrEnum


class RetryPolicy(StrEnum):
    IMMEDIATE = "immediate"
    EXPONENTIAL = "exponential"
    MANUAL = "manual"


SCHEDULES: dict[RetryPolicy, tuple[float, ...]] = {
    RetryPolicy.IMMEDIATE: (5.0, 5.0, 5.0),
    RetryPolicy.EXPONENTIAL: (5.0, 30.0, 300.0, 1800.0, 7200.0),
    RetryPolicy.MANUAL: (),
}


def retry_delay(
    policy: RetryPolicy | str,
    retries_done: int,
    max_retries: int,
    *,
    retry_after: float | None = None,
    retry_after_cap: float = 6 * 3600.0,
    jitter: float = 0.1,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before the next retry, or ``None`` when no retry is left.

    ``retries_done`` is how many retries already ran (0 after the first failed attempt).
    The jittered delay lies in ``[delay, delay * (1 + jitter)]``: never earlier than the
    schedule, so tests with ``jitter=0`` see the exact figures.
    """
    schedule = SCHEDULES[RetryPolicy(policy)]
    budget = min(len(schedule), max(max_retries, 0))
    if retries_done >= budget:
        return None
    delay = schedule[retries_done]
    if jitter:
        delay *= 1.0 + jitter * rand()
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, retry_after_cap))
    return delay
