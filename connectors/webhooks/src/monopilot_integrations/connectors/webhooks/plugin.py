"""Hook implementations only: what the webhooks connector contributes to the kernel."""

from __future__ import annotations
