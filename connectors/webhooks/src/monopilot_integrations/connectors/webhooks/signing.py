"""Both signature schemes, as pure functions (no I/O, no clock).

**MonoPilot / GitHub style** (``X-MonoPilot-Signature``)::

    sha256=<lowercase hex HMAC-SHA256(key = the secret's UTF-8 bytes, msg = raw body)>

The key is the whole secret string exactly as shown at creation (``whsec_...``), so a
receiver pastes it into the usual GitHub-style verification code unchanged.

**Standard Webhooks v1** (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``)::

    v1,<base64 HMAC-SHA256(key = base64-decoded part after "whsec_",
                           msg = "{webhook-id}.{webhook-timestamp}.{raw body}")>

It signs the delivery id and the timestamp too, which the first scheme cannot: receivers
that check the timestamp get replay protection.

During a secret rotation's grace period each header carries one signature per secret, new
first: ``sha256=<new>, sha256=<old>`` and ``v1,<new> v1,<old>``. A receiver accepts the
delivery when any of them matches the secret it holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format prefix, not a secret)
#: Random bytes in a generated secret (Standard Webhooks allows 24 to 64).
SECRET_BYTES = 32
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64


class InvalidSecretError(ValueError):
    """A secret that is not ``whsec_`` + base64 of 24 to 64 bytes."""


def generate_secret() -> str:
    """A new secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The Standard Webhooks HMAC key of ``secret`` (the base64-decoded part)."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSecretError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSecretError("the part after 'whsec_' is not valid base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSecretError(
            f"the secret must encode {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {len(key)}"
        )
    return key


def body_signature(secret: str | bytes, body: bytes) -> str:
    """``sha256=<hex>``: the GitHub-style signature of ``body`` (key: the secret text)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def standard_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64>``: the Standard Webhooks signature (``key``: see :func:`secret_key`)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(
    secrets_newest_first: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The signature headers of one delivery, one signature per secret, newest first."""
    if not secrets_newest_first:
        raise ValueError("at least one secret is needed to sign")
    body_sigs = [body_signature(s, body) for s in secrets_newest_first]
    standard = [
        standard_signature(secret_key(s), msg_id, timestamp, body) for s in secrets_newest_first
    ]
    return {
        "X-MonoPilot-Signature": ", ".join(body_sigs),
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(standard),
    }


def verify_body_signature(secret: str, body: bytes, header: str) -> bool:
    """Receiver side of the GitHub-style scheme: any listed signature matches, compared in
    constant time. (Used by the tests and shown in ``docs/webhook-receivers.md``.)"""
    expected = body_signature(secret, body)
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in header.split(","))
