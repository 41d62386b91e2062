"""A portal's users table as web sign-in sees it (core's ``AccountDirectory``).

Sign-in starts from the e-mail alone, before the organisation is known, so the look-up runs
on the kernel's own connection (the e-mail is unique across organisations); everything the
user does afterwards runs in tenant transactions of the user's organisation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from monopilot_integrations.connectors.portals.parties import Portal
from monopilot_integrations.core.crypto import Keyring
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.web.sessions import Account
from monopilot_integrations.core.web.sessions import totp as totp_codes

ACTIVE = "active"
SUSPENDED = "suspended"


class PortalUserDirectory:
    def __init__(self, portal: Portal, database: Database, keyring: Keyring) -> None:
        self.portal = portal
        self.realm = portal.realm
        self.database = database
        self.keyring = keyring

    async def find_by_email(self, email: str) -> Account | None:
        table = self.portal.table
        async with self.database.system_session() as db:
            row: Any = await db.scalar(select(table).where(table.email == email))
            if row is None:
                return None
            party = getattr(row, self.portal.party_column)
            secret = (
                totp_codes.open_secret(self.keyring, row.org_id, row.totp_secret)
                if row.totp_secret
                else None
            )
            return Account(
                id=row.id,
                email=row.email,
                password_hash=row.password_hash,
                active=row.status == ACTIVE,
                org_id=row.org_id,
                name=row.name,
                totp_secret=secret,
                totp_last_step=row.totp_last_step,
                claims={"party_id": str(party), "name": row.name, "email": row.email},
            )

    async def record_sign_in(
        self,
        account: Account,
        *,
        when: datetime,
        new_password_hash: str | None,
        totp_step: int | None,
    ) -> None:
        table = self.portal.table
        values: dict[str, object] = {"last_login_at": when}
        if new_password_hash is not None:
            values["password_hash"] = new_password_hash
        if totp_step is not None:
            values["totp_last_step"] = totp_step
        if account.org_id is None:  # every portal user has one; nothing to record otherwise
            return
        async with self.database.session(account.org_id) as db:
            await db.execute(
                update(table)
                .where(table.org_id == account.org_id, table.id == account.id)
                .values(**values)
            )
