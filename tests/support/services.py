"""Which external services the test run may use, and whether they are mandatory."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("MONOPILOT_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("MONOPILOT_TEST_REDIS_URL")
RABBITMQ_URL = os.environ.get("MONOPILOT_TEST_RABBITMQ_URL")
REQUIRED = os.environ.get("MONOPILOT_TEST_REQUIRE_SERVICES") == "1"


def need(name: str, url: str | None) -> str:
    """Return ``url`` or skip (fail, when services are required) with a clear reason."""
    if url:
        return url
    variable = f"MONOPILOT_TEST_{name.upper()}_URL"
    if REQUIRED:
        pytest.fail(f"{name} is required in this run but {variable} is not set")
    pytest.skip(f"{name} variant skipped: set {variable} to run it")
    raise AssertionError("unreachable")
