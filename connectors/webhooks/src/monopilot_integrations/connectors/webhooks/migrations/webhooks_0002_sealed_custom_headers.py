"""Webhooks: custom header values encrypted at rest.

``custom_headers`` keeps the header names (a JSON list); the values move to
``custom_headers_sealed``, one keyring token of ``{name: value}``. Existing values are
encrypted here, in the migration, with the keyring the settings name (run ``migrate`` with
the server's ``MONOPILOT_SECRET_KEYS`` or data folder, as for every command); the keyring is
only built when a row holds clear values. Deleted webhooks lose their headers (they were
kept in clear after deletion).

Revision ID: webhooks_0002
Revises: webhooks_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.types import JSONType

revision = "webhooks_0002"
down_revision = "webhooks_0001"
branch_labels = None
depends_on = None

PURPOSE = "integration_webhooks.custom_headers"  # as secret_box.HEADERS_PURPOSE

_webhooks = sa.table(
    "integration_webhooks",
    sa.column("id", sa.Uuid()),
    sa.column("org_id", sa.Uuid()),
    sa.column("custom_headers", JSONType),
    sa.column("custom_headers_sealed", sa.Text()),
    sa.column("deleted_at", sa.DateTime()),
)


def _keyring() -> Any:
    from monopilot_integrations.core.crypto import Keyring
    from monopilot_integrations.core.settings import Settings

    return Keyring.from_settings(Settings())


def _seal_existing(bind: Any) -> None:
    import json

    rows = bind.execute(
        sa.select(
            _webhooks.c.id, _webhooks.c.org_id, _webhooks.c.custom_headers, _webhooks.c.deleted_at
        ).where(_webhooks.c.custom_headers.is_not(None))
    ).all()
    keyring = None
    for row in rows:
        headers = row.custom_headers if isinstance(row.custom_headers, dict) else {}
        values: dict[str, Any] = {"custom_headers": None, "custom_headers_sealed": None}
        if headers and row.deleted_at is None:
            keyring = keyring or _keyring()
            text = json.dumps(
                {str(k): str(v) for k, v in headers.items()},
                separators=(",", ":"),
                ensure_ascii=False,
            )
            values = {
                "custom_headers": [str(k) for k in headers],
                "custom_headers_sealed": keyring.encrypt(text, org_id=row.org_id, purpose=PURPOSE),
            }
        bind.execute(sa.update(_webhooks).where(_webhooks.c.id == row.id).values(**values))


def upgrade() -> None:
    op.add_column(
        "integration_webhooks", sa.Column("custom_headers_sealed", sa.Text(), nullable=True)
    )
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:  # the owner migrates every organisation's rows: lift FORCE meanwhile
        op.execute("ALTER TABLE integration_webhooks NO FORCE ROW LEVEL SECURITY")
    _seal_existing(bind)
    if postgres:
        op.execute("ALTER TABLE integration_webhooks FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    # The values cannot come back in clear without the keyring: headers are dropped.
    op.execute(sa.update(_webhooks).values(custom_headers=None))
    op.drop_column("integration_webhooks", "custom_headers_sealed")
