"""Secret transport settings (SFTP passwords, private keys): split off, sealed, reopened.

A transport's settings model marks its secrets with ``SecretStr``. The partner row keeps
the other settings as JSON (shown by the API) and the secrets as one keyring token
(AES-256-GCM, bound to the organisation and to the partner profile, so a token copied into
another row or another organisation does not decrypt). The API never returns them: it
lists which are set.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from monopilot_integrations.core.crypto import Keyring
from monopilot_integrations.core.transport import TransportSettings

#: Key under which a partner row lists the names of its sealed settings.
SECRET_NAMES_KEY = "_secrets"  # noqa: S105 - a key name, not a secret


def secret_fields(model: type[TransportSettings]) -> frozenset[str]:
    """Names of the fields of ``model`` typed ``SecretStr`` (optional or not)."""
    names = set()
    for name, field in model.model_fields.items():
        if SecretStr is field.annotation or "SecretStr" in str(field.annotation):
            names.add(name)
    return frozenset(names)


def purpose(partner_profile_id: uuid.UUID) -> str:
    return f"edi.partner.{partner_profile_id}.transport"


def split(
    settings: Mapping[str, Any], secrets: frozenset[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``(public, secret)`` halves of ``settings``; ``None`` secrets are dropped."""
    public = {k: v for k, v in settings.items() if k not in secrets}
    hidden = {k: str(v) for k, v in settings.items() if k in secrets and v is not None}
    return public, hidden


def seal(
    keyring: Keyring, org_id: uuid.UUID, partner_profile_id: uuid.UUID, hidden: Mapping[str, str]
) -> str | None:
    if not hidden:
        return None
    return keyring.encrypt(
        json.dumps(dict(hidden), sort_keys=True), org_id=org_id, purpose=purpose(partner_profile_id)
    )


def unseal(
    keyring: Keyring, org_id: uuid.UUID, partner_profile_id: uuid.UUID, token: str | None
) -> dict[str, str]:
    if not token:
        return {}
    data = json.loads(keyring.decrypt(token, org_id=org_id, purpose=purpose(partner_profile_id)))
    return {str(k): str(v) for k, v in data.items()}
