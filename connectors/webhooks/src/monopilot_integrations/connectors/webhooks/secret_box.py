"""Webhook secrets at rest: encrypted with the kernel's keyring, bound to the organisation
and the column (so a token copied into another tenant's row does not decrypt)."""

from __future__ import annotations

import uuid
from datetime import datetime

from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.crypto import Keyring

SECRET_PURPOSE = "integration_webhooks.secret"  # noqa: S105 (a label, not a secret)
PREVIOUS_PURPOSE = "integration_webhooks.previous_secret"


class SecretBox:
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def seal(self, org_id: uuid.UUID, secret: str, *, previous: bool = False) -> str:
        purpose = PREVIOUS_PURPOSE if previous else SECRET_PURPOSE
        return self.keyring.encrypt(secret, org_id=org_id, purpose=purpose)

    def open(self, org_id: uuid.UUID, token: str, *, previous: bool = False) -> str:
        purpose = PREVIOUS_PURPOSE if previous else SECRET_PURPOSE
        return self.keyring.decrypt(token, org_id=org_id, purpose=purpose)

    def signing_secrets(self, webhook: Webhook, now: datetime) -> list[str]:
        """The secrets that sign a delivery now, newest first: the current one, plus the
        previous one while its rotation grace period lasts."""
        secrets = [self.open(webhook.org_id, webhook.secret)]
        expires = webhook.previous_secret_expires_at
        if webhook.previous_secret and expires is not None and now < expires:
            secrets.append(self.open(webhook.org_id, webhook.previous_secret, previous=True))
        return secrets
