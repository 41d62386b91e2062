"""Shared fixtures.

Service-backed variants (PostgreSQL, Redis) run when their URL is set:
``MONOPILOT_TEST_POSTGRES_URL`` (an admin URL: the fixtures create a throwaway database
and the tenant role), ``MONOPILOT_TEST_REDIS_URL`` and ``MONOPILOT_TEST_RABBITMQ_URL``. With ``MONOPILOT_TEST_REQUIRE_SERVICES=1``
(set by ``.ci/run``) a missing service fails the run instead of skipping; otherwise the
suite passes on the embedded defaults and the summary lists what it skipped.
"""

from __future__ import annotations

# The kernel's own test fixtures (the ones connector authors use), then the suite's, which
# override some of them (both databases, the test plugin).
pytest_plugins = ["monopilot_integrations.core.testing", "tests.support.fixtures"]
