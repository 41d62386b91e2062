"""The job engine's statements on one organisation's rows: its session and its condition."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.db.database import Database


class OrgScope:
    """Opens an organisation's transaction and writes the ``org_id`` condition of the
    engine's statements in the form the database's planner handles best."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.sqlite = database.dialect == "sqlite"

    def same_org(self, column: Any, org_id: uuid.UUID) -> ColumnElement[bool]:
        """``column = org_id``, written so that SQLite looks rows up by their ids.

        Without statistics SQLite's planner prefers an index on ``org_id`` over a list of
        primary keys, and then reads every row of the organisation to find fifty. Wrapped
        in ``likely()`` the condition is only checked on the rows found by id.
        """
        condition: ColumnElement[bool] = column == org_id
        if self.sqlite:
            return func.likely(condition)
        return condition

    def session(self, org_id: uuid.UUID) -> AbstractAsyncContextManager[AsyncSession]:
        """The organisation's transaction (``async with``)."""
        return self.database.session(org_id)
