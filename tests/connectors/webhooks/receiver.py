"""The kernel's loopback receiver (``monopilot_integrations.core.testing``), reading the
webhook delivery id a test asks about most."""

from __future__ import annotations

from monopilot_integrations.core.testing import Answer, LoopbackReceiver, Received

__all__ = ["Answer", "Received", "Receiver"]


class Receiver(LoopbackReceiver):
    def delivery_ids(self) -> list[str]:
        return self.header_values("X-MonoPilot-Delivery-ID")
