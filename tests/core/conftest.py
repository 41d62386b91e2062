from __future__ import annotations

import pytest

from monopilot_integrations.core.logs.masking import Masker


@pytest.fixture(scope="module")
def kernel_masker() -> Masker:
    return Masker()
