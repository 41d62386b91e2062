"""Alembic environment: run by :mod:`monopilot_integrations.core.db.migrate` only.

The runner passes an open synchronous connection (from the async engine's ``run_sync``);
there is no ``alembic.ini``: script and version locations come from the installed plugins.
"""

from __future__ import annotations

from alembic import context

from monopilot_integrations.core.db.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
