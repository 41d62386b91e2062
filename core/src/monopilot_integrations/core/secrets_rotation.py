"""Re-encrypting every stored secret under the keyring's active key.

A key rotation is: add a new key to ``MONOPILOT_SECRET_KEYS`` (or the key file) and make it
active, restart, run ``monopilot-integrations secrets rotate``, and only then drop the old
key. New secrets are sealed with the active key from the restart on; this module rewrites
the old ones, in every column a plugin declared through ``register_sealed_columns``.

Why it is safe to run at any time, on a live system, as often as wanted:

* Each batch is one short transaction of the kernel's system connection (tokens are bound to
  their organisation by the associated data, so row-level security is not what protects
  them, and the rotation must see every organisation).
* An update is a compare-and-set on the old token: a secret changed through the API while
  the batch ran (a webhook's secret rotated, say) is left alone, never overwritten with a
  re-encryption of the value it replaced.
* A token already under the active key is not written again, so a second run changes
  nothing and reports every row as current.
* A token that does not decrypt (a key removed too early, an altered row) is reported with
  its row key and the reason, and the run goes on: one bad row does not hide the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from monopilot_integrations.core.crypto import DecryptionError, Keyring
from monopilot_integrations.core.db.base import Base
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.plugins.registration import SealedColumn

__all__ = ["ColumnReport", "rotate_sealed_columns"]


@dataclass
class ColumnReport:
    """What a rotation did to one column."""

    table: str
    column: str
    #: Rows holding a token.
    scanned: int = 0
    #: Tokens re-encrypted under the active key (or that would be, in a dry run).
    rotated: int = 0
    #: Tokens already under the active key.
    current: int = 0
    #: Tokens changed by someone else between read and write (left as they were).
    skipped: int = 0
    #: ``(row key, reason)`` of tokens that could not be decrypted.
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Rows per key id before the run, e.g. ``{"k2026": 12, "k2027": 3}``.
    key_ids: dict[str, int] = field(default_factory=dict)


async def rotate_sealed_columns(
    database: Database,
    keyring: Keyring,
    columns: Iterable[SealedColumn],
    *,
    dry_run: bool = False,
    batch_size: int = 500,
) -> list[ColumnReport]:
    """Re-encrypt every token in ``columns`` that is not under ``keyring``'s active key.

    With ``dry_run`` nothing is written: the reports say what a real run would rotate and
    which tokens would fail.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    return [
        await _rotate_column(database, keyring, column, dry_run=dry_run, batch_size=batch_size)
        for column in columns
    ]


async def _rotate_column(
    database: Database, keyring: Keyring, sealed: SealedColumn, *, dry_run: bool, batch_size: int
) -> ColumnReport:
    table = _table(sealed)
    key, token_column = table.c[sealed.key], table.c[sealed.column]
    wanted = [key, table.c[sealed.org_column], token_column, *(table.c[c] for c in sealed.reads)]
    report = ColumnReport(sealed.table, sealed.column)
    update = (
        sa.update(table)
        .where(key == sa.bindparam("row_key"), token_column == sa.bindparam("old_token"))
        .values({sealed.column: sa.bindparam("new_token")})
    )
    last: Any = None
    while True:
        query = sa.select(*wanted).where(token_column.is_not(None)).order_by(key)
        if last is not None:
            query = query.where(key > last)
        async with database.transaction() as conn:
            rows = (await conn.execute(query.limit(batch_size))).mappings().all()
            if not rows:
                return report
            changes = []
            for row in rows:
                new = _reencrypt(keyring, sealed, row, report)
                if new is not None:
                    changes.append(
                        {
                            "row_key": row[sealed.key],
                            "old_token": row[sealed.column],
                            "new_token": new,
                        }
                    )
            if changes and not dry_run:
                for change in changes:  # one by one: rowcount tells a lost compare-and-set
                    result = await conn.execute(update, change)
                    if result.rowcount == 0:
                        report.skipped += 1
                        report.rotated -= 1
        last = rows[-1][sealed.key]


def _reencrypt(
    keyring: Keyring, sealed: SealedColumn, row: Any, report: ColumnReport
) -> str | None:
    token = row[sealed.column]
    report.scanned += 1
    try:
        kid = keyring.key_id_of(token)
        report.key_ids[kid] = report.key_ids.get(kid, 0) + 1
        if kid == keyring.active_key_id:
            # Still authenticated: a "current" token that does not decrypt is a bad row.
            keyring.decrypt(token, org_id=row[sealed.org_column], purpose=sealed.purpose_of(row))
            report.current += 1
            return None
        new = keyring.reencrypt(
            token, org_id=row[sealed.org_column], purpose=sealed.purpose_of(row)
        )
    except DecryptionError as exc:
        report.failed.append((str(row[sealed.key]), str(exc)))
        return None
    report.rotated += 1
    return new


def _table(sealed: SealedColumn) -> sa.Table:
    table = Base.metadata.tables.get(sealed.table)
    if table is None:
        raise ConfigError(
            f"sealed column {sealed.table}.{sealed.column}: no table {sealed.table!r} is "
            "mapped (the plugin must import its models before registering the column)"
        )
    missing = [
        name
        for name in (sealed.key, sealed.org_column, sealed.column, *sealed.reads)
        if name not in table.c
    ]
    if missing:
        raise ConfigError(
            f"sealed column {sealed.table}.{sealed.column}: the table has no column "
            f"{', '.join(map(repr, missing))}"
        )
    return table
