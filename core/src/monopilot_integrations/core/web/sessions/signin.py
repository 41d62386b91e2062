"""Sign-in: e-mail and password (and a TOTP code when the account has two factors), checked
so that a failure tells nothing.

* **One message for every failure** (:data:`INVALID_MESSAGE`): unknown e-mail, wrong
  password and wrong or missing code look the same, and take the same time (an unknown
  e-mail is checked against a dummy hash, :mod:`.passwords`).
* **Lockouts** (:mod:`.lockout`): checked before anything else, counted for every failure.
* **Suspended accounts** are refused, told so only after the right password (a stranger
  learns nothing from it), and count as no failure.
* **Logged**: every refusal goes to the process log with the realm, the masked e-mail, the
  client address and the reason; never the password or the code.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from aiohttp import web

from monopilot_integrations.core.clock import Clock, SystemClock
from monopilot_integrations.core.web.sessions.accounts import (
    Account,
    AccountDirectory,
    masked_email,
    normalise_email,
)
from monopilot_integrations.core.web.sessions.lockout import LoginThrottle
from monopilot_integrations.core.web.sessions.manager import SessionManager
from monopilot_integrations.core.web.sessions.model import WebSession
from monopilot_integrations.core.web.sessions.passwords import MAX_PASSWORD_LENGTH, PasswordHasher
from monopilot_integrations.core.web.sessions.totp import accepted_step

log = logging.getLogger(__name__)

INVALID_MESSAGE = "the e-mail address, the password or the authentication code is wrong"
SUSPENDED_MESSAGE = "this account is suspended: ask the company that invited you"
MAX_EMAIL_LENGTH = 255


class Outcome(enum.Enum):
    SIGNED_IN = "signed_in"
    INVALID = "invalid"
    LOCKED = "locked"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class SignInResult:
    outcome: Outcome
    #: The signed-in session (``SIGNED_IN`` only).
    session: WebSession | None = None
    #: The account (``SIGNED_IN`` and ``SUSPENDED`` only: never for a failure).
    account: Account | None = None
    #: Seconds until another attempt may succeed (``LOCKED``).
    retry_after: int = 0

    @property
    def message(self) -> str:
        if self.outcome is Outcome.LOCKED:
            minutes = max((self.retry_after + 59) // 60, 1)
            return (
                "too many failed sign-ins for this e-mail address: try again in "
                f"{minutes} minute{'s' if minutes != 1 else ''}"
            )
        if self.outcome is Outcome.SUSPENDED:
            return SUSPENDED_MESSAGE
        if self.outcome is Outcome.INVALID:
            return INVALID_MESSAGE
        return "signed in"


class SignIn:
    """Sign-in for one realm: its directory of users, its sessions, the lockout counters and
    the password hasher."""

    def __init__(
        self,
        directory: AccountDirectory,
        sessions: SessionManager,
        throttle: LoginThrottle,
        hasher: PasswordHasher,
        clock: Clock | None = None,
    ) -> None:
        if directory.realm != sessions.realm:
            raise ValueError(f"realms differ: {directory.realm!r} and {sessions.realm!r}")
        self.directory = directory
        self.sessions = sessions
        self.throttle = throttle
        self.hasher = hasher
        self.clock: Clock = clock or SystemClock()

    @property
    def realm(self) -> str:
        return self.directory.realm

    async def attempt(
        self,
        request: web.BaseRequest,
        response: web.StreamResponse,
        *,
        email: str,
        password: str,
        totp_code: str | None = None,
        address: str = "unknown",
    ) -> SignInResult:
        """Check the credentials; on success start a session (its cookie goes on
        ``response``) and return it."""
        email = normalise_email(email)[:MAX_EMAIL_LENGTH]
        locked = await self.throttle.locked_for(self.realm, email)
        if locked > 0:
            self._refused(email, address, "locked")
            return SignInResult(Outcome.LOCKED, retry_after=int(locked + 0.999))
        account = await self.directory.find_by_email(email) if email else None
        verification = await self.hasher.verify(
            password[: MAX_PASSWORD_LENGTH + 1], account.password_hash if account else None
        )
        step: int | None = None
        reason = "unknown e-mail" if account is None else "wrong password"
        ok = account is not None and verification.ok
        if ok and account is not None and account.totp_secret:
            step = accepted_step(
                account.totp_secret, totp_code, self.clock.now(), account.totp_last_step
            )
            if step is None:
                ok, reason = False, "wrong or missing authentication code"
        if not ok or account is None:
            lockout = await self.throttle.failed(self.realm, email)
            self._refused(email, address, reason + (f", locked {lockout:.0f}s" if lockout else ""))
            return SignInResult(Outcome.INVALID)
        if not account.active:
            self._refused(email, address, "suspended")
            return SignInResult(Outcome.SUSPENDED, account=account)
        await self.throttle.succeeded(self.realm, email)
        await self.directory.record_sign_in(
            account, when=self.clock.now(), new_password_hash=verification.new_hash, totp_step=step
        )
        session = await self.sessions.start(
            request, response, user_id=account.id, org_id=account.org_id, claims=account.claims
        )
        log.info("signed in: realm=%s account=%s", self.realm, account.id)
        return SignInResult(Outcome.SIGNED_IN, session=session, account=account)

    def _refused(self, email: str, address: str, reason: str) -> None:
        log.warning(
            "sign-in refused: realm=%s email=%s address=%s reason=%s",
            self.realm,
            masked_email(email),
            address,
            reason,
        )
