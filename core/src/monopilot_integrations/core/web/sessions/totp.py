"""Optional second factor: time-based one-time passwords (RFC 6238) through pyotp.

A code is accepted for the current 30-second step and the one before or after (clock
drift), and only once: the step of the last accepted code is stored with the account and
no code of that step or an earlier one is accepted again. The secret is stored encrypted
with the kernel's keyring (:func:`seal_secret`, :func:`open_secret`).
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime

import pyotp

from monopilot_integrations.core.crypto import Keyring

PURPOSE = "web-sign-in-totp"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """A new base32 secret (160 bits), for the user's authenticator app."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (shown as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def code_at(secret: str, when: datetime) -> str:
    """The code for ``when`` (tests, and showing the user that set-up worked)."""
    return pyotp.TOTP(secret).at(when)


def accepted_step(
    secret: str, code: str | None, when: datetime, last_step: int | None
) -> int | None:
    """The time step ``code`` belongs to when it is valid now and not used before, else
    ``None``. Every candidate step is compared (constant time each), whether or not an
    earlier one matched."""
    if not code:
        return None
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(when.timestamp()) // STEP_SECONDS
    found: int | None = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected.encode(), code.encode()) and found is None:
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def seal_secret(keyring: Keyring, org_id: uuid.UUID | None, secret: str) -> str:
    """The secret encrypted for storage (bound to the organisation and this purpose)."""
    return keyring.encrypt(secret, org_id=str(org_id or "global"), purpose=PURPOSE)


def open_secret(keyring: Keyring, org_id: uuid.UUID | None, sealed: str) -> str:
    return keyring.decrypt(sealed, org_id=str(org_id or "global"), purpose=PURPOSE)
