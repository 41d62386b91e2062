"""Password hashing for web sign-in: argon2id through libpass, verified off the event loop.

Why these choices:

* **argon2id** (libpass's ``argon2`` scheme, which hashes with the ``ID`` type) is the
  current recommendation for stored passwords; bcrypt hashes (from an earlier system) still
  verify and are upgraded to argon2id on the next successful sign-in (``deprecated="auto"``).
* **Off the event loop.** One argon2 verification takes ~100 ms of CPU: run inline, it
  would stall every other request of the process. :meth:`PasswordHasher.verify` runs it in
  a worker thread.
* **The same work for unknown accounts.** :meth:`verify` with ``stored=None`` checks the
  password against a dummy hash made at start-up, so a sign-in for an address nobody has
  costs the same time as a wrong password for a real account: timing tells them apart no
  better than the message does.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass

from passlib.context import CryptContext

from monopilot_integrations.core.errors import ValidationError

#: Longer passwords are refused when set (and simply fail when presented): argon2's cost
#: grows with the input, and no one types more.
MAX_PASSWORD_LENGTH = 256
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class Verification:
    """The outcome of :meth:`PasswordHasher.verify`: whether it matched, and a new hash to
    store when the stored one uses outdated parameters or scheme (else ``None``)."""

    ok: bool
    new_hash: str | None = None


class PasswordHasher:
    """Hashes and verifies passwords. One instance per process is enough (thread-safe).

    ``time_cost``/``memory_kib`` tune argon2 (libpass's defaults when ``None``); tests lower
    them so hundreds of sign-ins stay fast.
    """

    def __init__(self, *, time_cost: int | None = None, memory_kib: int | None = None) -> None:
        options: dict[str, object] = {}
        if time_cost is not None:
            options["argon2__rounds"] = time_cost
        if memory_kib is not None:
            options["argon2__memory_cost"] = memory_kib
        self._context = CryptContext(schemes=["argon2", "bcrypt"], deprecated="auto", **options)
        # A hash of a random password nobody knows: the target of unknown accounts' checks.
        self._dummy = self._context.hash(secrets.token_urlsafe(24))

    def hash_now(self, password: str) -> str:
        """The hash of ``password`` (blocking: call it from a thread, or in tools)."""
        check_password_policy(password)
        return str(self._context.hash(password))

    async def hash(self, password: str) -> str:
        """The hash of ``password``, computed in a worker thread. Raises
        :class:`~monopilot_integrations.core.errors.ValidationError` when the password does
        not meet the policy (:func:`check_password_policy`)."""
        check_password_policy(password)
        return await asyncio.to_thread(self._context.hash, password)

    def verify_now(self, password: str, stored: str | None) -> Verification:
        """Blocking form of :meth:`verify`."""
        if len(password) > MAX_PASSWORD_LENGTH:
            self._safe_verify(password[:MAX_PASSWORD_LENGTH], self._dummy)
            return Verification(False)
        if stored is None:
            self._safe_verify(password, self._dummy)
            return Verification(False)
        try:
            ok, new_hash = self._context.verify_and_update(password, stored)
        except (ValueError, TypeError):
            # An unreadable stored hash or a bcrypt input over 72 bytes: a failed check,
            # with the same work done as for any other failure.
            self._safe_verify(password, self._dummy)
            return Verification(False)
        return Verification(bool(ok), new_hash if ok else None)

    async def verify(self, password: str, stored: str | None) -> Verification:
        """Check ``password`` against ``stored`` (``None``: an unknown account, checked
        against the dummy hash and always failing), in a worker thread."""
        return await asyncio.to_thread(self.verify_now, password, stored)

    def _safe_verify(self, password: str, stored: str) -> None:
        with contextlib.suppress(ValueError, TypeError):
            self._context.verify(password, stored)


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short, too long, or blank-padded only.

    Length is what counts (NIST SP 800-63B): at least ``MIN_PASSWORD_LENGTH`` characters,
    no composition rules.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
            errors=[{"path": "password", "message": f"at least {MIN_PASSWORD_LENGTH} characters"}],
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"the password must have at most {MAX_PASSWORD_LENGTH} characters",
            errors=[{"path": "password", "message": f"at most {MAX_PASSWORD_LENGTH} characters"}],
        )
    if not password.strip():
        raise ValidationError(
            "the password cannot be blank",
            errors=[{"path": "password", "message": "cannot be blank"}],
        )


def new_temporary_password() -> str:
    """A random password for an invited or reset account (20 URL-safe characters, ~120
    bits), shown once to the administrator who asked for it."""
    return secrets.token_urlsafe(15)
