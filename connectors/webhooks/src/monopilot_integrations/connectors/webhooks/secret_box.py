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

from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.crypto import Keyring

SECRET_PURPOSE = "integration_webhooks.secret"  # noqa: S105 (a label, not a secret)
PREVIOUS_PURPOSE = "integration_webhooks.previous_secret"
HEADERS_PURPOSE = "integration_webhooks.custom_headers"


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

    def signing_secrets(self, webhook: Webhook, now: datetime) -> list[str]:
        """The secrets that sign a delivery now, newest first: the current one, plus the
        previous one while its rotation grace period lasts."""
        secrets = [self.open(webhook.org_id, webhook.secret)]
        expires = webhook.previous_secret_expires_at
        if webhook.previous_secret and expires is not None and now < expires:
            secrets.append(self.open(webhook.org_id, webhook.previous_secret, previous=True))
        return secrets
