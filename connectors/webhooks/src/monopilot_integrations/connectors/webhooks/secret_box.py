"""Webhook secrets at rest: encrypted with the kernel's keyring, bound to the organisation
and the column (so a token copied into another tenant's row does not decrypt).

The signing secrets are one token each; the custom headers' values are one token of the
JSON object ``{name: value}`` (every value is treated as a credential: partners put API
keys under names of their own choosing)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.crypto import Keyring

SECRET_PURPOSE = "integration_webhooks.secret"  # noqa: S105 (a label, not a secret)
PREVIOUS_PURPOSE = "integration_webhooks.previous_secret"
HEADERS_PURPOSE = "integration_webhooks.custom_headers"
OLDER_PURPOSE = "integration_webhooks.older_secrets"

#: Secrets in grace kept at most besides the previous one (a rotation beyond drops the
#: one that expires first).
MAX_OLDER_SECRETS = 10


class SecretBox:
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def seal(self, org_id: uuid.UUID, secret: str, *, previous: bool = False) -> str:
        purpose = PREVIOUS_PURPOSE if previous else SECRET_PURPOSE
        return self.keyring.encrypt(secret, org_id=org_id, purpose=purpose)

    def open(self, org_id: uuid.UUID, token: str, *, previous: bool = False) -> str:
        purpose = PREVIOUS_PURPOSE if previous else SECRET_PURPOSE
        return self.keyring.decrypt(token, org_id=org_id, purpose=purpose)

    def seal_headers(self, org_id: uuid.UUID, headers: Mapping[str, str]) -> str | None:
        """One token for every value (``None`` when there are no custom headers)."""
        if not headers:
            return None
        text = json.dumps(dict(headers), separators=(",", ":"), ensure_ascii=False)
        return self.keyring.encrypt(text, org_id=org_id, purpose=HEADERS_PURPOSE)

    def open_headers(self, org_id: uuid.UUID, token: str | None) -> dict[str, str]:
        """The custom headers sealed in ``token`` (raises ``DecryptionError``)."""
        if not token:
            return {}
        data = json.loads(self.keyring.decrypt(token, org_id=org_id, purpose=HEADERS_PURPOSE))
        return {str(k): str(v) for k, v in data.items()}

    def seal_older(self, org_id: uuid.UUID, older: list[tuple[str, datetime]]) -> str | None:
        """One token for the older secrets in grace, ``[(secret, expires_at), ...]``."""
        if not older:
            return None
        text = json.dumps([[secret, expires.isoformat()] for secret, expires in older])
        return self.keyring.encrypt(text, org_id=org_id, purpose=OLDER_PURPOSE)

    def open_older(self, org_id: uuid.UUID, token: str | None) -> list[tuple[str, datetime]]:
        """The older secrets sealed in ``token``, newest first (raises ``DecryptionError``)."""
        if not token:
            return []
        data: Any = json.loads(self.keyring.decrypt(token, org_id=org_id, purpose=OLDER_PURPOSE))
        return [(str(secret), datetime.fromisoformat(str(expires))) for secret, expires in data]

    def rotate(self, row: Webhook, new_secret: str, now: datetime, grace: datetime | None) -> None:
        """Make ``new_secret`` current. With ``grace`` (when the outgoing secret stops
        signing), the outgoing secret becomes the previous one and every earlier secret
        still within its own grace period is kept; without, every old secret stops at once.
        """
        org = row.org_id
        if grace is None:
            row.previous_secret = row.previous_secret_expires_at = row.older_secrets = None
        else:
            older = [(s, e) for s, e in self.open_older(org, row.older_secrets) if e > now]
            expires = row.previous_secret_expires_at
            if row.previous_secret and expires is not None and expires > now:
                older.insert(0, (self.open(org, row.previous_secret, previous=True), expires))
            older = sorted(older, key=lambda pair: pair[1], reverse=True)[:MAX_OLDER_SECRETS]
            current = self.open(org, row.secret)
            row.previous_secret = self.seal(org, current, previous=True)
            row.previous_secret_expires_at = grace
            row.older_secrets = self.seal_older(org, older)
        row.secret = self.seal(org, new_secret)
