"""Fuzz budgets: a share of the cases in every test run, the full count in the nightly
command (``./dev fuzz``, which sets ``MONOPILOT_FUZZ_EXAMPLES``, 100,000 by default).

A fuzz test takes its Hypothesis settings from :func:`fuzz_settings` and carries the
``fuzz`` marker, so ``pytest -m fuzz`` selects them all.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

#: Environment variable the nightly command sets: cases per fuzz test.
FUZZ_EXAMPLES = "MONOPILOT_FUZZ_EXAMPLES"


def fuzz_settings(ci_examples: int, *, cost: int = 1, **options: Any) -> settings:
    """Settings for ``ci_examples`` cases in a normal run, or ``MONOPILOT_FUZZ_EXAMPLES //
    cost`` when that is more (``cost``: how many pure-function cases one case of this test
    is worth, for tests that go through a database)."""
    nightly = int(os.environ.get(FUZZ_EXAMPLES) or 0) // max(cost, 1)
    return settings(
        max_examples=max(ci_examples, nightly),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        **options,
    )


def nightly() -> bool:
    """True in the nightly command's run."""
    return bool(os.environ.get(FUZZ_EXAMPLES))
