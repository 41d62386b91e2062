"""Hook implementations only: what the edi connector contributes to the kernel."""

from __future__ import annotations
