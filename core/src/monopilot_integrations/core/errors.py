"""One exception hierarchy for the whole kernel.

Handlers raise :class:`RetriableError` or :class:`FatalError`; the retry engine reads only
that distinction (plus ``retry_after``). Anything else a handler raises is treated as
retriable, because an unexpected exception is more often a transient fault (a dropped
connection inside a library) than a permanent one, and the retry budget bounds the cost of
being wrong.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """Base class of every error the kernel raises on purpose."""


class RetriableError(IntegrationError):
    """The attempt failed but may succeed later (timeout, 5xx, 429, connection refused).

    ``retry_after`` (seconds) is the partner's own hint, e.g. from a ``Retry-After`` header;
    the retry engine honours it up to a cap.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.http_status = http_status


class DeferredError(RetriableError):
    """The attempt did not start, for a reason on our side: a per-target concurrency bound
    is full, a partner asked us to hold back. The job runs again after ``retry_after``
    seconds without spending a retry, so a burst to one slow receiver cannot use up the
    retry budget of deliveries the receiver never failed. The engine stops deferring after
    :data:`~monopilot_integrations.core.jobs.outcome.MAX_DEFERRALS` attempts and then treats
    it as an ordinary retriable failure.
    """

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message, retry_after=retry_after)


class FatalError(IntegrationError):
    """The attempt can never succeed as is (rejected payload, 410 Gone, bad credentials).

    The job goes straight to the dead-letter queue, from which an admin can redrive it once
    the cause is fixed.
    """

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class ConfigError(FatalError):
    """A connector, transport or setting is misconfigured; retrying will not help."""


class ValidationError(IntegrationError):
    """Input from outside (an event payload, a seed file, a setting) is invalid.

    ``errors`` lists every problem found, each a dict with ``path`` and ``message``, so a
    caller can show all of them at once instead of one per round trip.
    """

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class UnknownEventTypeError(ValidationError):
    """``publish`` was called with an event type no plugin registered."""


class DuplicateRegistrationError(IntegrationError):
    """Two plugins registered the same name (connector, mapper, scope, route, ...)."""


class UnknownNameError(IntegrationError, LookupError):
    """A lookup in the registry found nothing under that name."""


class PluginError(IntegrationError):
    """A plugin could not be loaded or implements a hook that does not exist."""


class NotFoundError(IntegrationError, LookupError):
    """A record does not exist in the caller's organisation (or at all: the two are
    indistinguishable on purpose, so probing ids reveals nothing about other tenants)."""
