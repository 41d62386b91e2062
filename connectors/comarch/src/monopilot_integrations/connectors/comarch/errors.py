"""How a failed call to the bridge is classified: retried, or dead at once.

* Could not connect, timed out, 5xx, 429: :class:`BridgeUnreachable` (retriable; a
  ``Retry-After`` is honoured).
* 401/403: :class:`CredentialsRefused` (fatal: retrying with the same key cannot help).
* An unknown company: :class:`UnknownCompany` (fatal).
* 422 and other 4xx: :class:`DocumentRejected` (fatal) with Optima's own messages.
"""

from __future__ import annotations

from typing import Any

from monopilot_integrations.core.errors import FatalError, RetriableError


class BridgeUnreachable(RetriableError):
    pass


class CredentialsRefused(FatalError):
    pass


class UnknownCompany(FatalError):
    pass


class DocumentRejected(FatalError):
    def __init__(self, message: str, *, http_status: int | None = None, body: Any = None) -> None:
        super().__init__(message, http_status=http_status)
        self.body = body


def optima_message(body: Any) -> str:
    """Optima's own words from an error answer (``Komunikat`` and every ``Bledy`` entry)."""
    if not isinstance(body, dict):
        return str(body)[:500]
    errors = body.get("Bledy")
    if isinstance(errors, list) and errors:
        return "; ".join(
            f"{e.get('Pole', '?')}: {e.get('Komunikat', '')}" for e in errors if isinstance(e, dict)
        )[:1000]
    return str(body.get("Komunikat") or body.get("Kod") or body)[:500]
