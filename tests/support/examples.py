"""Tests that need the example ACME connector (docs/examples/acme-connector) installed.

It lives in the opt-in ``examples`` dependency group: ``./dev test`` installs it, a plain
``uv sync`` does not. Without it these tests skip and say why; when services are required
(CI) they run anyway, so a missing install fails instead of passing quietly.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.support import services

ACME_INSTALLED = importlib.util.find_spec("acme_monopilot") is not None

requires_acme = pytest.mark.skipif(
    not ACME_INSTALLED and not services.REQUIRED,
    reason="needs the example ACME connector: `uv sync --group examples` (./dev test does)",
)
