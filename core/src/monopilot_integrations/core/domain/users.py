"""MonoPilot's users as the dashboard's own sign-in sees them: an optional port.

A store that keeps MonoPilot's users (the reference store does) implements
:class:`UserAccounts`; the dashboard then signs organisation admins in with the kernel's web
sessions (``core.web.sessions``). MonoPilot's own store need not: MonoPilot hands the
dashboard its signed-in user through ``provide_dashboard_user`` instead, and the
dashboard's sign-in page says so.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

#: The role that may use the integrations dashboard.
ADMIN_ROLE = "admin"


class UserAccount(BaseModel):
    """A MonoPilot user with what sign-in needs (the hash never leaves the server)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    org_id: uuid.UUID
    email: str
    name: str
    role: str
    active: bool
    password_hash: str | None
    last_login_at: datetime | None = None


@runtime_checkable
class UserAccounts(Protocol):
    """Users for the dashboard's sign-in; e-mails are normalised (trimmed, lower case)."""

    async def find_users_by_email(self, email: str) -> list[UserAccount]:
        """Every user with this e-mail, across organisations (an e-mail is unique within
        one organisation only)."""
        ...

    async def save_user(
        self, org_id: uuid.UUID, *, email: str, name: str, role: str, password_hash: str
    ) -> UserAccount:
        """Create the user, or set the name, role and password of the existing one."""
        ...

    async def record_user_sign_in(
        self,
        org_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        when: datetime,
        new_password_hash: str | None,
    ) -> None:
        """``last_login_at = when``; the upgraded hash when given."""
        ...
