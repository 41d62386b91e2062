"""Encryption of secrets at rest: an AES-256-GCM keyring with key ids.

Webhook secrets and partner credentials must be stored, because the kernel has to use them
again, so they cannot be hashed; they are encrypted instead. A stored value is a text token::

    v1.<key id>.<urlsafe base64 of 12-byte nonce + ciphertext + 16-byte tag>

* The **key id** in the token is what makes rotation possible without downtime: a keyring
  holds several keys, encrypts with the *active* one and decrypts with whichever key the
  token names. Rotating is "add a new key, make it active, re-encrypt rows at leisure
  (:meth:`Keyring.needs_rotation`, :meth:`Keyring.reencrypt`), drop the old key later".
* The **associated data** binds a token to its organisation and its *purpose* (the column
  it lives in, e.g. ``"integration_webhooks.secret"``). GCM authenticates it, so a token
  copied into another tenant's row, or from one column into another, fails to decrypt
  instead of silently handing one tenant's secret to another.
* The **nonce** is 12 random bytes per encryption. Random nonces are safe for far more
  than the number of secrets a deployment will ever store under one key (the NIST bound
  is 2**32 encryptions per key).

Keys come from configuration (:meth:`Keyring.from_config`) or, in the embedded default
mode where there is no secret store, from a key file created on first start
(:meth:`Keyring.load_or_create`). Nothing in this module ever puts a key or a plaintext
into an exception message, a ``repr`` or a log line.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from monopilot_integrations.core.errors import ConfigError, IntegrationError

__all__ = ["KEY_BYTES", "DecryptionError", "Keyring", "generate_key"]

logger = logging.getLogger(__name__)

#: Length of an AES-256 key in bytes.
KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_FORMAT_VERSION = "v1"
#: Key ids travel inside every token, so they are short and need no escaping.
_KEY_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
_SPEC_HELP = "expected 'kid1:<base64 of 32 bytes>,kid2:<base64 of 32 bytes>'"


class DecryptionError(IntegrationError):
    """A stored token could not be decrypted.

    Raised for a malformed token, a key id the keyring does not hold, or a failed
    authentication tag (wrong organisation, wrong purpose, wrong key or altered data).
    The message names the key id and the reason, never the key or any plaintext.
    """


def generate_key() -> str:
    """Return a fresh random AES-256 key as standard base64, for a CLI to print.

    The result is what :meth:`Keyring.from_config` expects after ``<key id>:``.
    """
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


class Keyring:
    """A set of AES-256-GCM keys by id, one of them active for new encryptions.

    Build one with ``Keyring({"k1": key_bytes}, active="k1")`` or, from configuration,
    with :meth:`from_config` / :meth:`load_or_create`. Instances are immutable and safe
    to share between threads and tasks.
    """

    __slots__ = ("_active", "_ciphers")

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        """Validate ``keys`` (``{key id: 32-byte key}``) and the ``active`` key id.

        Raises :class:`ValueError` with a message naming the offending key id (never
        the key) when a key id is malformed, a key is not 32 bytes, or ``active`` is
        not one of the ids.
        """
        if not keys:
            raise ValueError("a keyring needs at least one key")
        ciphers: dict[str, AESGCM] = {}
        for kid, key in keys.items():
            _check_key_id(kid)
            if not isinstance(key, bytes | bytearray):
                raise ValueError(f"key {kid!r} must be bytes, not {type(key).__name__}")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {kid!r} is {len(key)} bytes long; AES-256 needs {KEY_BYTES}")
            ciphers[kid] = AESGCM(bytes(key))
        if active not in ciphers:
            raise ValueError(
                f"active key id {active!r} is not in the keyring (known: {_ids(ciphers)})"
            )
        # Only the AESGCM objects are kept: they hold the key inside OpenSSL and their
        # repr shows no key material, so neither vars() nor a debugger dumps raw keys.
        self._ciphers = ciphers
        self._active = active

    # -- introspection ---------------------------------------------------------------

    @property
    def active_key_id(self) -> str:
        """The key id new encryptions use."""
        return self._active

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id this keyring can decrypt, in the order given."""
        return tuple(self._ciphers)

    def __repr__(self) -> str:
        return f"Keyring(active={self._active!r}, key_ids={list(self._ciphers)!r})"

    # -- encryption ------------------------------------------------------------------

    def encrypt(self, plaintext: str, *, org_id: uuid.UUID | str, purpose: str) -> str:
        """Encrypt ``plaintext`` with the active key; return a ``v1.<kid>.<data>`` token.

        ``org_id`` and ``purpose`` are authenticated, not stored: :meth:`decrypt` must be
        given the same values, which is what stops a token from being replayed in another
        organisation's row or another column.
        """
        if not isinstance(plaintext, str):
            raise TypeError(f"plaintext must be str, not {type(plaintext).__name__}")
        kid = self._active
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[kid].encrypt(
            nonce, plaintext.encode("utf-8"), _associated_data(kid, org_id, purpose)
        )
        data = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{_FORMAT_VERSION}.{kid}.{data}"

    def decrypt(self, token: str, *, org_id: uuid.UUID | str, purpose: str) -> str:
        """Decrypt a token made by :meth:`encrypt` for the same organisation and purpose.

        Raises :class:`DecryptionError` for a malformed token, an unknown key id, or a
        failed authentication (wrong org, wrong purpose, altered token, wrong key).
        """
        kid, raw = _parse_token(token)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise DecryptionError(
                f"cannot decrypt {purpose!r}: the token was encrypted under key id {kid!r}, "
                f"which this keyring does not hold (known: {_ids(self._ciphers)}); "
                "add that key back to the keyring to read it"
            )
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, _associated_data(kid, org_id, purpose))
        except InvalidTag:
            raise DecryptionError(
                f"cannot decrypt {purpose!r} with key id {kid!r}: authentication failed "
                "(the token belongs to another organisation or purpose, or was altered)"
            ) from None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:  # authenticated, so only a foreign writer could do this
            raise DecryptionError(
                f"cannot decrypt {purpose!r}: the plaintext is not UTF-8 text"
            ) from None

    # -- rotation --------------------------------------------------------------------

    def key_id_of(self, token: str) -> str:
        """The key id a token was encrypted under (raises :class:`DecryptionError` if the
        token is malformed)."""
        return _parse_token(token)[0]

    def needs_rotation(self, token: str) -> bool:
        """True when ``token`` is not encrypted under the active key.

        A malformed token raises :class:`DecryptionError` rather than answering, so a
        rotation job surfaces corrupt rows instead of skipping them.
        """
        return self.key_id_of(token) != self._active

    def reencrypt(self, token: str, *, org_id: uuid.UUID | str, purpose: str) -> str:
        """Decrypt ``token`` with its own key and encrypt it again with the active key.

        The token is always authenticated first; one already under the active key is
        returned unchanged, so a rotation job can run repeatedly and write only the rows
        whose value actually changed.
        """
        plaintext = self.decrypt(token, org_id=org_id, purpose=purpose)
        if self.key_id_of(token) == self._active:
            return token
        return self.encrypt(plaintext, org_id=org_id, purpose=purpose)

    # -- construction from configuration --------------------------------------------

    @classmethod
    def from_settings(cls, settings: Any) -> Keyring:
        """The keyring the settings name: ``MONOPILOT_SECRET_KEYS`` when set, otherwise
        the key file in the data folder (created on first use). The kernel and the data
        migrations that encrypt existing values both build it this way, so ``migrate`` run
        with the server's settings encrypts with the server's keys."""
        if settings.secret_keys:
            return cls.from_config(settings.secret_keys, settings.active_secret_key)
        return cls.load_or_create(Path(settings.data_dir) / "secret-keys.json")

    @classmethod
    def from_config(cls, spec: str, active: str | None = None) -> Keyring:
        """Build a keyring from ``"kid1:<base64>,kid2:<base64>"``.

        Keys are 32 bytes in standard or URL-safe base64 (padding optional); whitespace
        around entries is ignored. ``active`` defaults to the last key listed, so adding
        a key at the end of the setting is all a rotation takes. Raises
        :class:`~monopilot_integrations.core.errors.ConfigError` naming the bad entry.
        """
        if not isinstance(spec, str) or not spec.strip():
            raise ConfigError(f"the encryption key setting is empty; {_SPEC_HELP}")
        keys: dict[str, bytes] = {}
        for number, entry in enumerate(spec.split(","), start=1):
            entry = entry.strip()
            if not entry:
                raise ConfigError(f"encryption key entry {number} is empty; {_SPEC_HELP}")
            kid, sep, encoded = entry.partition(":")
            kid = kid.strip()
            if not sep:
                raise ConfigError(
                    f"encryption key entry {number} has no ':' after the key id; {_SPEC_HELP}"
                )
            try:
                _check_key_id(kid)
            except ValueError as exc:
                raise ConfigError(f"encryption key entry {number}: {exc}") from None
            if kid in keys:
                raise ConfigError(f"encryption key id {kid!r} is listed twice")
            keys[kid] = _decode_key(kid, encoded.strip())
        if active is None:
            active = next(reversed(keys))
        elif active not in keys:
            raise ConfigError(
                f"the active encryption key id {active!r} is not among the configured keys "
                f"(known: {_ids(keys)})"
            )
        try:
            return cls(keys, active)
        except ValueError as exc:  # pragma: no cover - everything was validated above
            raise ConfigError(str(exc)) from None

    @classmethod
    def load_or_create(cls, path: Path) -> Keyring:
        """Read the key file at ``path``, creating it with one fresh key if it is missing.

        This is the embedded default mode, for deployments without a secret store: the
        file is JSON ``{"active": kid, "keys": {kid: base64}}``, created with mode 0600
        (parent directories 0700) and a key id ``k<yyyymmdd>``. Creation is atomic and
        never overwrites an existing file, so two processes starting together end up
        sharing one key. Losing this file means losing every secret encrypted with it:
        back it up with the database.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls._create_key_file(path)
        except OSError as exc:
            raise ConfigError(f"cannot read the encryption key file {path}: {exc}") from None
        _warn_if_exposed(path)
        return cls._from_key_file(text, path)

    @classmethod
    def _from_key_file(cls, text: str, path: Path) -> Keyring:
        try:
            document = json.loads(text)
        except ValueError:
            raise ConfigError(f"the encryption key file {path} is not valid JSON") from None
        if not isinstance(document, dict):
            raise ConfigError(
                f'the encryption key file {path} must hold {{"active": ..., "keys": {{...}}}}'
            )
        active, keys = document.get("active"), document.get("keys")
        if not isinstance(keys, dict) or not keys:
            raise ConfigError(
                f"the encryption key file {path} needs a non-empty 'keys' object "
                "mapping key ids to base64 keys"
            )
        if not isinstance(active, str):
            raise ConfigError(f"the encryption key file {path} needs an 'active' key id (a string)")
        decoded: dict[str, bytes] = {}
        for kid, encoded in keys.items():
            try:
                _check_key_id(kid)
            except ValueError as exc:
                raise ConfigError(f"the encryption key file {path}: {exc}") from None
            if not isinstance(encoded, str):
                raise ConfigError(
                    f"the encryption key file {path}: key {kid!r} must be a base64 string"
                )
            decoded[kid] = _decode_key(kid, encoded)
        if active not in decoded:
            raise ConfigError(
                f"the encryption key file {path}: active key id {active!r} is not among "
                f"its keys (known: {_ids(decoded)})"
            )
        return cls(decoded, active)

    @classmethod
    def _create_key_file(cls, path: Path) -> Keyring:
        kid = "k" + datetime.now(UTC).strftime("%Y%m%d")
        content = json.dumps({"active": kid, "keys": {kid: generate_key()}}, indent=2) + "\n"
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_new_file(path, content)
        except OSError as exc:
            raise ConfigError(f"cannot create the encryption key file {path}: {exc}") from None
        # Read back what is on disk: if another process won the race, that is its key.
        keyring = cls._from_key_file(path.read_text(encoding="utf-8"), path)
        logger.info(
            "encryption key file %s created (active key id %s); back it up with the database",
            path,
            keyring.active_key_id,
        )
        return keyring


# -- helpers -------------------------------------------------------------------------


def _check_key_id(kid: object) -> None:
    if not isinstance(kid, str) or not _KEY_ID_RE.fullmatch(kid):
        raise ValueError(
            f"key id {kid!r} is invalid: use 1 to 32 characters from A-Z, a-z, 0-9, '_' and '-'"
        )


def _ids(keys: Mapping[str, object]) -> str:
    return ", ".join(keys) or "none"


def _decode_key(kid: str, encoded: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not, into exactly 32 bytes."""
    normalised = encoded.strip().replace("-", "+").replace("_", "/").rstrip("=")
    try:
        key = base64.b64decode(normalised + "=" * (-len(normalised) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"encryption key {kid!r} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"encryption key {kid!r} decodes to {len(key)} bytes; AES-256 needs "
            f"{KEY_BYTES} (generate one with a fresh random 32-byte value)"
        )
    return key


def _normalise_org(org_id: uuid.UUID | str) -> str:
    """Canonical text of an org id, so ``UUID(x)`` and ``"X"`` (any case) bind alike."""
    if isinstance(org_id, uuid.UUID):
        return str(org_id)
    if not isinstance(org_id, str) or not org_id:
        raise ValueError("org_id must be a UUID or a non-empty string")
    try:
        return str(uuid.UUID(org_id))
    except ValueError:
        return org_id


def _associated_data(kid: str, org_id: uuid.UUID | str, purpose: str) -> bytes:
    """The authenticated context of a token.

    A JSON array is an unambiguous encoding (no org/purpose pair can collide with
    another by moving a separator), and the key id is included so the token header
    cannot be edited to point at another key.
    """
    if not isinstance(purpose, str) or not purpose:
        raise ValueError("purpose must be a non-empty string, e.g. 'integration_webhooks.secret'")
    org = _normalise_org(org_id)
    fields = ["monopilot-integrations/secret", _FORMAT_VERSION, kid, org, purpose]
    return json.dumps(fields, separators=(",", ":")).encode("utf-8")


def _parse_token(token: str) -> tuple[str, bytes]:
    """Split a token into its key id and the nonce + ciphertext bytes."""
    if not isinstance(token, str):
        raise DecryptionError(f"malformed token: expected str, got {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise DecryptionError("malformed token: expected 'v1.<key id>.<data>'")
    version, kid, data = parts
    if version != _FORMAT_VERSION:
        raise DecryptionError(
            f"malformed token: unsupported version {version[:8]!r} (expected 'v1')"
        )
    if not _KEY_ID_RE.fullmatch(kid):
        raise DecryptionError("malformed token: the key id is invalid")
    if not _B64URL_RE.fullmatch(data) or len(data) % 4 == 1:
        raise DecryptionError("malformed token: the data is not URL-safe base64")
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("malformed token: the data is too short")
    return kid, raw


def _write_new_file(path: Path, content: str) -> None:
    """Create ``path`` with mode 0600 holding ``content``, atomically and without ever
    replacing an existing file.

    The content is written to a private temporary file which is then hard-linked into
    place: readers never see a half-written file, and ``link`` fails if ``path`` already
    exists (another process won the race; its file is kept). On filesystems without hard
    links the file is created in place with ``O_EXCL``.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        _write_exclusive(tmp, content)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
        except OSError:
            try:
                _write_exclusive(path, content)
            except FileExistsError:
                return
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _write_exclusive(path: Path, content: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # exact mode whatever the umask
        data = memoryview(content.encode("utf-8"))
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Make the new directory entry durable (best effort; not possible on Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _warn_if_exposed(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return
    if mode & 0o077:
        logger.warning(
            "encryption key file %s is accessible by other users (mode %o); run chmod 600 on it",
            path,
            mode,
        )
