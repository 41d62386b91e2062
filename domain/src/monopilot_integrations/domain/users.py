"""The reference store's users for the dashboard's sign-in (:class:`UserAccounts`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from monopilot_integrations.core.domain.users import UserAccount
from monopilot_integrations.core.web.sessions import normalise_email
from monopilot_integrations.domain.store_base import StoreBase
from monopilot_integrations.domain.tables import UserRow


def _account(row: UserRow) -> UserAccount:
    return UserAccount(
        id=row.id,
        org_id=row.org_id,
        email=row.email,
        name=row.name,
        role=row.role,
        active=row.status == "active",
        password_hash=row.password_hash,
        last_login_at=row.last_login_at,
    )


class UsersStore(StoreBase):
    async def find_users_by_email(self, email: str) -> list[UserAccount]:
        # Across organisations, before anyone knows which: the kernel's own session.
        async with self.database.system_session() as session:
            rows = (
                await session.execute(
                    select(UserRow).where(UserRow.email == normalise_email(email))
                )
            ).scalars()
            return [_account(row) for row in rows]

    async def save_user(
        self, org_id: uuid.UUID, *, email: str, name: str, role: str, password_hash: str
    ) -> UserAccount:
        email = normalise_email(email)
        async with self.database.session(org_id) as session:
            row = await session.scalar(
                select(UserRow).where(UserRow.org_id == org_id, UserRow.email == email)
            )
            if row is None:
                row = UserRow(org_id=org_id, email=email)
                session.add(row)
            row.name, row.role, row.password_hash, row.status = name, role, password_hash, "active"
            await session.flush()
            return _account(row)

    async def record_user_sign_in(
        self,
        org_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        when: datetime,
        new_password_hash: str | None,
    ) -> None:
        values: dict[str, object] = {"last_login_at": when}
        if new_password_hash is not None:
            values["password_hash"] = new_password_hash
        async with self.database.session(org_id) as session:
            await session.execute(
                update(UserRow)
                .where(UserRow.org_id == org_id, UserRow.id == user_id)
                .values(**values)
            )
