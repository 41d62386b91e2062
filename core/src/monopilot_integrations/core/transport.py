"""Transports: how bytes move to and from a trading partner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.net.guard import OutboundGuard


@dataclass(frozen=True)
class OutboundMessage:
    """Bytes to deliver, with a name (file name, document id) and metadata headers."""

    name: str
    body: bytes
    content_type: str = "application/octet-stream"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundMessage:
    """Bytes received from a partner. ``ref`` identifies it to ``acknowledge``/``reject``."""

    name: str
    body: bytes
    ref: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """What a transport learnt when delivering: a remote id or path, and a status code."""

    reference: str | None = None
    status: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


class TransportSettings(BaseModel):
    """Base for a transport's settings model. Unknown keys are errors, not ignored: a typo
    in a partner's configuration should fail when saved, not when the first file is sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Transport:
    """Move messages to and from one partner endpoint.

    Set ``name`` and ``settings_model``; override ``send`` for outbound transports and
    ``receive`` + ``acknowledge`` (+ ``reject``) for inbound ones. ``acknowledge`` is called
    only after the message is safely stored, so a crash in between re-delivers it rather
    than losing it. Raise :class:`~.errors.RetriableError` for transient failures.
    """

    name: ClassVar[str]
    settings_model: ClassVar[type[TransportSettings]] = TransportSettings
    #: The SSRF guard every network target of this transport goes through (at save time
    #: :meth:`check_targets`, at connect time ``guard.resolve_target``). Strict, private
    #: targets refused, unless the builder passes the process's guard to :meth:`from_config`.
    guard: OutboundGuard = OutboundGuard()

    def __init__(self, settings: TransportSettings) -> None:
        self.settings = settings

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, guard: OutboundGuard | None = None
    ) -> Transport:
        """Validate ``config`` against ``settings_model`` and build the transport, checking
        its network targets with ``guard`` (``OutboundGuard.from_settings``)."""
        try:
            settings = cls.settings_model.model_validate(dict(config))
        except Exception as exc:  # pydantic.ValidationError, with every problem listed
            raise ConfigError(f"invalid settings for transport {cls.name!r}: {exc}") from exc
        transport = cls(settings)
        if guard is not None:
            transport.guard = guard
        return transport

    def check_targets(self) -> None:
        """When the configuration is saved: refuse (``ConfigError``) a network target the
        guard refuses, without DNS. Transports that connect somewhere override this."""

    async def send(self, message: OutboundMessage) -> Receipt:
        raise NotImplementedError(f"transport {self.name!r} cannot send")

    async def receive(self) -> list[InboundMessage]:
        raise NotImplementedError(f"transport {self.name!r} cannot receive")

    async def acknowledge(self, message: InboundMessage) -> None:
        """Mark ``message`` as processed (archive it, delete it remotely, ...)."""

    async def reject(self, message: InboundMessage, reason: str) -> None:
        """Move ``message`` aside as unprocessable; default: acknowledge it."""
        await self.acknowledge(message)

    async def close(self) -> None:
        """Release connections. Called once when the connector is done with the transport."""
