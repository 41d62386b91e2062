"""Small helpers shared by the kernel tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from monopilot_integrations.core.kernel import Kernel

ORG_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
ORG_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")


async def all_rows(kernel: Kernel, model: Any) -> list[Any]:
    """Every row of ``model``'s table, across organisations (a system session)."""
    async with kernel.database.system_session() as session:
        return list((await session.execute(select(model))).scalars().all())
