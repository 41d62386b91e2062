"""Web sign-in primitives shared by every browser-facing part (the portals, the
administrators' dashboard): password hashing, server-side sessions, the session cookie,
CSRF and same-origin checks, per-account lockouts, optional TOTP.

Generic over the user table: each part plugs its users in through an
:class:`~.accounts.AccountDirectory` and gets a realm of its own (cookie, lockout counters,
sessions). ``docs/web-sessions.md`` describes the API and the policy; the kernel's runtime
holds the per-loop parts (:attr:`Runtime.web_session_store`, :attr:`Runtime.login_throttle`)
and the kernel the password hasher (:attr:`Kernel.password_hasher`)::

    runtime = kernel.runtime()
    sessions = SessionManager(
        runtime.web_session_store, session_policy(kernel.settings, "dashboard"), kernel.clock
    )
    sign_in = SignIn(MyUsers(...), sessions, runtime.login_throttle, kernel.password_hasher)
"""

from monopilot_integrations.core.web.sessions.accounts import (
    Account,
    AccountDirectory,
    masked_email,
    normalise_email,
)
from monopilot_integrations.core.web.sessions.csrf import (
    CSRF_FIELD,
    CSRF_HEADER,
    check_csrf_token,
    check_same_origin,
    cross_site_refusal,
    csrf_token_matches,
    same_origin_middleware,
)
from monopilot_integrations.core.web.sessions.factory import (
    lockout_policy,
    password_hasher,
    session_policy,
    session_store,
)
from monopilot_integrations.core.web.sessions.lockout import LockoutPolicy, LoginThrottle
from monopilot_integrations.core.web.sessions.manager import CURRENT, SessionManager
from monopilot_integrations.core.web.sessions.model import WebSession, new_token, token_digest
from monopilot_integrations.core.web.sessions.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PasswordHasher,
    Verification,
    check_password_policy,
    new_temporary_password,
)
from monopilot_integrations.core.web.sessions.policy import SessionPolicy
from monopilot_integrations.core.web.sessions.redis_store import RedisSessionStore
from monopilot_integrations.core.web.sessions.signin import (
    INVALID_MESSAGE,
    Outcome,
    SignIn,
    SignInResult,
)
from monopilot_integrations.core.web.sessions.store import DatabaseSessionStore, SessionStore

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "CURRENT",
    "INVALID_MESSAGE",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "AccountDirectory",
    "DatabaseSessionStore",
    "LockoutPolicy",
    "LoginThrottle",
    "Outcome",
    "PasswordHasher",
    "RedisSessionStore",
    "SessionManager",
    "SessionPolicy",
    "SessionStore",
    "SignIn",
    "SignInResult",
    "Verification",
    "WebSession",
    "check_csrf_token",
    "check_password_policy",
    "check_same_origin",
    "cross_site_refusal",
    "csrf_token_matches",
    "lockout_policy",
    "masked_email",
    "new_temporary_password",
    "new_token",
    "normalise_email",
    "password_hasher",
    "same_origin_middleware",
    "session_policy",
    "session_store",
    "token_digest",
]
