"""Shared fixtures.

Service-backed variants (PostgreSQL, Redis) run when their URL is set:
``MONOPILOT_TEST_POSTGRES_URL`` (an admin URL: the fixtures create a throwaway database
and the tenant role), ``MONOPILOT_TEST_REDIS_URL`` and ``MONOPILOT_TEST_RABBITMQ_URL``. With ``MONOPILOT_TEST_REQUIRE_SERVICES=1``
(set by ``.ci/run``) a missing service fails the run instead of skipping; otherwise the
suite passes on the embedded defaults and the summary lists what it skipped.
"""

from __future__ import annotations

import pytest

# The kernel's own test fixtures (the ones connector authors use), then the suite's, which
# override some of them (both databases, the test plugin).
pytest_plugins = ["monopilot_integrations.core.testing", "tests.support.fixtures"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long tests first: those marked ``slow`` or given a time bound above the default.
    With several test processes (``./dev test`` runs one per core) they then overlap the
    many short tests instead of running last, one after another, while the other
    processes sit idle. The order is otherwise kept (a stable sort)."""
    default = float(config.getini("timeout") or 0)

    def is_long(item: pytest.Item) -> bool:
        if item.get_closest_marker("slow"):
            return True
        bound = item.get_closest_marker("timeout")
        return bool(bound and bound.args and float(bound.args[0]) > default)

    items.sort(key=lambda item: not is_long(item))
