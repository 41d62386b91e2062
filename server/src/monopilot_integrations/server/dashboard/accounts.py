"""The dashboard's users for the kernel's web sign-in: MonoPilot users with the admin role.

An :class:`~monopilot_integrations.core.web.sessions.AccountDirectory` over the domain
store's :class:`~monopilot_integrations.core.domain.users.UserAccounts`. An e-mail is unique
within one organisation only, so the sign-in form takes an optional organisation code; it
is needed only when the e-mail belongs to an admin of several organisations.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from monopilot_integrations.core.domain.users import ADMIN_ROLE, UserAccounts
from monopilot_integrations.core.web.sessions import Account

REALM = "dashboard"


class DashboardAccounts:
    """Admins of MonoPilot organisations (``realm = "dashboard"``)."""

    realm = REALM

    def __init__(self, users: UserAccounts, org_id: uuid.UUID | None = None) -> None:
        self.users = users
        self.org_id = org_id

    async def find_by_email(self, email: str) -> Account | None:
        found = [
            u
            for u in await self.users.find_users_by_email(email)
            if u.role == ADMIN_ROLE
            and u.password_hash
            and (self.org_id is None or u.org_id == self.org_id)
        ]
        if len(found) != 1:  # nobody, or several organisations: the code decides
            return None
        user = found[0]
        assert user.password_hash is not None
        return Account(
            id=user.id,
            email=user.email,
            password_hash=user.password_hash,
            active=user.active,
            org_id=user.org_id,
            name=user.name,
            claims={"name": user.name, "role": user.role},
        )

    async def record_sign_in(
        self,
        account: Account,
        *,
        when: datetime,
        new_password_hash: str | None,
        totp_step: int | None,
    ) -> None:
        assert account.org_id is not None
        await self.users.record_user_sign_in(
            account.org_id, account.id, when=when, new_password_hash=new_password_hash
        )
