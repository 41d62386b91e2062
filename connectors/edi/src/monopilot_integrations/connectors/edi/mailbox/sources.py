"""Which transport a partner uses, built from its profile (secrets decrypted on the way).

The local folder mailbox is confined to the organisation's own folder under the EDI
mailbox root (``<mailbox_dir>/<org id>``): a profile may name a subfolder, never an
absolute path or one with ``..``, so one organisation's admin cannot point a partner at
another organisation's files (or anywhere else on the server).
"""

from __future__ import annotations

import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from monopilot_integrations.connectors.edi.mailbox.folder import FolderMailbox
from monopilot_integrations.connectors.edi.settings import EdiSettings
from monopilot_integrations.connectors.edi.tables import EdiPartner
from monopilot_integrations.connectors.edi.transport_secrets import unseal
from monopilot_integrations.core.crypto import Keyring
from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.net import OutboundGuard
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.transport import Transport


def org_mailbox(root: Path, org_id: uuid.UUID) -> Path:
    """The organisation's own local mailbox root."""
    return root / str(org_id)


def folder_path(root: Path, org_id: uuid.UUID, configured: Any) -> Path:
    """The absolute folder of a folder mailbox whose profile says ``configured``."""
    base = org_mailbox(root, org_id)
    if configured in (None, "", "."):
        return base
    relative = PurePosixPath(str(configured))
    if relative.is_absolute() or ".." in relative.parts or "\\" in str(configured):
        raise ConfigError(
            f"folder mailbox path {configured!r} must be a subfolder name inside the "
            "organisation's mailbox (no absolute path, no '..')"
        )
    return base.joinpath(*relative.parts)


def operator_defaults(settings: EdiSettings) -> dict[str, Any]:
    """Mailbox settings the operator sets for every mailbox (a profile may override)."""
    return {
        "claim_timeout": settings.claim_timeout,
        "max_file_bytes": settings.max_file_bytes,
        "timeout": settings.sftp_timeout,
    }


def transport_config(
    partner: EdiPartner,
    *,
    public: dict[str, Any],
    secrets: dict[str, str],
    root: Path,
    defaults: dict[str, Any] | None = None,
    fields: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The full settings mapping the partner's transport is built from."""
    config = {**{k: v for k, v in public.items() if not k.startswith("_")}, **secrets}
    for name, value in (defaults or {}).items():
        if name in fields:
            config.setdefault(name, value)
    if partner.transport == FolderMailbox.name:
        config["path"] = str(folder_path(root, partner.org_id, public.get("path")))
    return config


def build_transport(
    registry: Registry,
    keyring: Keyring,
    partner: EdiPartner,
    root: Path,
    settings: EdiSettings | None = None,
    *,
    guard: OutboundGuard | None = None,
) -> Transport:
    """The partner's transport, ready to send or receive; its network targets go through
    ``guard`` (the process's, ``OutboundGuard.from_settings``; default: strict)."""
    if partner.transport not in registry.transports:
        raise ConfigError(
            f"partner {partner.partner_id} uses transport {partner.transport!r}, "
            "which no installed plugin registers"
        )
    secrets = unseal(keyring, partner.org_id, partner.id, partner.transport_secrets)
    transport_cls = registry.transports[partner.transport]
    config = transport_config(
        partner,
        public=dict(partner.transport_settings),
        secrets=secrets,
        root=root,
        defaults=operator_defaults(settings or EdiSettings()),
        fields=frozenset(transport_cls.settings_model.model_fields),
    )
    return transport_cls.from_config(config, guard=guard)


def default_mailbox(
    root: Path, org_id: uuid.UUID, settings: EdiSettings | None = None
) -> FolderMailbox:
    """The organisation's own folder mailbox (every partner on ``edi-folder`` without a
    subfolder shares it; the UNB sender says who sent a file)."""
    defaults = operator_defaults(settings or EdiSettings())
    transport = FolderMailbox.from_config(
        {
            "path": str(org_mailbox(root, org_id)),
            "claim_timeout": defaults["claim_timeout"],
            "max_file_bytes": defaults["max_file_bytes"],
        }
    )
    assert isinstance(transport, FolderMailbox)
    return transport
