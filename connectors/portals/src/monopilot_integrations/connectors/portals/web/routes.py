"""The pages' routes (filled in by the page modules)."""

from __future__ import annotations

from monopilot_integrations.core.plugins.registration import Route

ROUTES: list[Route] = []
