"""Which users sign in: the small protocol a user table implements to use web sign-in.

The portals (supplier and customer users) and the administrators' dashboard keep their users
in tables of their own; the sign-in code (:mod:`.signin`) knows none of them. Each plugs in
an :class:`AccountDirectory`: find an account by e-mail, record a successful sign-in. Every
directory has a ``realm`` (``"portal-supplier"``, ``"dashboard"``, ...): it names the
session cookie, keys the lockout counters and keeps one realm's sessions useless in another.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Account:
    """What sign-in needs to know about a user.

    ``org_id`` is the user's organisation (``None`` for users above organisations, such as
    an operator of the whole installation). ``totp_secret`` is the plain base32 secret when
    two-factor authentication is on (the directory decrypts it; :mod:`.totp`), and
    ``totp_last_step`` the time step of the last code accepted (a code is good once).
    ``claims`` are small strings copied into the session (e.g. the user's supplier id), so
    requests need no lookup of the user.
    """

    id: uuid.UUID
    email: str
    password_hash: str
    active: bool
    org_id: uuid.UUID | None = None
    name: str = ""
    totp_secret: str | None = None
    totp_last_step: int | None = None
    claims: Mapping[str, str] = field(default_factory=dict)


class AccountDirectory(Protocol):
    """A user table, as sign-in sees it."""

    #: Short lowercase name: letters, digits and ``-`` (it becomes part of a cookie name).
    realm: str

    async def find_by_email(self, email: str) -> Account | None:
        """The account with this e-mail (already normalised by :func:`normalise_email`),
        or ``None``."""
        ...

    async def record_sign_in(
        self,
        account: Account,
        *,
        when: datetime,
        new_password_hash: str | None,
        totp_step: int | None,
    ) -> None:
        """Store ``last_login_at = when``; the upgraded hash when ``new_password_hash`` is
        set; the TOTP step used when ``totp_step`` is set."""
        ...


def normalise_email(email: str) -> str:
    """The form e-mails are stored and looked up in: trimmed, lower case (the local part
    too: no two users should differ by case only)."""
    return email.strip().lower()


def masked_email(email: str) -> str:
    """``j***@example.com``: enough for an administrator reading a log to recognise a user,
    not enough to harvest addresses from it."""
    local, at, domain = normalise_email(email).partition("@")
    if not at:
        return (local[:1] + "***") if local else "***"
    return f"{local[:1]}***@{domain}"
