"""The AES-256-GCM keyring: round trips, tamper and context binding, rotation, key files."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monopilot_integrations.core.crypto import (
    KEY_BYTES,
    DecryptionError,
    Keyring,
    generate_key,
)
from monopilot_integrations.core.errors import ConfigError, IntegrationError

ORG = uuid.UUID("11111111-2222-3333-4444-555555555555")
OTHER_ORG = uuid.UUID("99999999-2222-3333-4444-555555555555")
PURPOSE = "integration_webhooks.secret"
KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def ring() -> Keyring:
    return Keyring({"a": KEY_A}, active="a")


# -- round trip and token format -------------------------------------------------------


def test_round_trip_and_token_format(ring: Keyring) -> None:
    token = ring.encrypt("whsec_hunter2", org_id=ORG, purpose=PURPOSE)
    version, kid, data = token.split(".")
    assert (version, kid) == ("v1", "a")
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    assert len(raw) == 12 + len("whsec_hunter2") + 16  # nonce + ciphertext + tag
    assert "hunter2" not in token
    assert ring.decrypt(token, org_id=ORG, purpose=PURPOSE) == "whsec_hunter2"


def test_each_encryption_uses_a_fresh_nonce(ring: Keyring) -> None:
    tokens = {ring.encrypt("same", org_id=ORG, purpose=PURPOSE) for _ in range(20)}
    assert len(tokens) == 20


def test_org_id_as_uuid_or_string_is_the_same_org(ring: Keyring) -> None:
    token = ring.encrypt("s", org_id=ORG, purpose=PURPOSE)
    assert ring.decrypt(token, org_id=str(ORG).upper(), purpose=PURPOSE) == "s"
    token = ring.encrypt("s", org_id=str(ORG), purpose=PURPOSE)
    assert ring.decrypt(token, org_id=ORG, purpose=PURPOSE) == "s"


@settings(max_examples=50, deadline=None)
@given(plaintext=st.text(max_size=300), org=st.uuids(), purpose=st.text(min_size=1, max_size=40))
def test_round_trip_property(plaintext: str, org: uuid.UUID, purpose: str) -> None:
    ring = Keyring({"a": KEY_A}, active="a")
    token = ring.encrypt(plaintext, org_id=org, purpose=purpose)
    assert token.isascii()
    assert ring.decrypt(token, org_id=org, purpose=purpose) == plaintext


# -- tampering and context binding -----------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_any_flipped_byte_is_detected(data: st.DataObject) -> None:
    ring = Keyring({"a": KEY_A}, active="a")
    token = ring.encrypt("secret value", org_id=ORG, purpose=PURPOSE)
    prefix, payload = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    index = data.draw(st.integers(0, len(raw) - 1))
    bit = data.draw(st.integers(0, 7))
    raw[index] ^= 1 << bit
    tampered = prefix + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(DecryptionError, match="authentication failed"):
        ring.decrypt(tampered, org_id=ORG, purpose=PURPOSE)


def test_wrong_org_fails(ring: Keyring) -> None:
    token = ring.encrypt("s3cret", org_id=ORG, purpose=PURPOSE)
    with pytest.raises(DecryptionError, match="another organisation or purpose") as caught:
        ring.decrypt(token, org_id=OTHER_ORG, purpose=PURPOSE)
    assert "s3cret" not in str(caught.value)


def test_wrong_purpose_fails(ring: Keyring) -> None:
    token = ring.encrypt("s3cret", org_id=ORG, purpose=PURPOSE)
    with pytest.raises(DecryptionError, match="authentication failed"):
        ring.decrypt(token, org_id=ORG, purpose="connector_settings.api_secret")


def test_editing_the_key_id_in_the_token_fails() -> None:
    # Both keys equal: only the associated data (which includes the key id) differs.
    ring = Keyring({"a": KEY_A, "b": KEY_A}, active="a")
    token = ring.encrypt("s", org_id=ORG, purpose=PURPOSE)
    with pytest.raises(DecryptionError, match="authentication failed"):
        ring.decrypt(token.replace("v1.a.", "v1.b.", 1), org_id=ORG, purpose=PURPOSE)


def test_wrong_key_fails() -> None:
    token = Keyring({"a": KEY_A}, active="a").encrypt("s", org_id=ORG, purpose=PURPOSE)
    with pytest.raises(DecryptionError, match="authentication failed"):
        Keyring({"a": KEY_B}, active="a").decrypt(token, org_id=ORG, purpose=PURPOSE)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "expected 'v1.<key id>.<data>'"),
        ("v1.a", "expected 'v1.<key id>.<data>'"),
        ("v1.a.b.c", "expected 'v1.<key id>.<data>'"),
        ("v2.a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "unsupported version"),
        ("v1.bad key.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "key id is invalid"),
        ("v1.a.not base64!", "not URL-safe base64"),
        ("v1.a.AAAAA", "not URL-safe base64"),
        ("v1.a.AAAA", "too short"),
    ],
)
def test_malformed_tokens(ring: Keyring, token: str, reason: str) -> None:
    with pytest.raises(DecryptionError, match=reason) as caught:
        ring.decrypt(token, org_id=ORG, purpose=PURPOSE)
    assert isinstance(caught.value, IntegrationError)
    assert caught.value.__cause__ is None


def test_non_string_token_is_a_decryption_error(ring: Keyring) -> None:
    with pytest.raises(DecryptionError, match="expected str"):
        ring.decrypt(b"v1.a.xx", org_id=ORG, purpose=PURPOSE)  # type: ignore[arg-type]


def test_unknown_key_id(ring: Keyring) -> None:
    token = Keyring({"old": KEY_B}, active="old").encrypt("s", org_id=ORG, purpose=PURPOSE)
    with pytest.raises(DecryptionError, match=r"key id 'old'.*known: a"):
        ring.decrypt(token, org_id=ORG, purpose=PURPOSE)


def test_bad_context_arguments_are_caller_errors(ring: Keyring) -> None:
    with pytest.raises(ValueError, match="purpose"):
        ring.encrypt("s", org_id=ORG, purpose="")
    with pytest.raises(ValueError, match="org_id"):
        ring.encrypt("s", org_id="", purpose=PURPOSE)
    with pytest.raises(TypeError, match="plaintext"):
        ring.encrypt(b"s", org_id=ORG, purpose=PURPOSE)  # type: ignore[arg-type]


# -- rotation ----------------------------------------------------------------------------


def test_rotation() -> None:
    old = Keyring({"k1": KEY_A}, active="k1")
    old_token = old.encrypt("partner-password", org_id=ORG, purpose=PURPOSE)

    rotated = Keyring({"k1": KEY_A, "k2": KEY_B}, active="k2")
    # The old key still decrypts what it encrypted ...
    assert rotated.decrypt(old_token, org_id=ORG, purpose=PURPOSE) == "partner-password"
    assert rotated.needs_rotation(old_token)
    # ... new encryptions use the new key ...
    new_token = rotated.encrypt("x", org_id=ORG, purpose=PURPOSE)
    assert rotated.key_id_of(new_token) == "k2"
    assert not rotated.needs_rotation(new_token)
    # ... and reencrypt moves old tokens to it.
    moved = rotated.reencrypt(old_token, org_id=ORG, purpose=PURPOSE)
    assert moved.startswith("v1.k2.")
    assert not rotated.needs_rotation(moved)
    assert rotated.decrypt(moved, org_id=ORG, purpose=PURPOSE) == "partner-password"
    # Once every row is moved the old key can go.
    only_new = Keyring({"k2": KEY_B}, active="k2")
    assert only_new.decrypt(moved, org_id=ORG, purpose=PURPOSE) == "partner-password"
    with pytest.raises(DecryptionError, match="'k1'"):
        only_new.decrypt(old_token, org_id=ORG, purpose=PURPOSE)


def test_reencrypt_keeps_tokens_already_under_the_active_key(ring: Keyring) -> None:
    token = ring.encrypt("s", org_id=ORG, purpose=PURPOSE)
    assert ring.reencrypt(token, org_id=ORG, purpose=PURPOSE) == token


def test_reencrypt_still_authenticates(ring: Keyring) -> None:
    token = ring.encrypt("s", org_id=ORG, purpose=PURPOSE)
    with pytest.raises(DecryptionError):
        ring.reencrypt(token, org_id=OTHER_ORG, purpose=PURPOSE)


def test_needs_rotation_rejects_malformed_tokens(ring: Keyring) -> None:
    with pytest.raises(DecryptionError, match="malformed"):
        ring.needs_rotation("garbage")


# -- construction and validation --------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "active", "message"),
    [
        ({}, "a", "at least one key"),
        ({"a": b"short"}, "a", "5 bytes long"),
        ({"a b": KEY_A}, "a b", "key id 'a b' is invalid"),
        ({"x" * 33: KEY_A}, "x" * 33, "is invalid"),
        ({"a": KEY_A}, "b", "active key id 'b' is not in the keyring"),
        ({"a": "not bytes"}, "a", "must be bytes"),
    ],
)
def test_constructor_validation(keys: dict[str, bytes], active: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Keyring(keys, active)


def test_from_config() -> None:
    spec = f" k1:{b64(KEY_A)} , k2:{base64.urlsafe_b64encode(KEY_B).decode().rstrip('=')}\n"
    ring = Keyring.from_config(spec, None)
    assert ring.key_ids == ("k1", "k2")
    assert ring.active_key_id == "k2"  # the last listed
    assert Keyring.from_config(spec, "k1").active_key_id == "k1"
    token = Keyring({"k2": KEY_B}, active="k2").encrypt("s", org_id=ORG, purpose=PURPOSE)
    assert ring.decrypt(token, org_id=ORG, purpose=PURPOSE) == "s"


@pytest.mark.parametrize(
    ("spec", "active", "message"),
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        (f"a:{b64(KEY_A)},", None, "entry 2 is empty"),
        (b64(KEY_A), None, "entry 1 has no ':'"),
        (f"bad id:{b64(KEY_A)}", None, "entry 1: key id 'bad id' is invalid"),
        (f"a:{b64(KEY_A)},a:{b64(KEY_B)}", None, "'a' is listed twice"),
        ("a:***notbase64***", None, "'a' is not valid base64"),
        (f"a:{b64(KEY_A[:16])}", None, "decodes to 16 bytes"),
        (f"a:{b64(KEY_A)}", "b", "'b' is not among the configured keys"),
    ],
)
def test_from_config_errors(spec: str, active: str | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        Keyring.from_config(spec, active)
    assert b64(KEY_A) not in str(caught.value)


def test_generate_key() -> None:
    key = generate_key()
    assert len(base64.b64decode(key, validate=True)) == KEY_BYTES
    assert generate_key() != key
    assert Keyring.from_config(f"k:{key}").key_ids == ("k",)


def test_repr_hides_key_material() -> None:
    ring = Keyring({"k1": KEY_A, "k2": KEY_B}, active="k2")
    text = repr(ring) + str(ring)
    assert text == "Keyring(active='k2', key_ids=['k1', 'k2'])" * 2
    for key in (KEY_A, KEY_B):
        for form in (repr(key), key.hex(), b64(key), base64.urlsafe_b64encode(key).decode()):
            assert form not in text
    assert not hasattr(ring, "__dict__")  # nothing for vars() to dump either


# -- key files ---------------------------------------------------------------------------


def test_load_or_create_creates_a_private_file_and_reloads_it(tmp_path: Path) -> None:
    path = tmp_path / "state" / "keys" / "encryption.json"
    ring = Keyring.load_or_create(path)
    assert path.is_file()
    assert ring.active_key_id.startswith("k") and len(ring.active_key_id) == 9  # k<yyyymmdd>
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    document = json.loads(path.read_text())
    assert document["active"] == ring.active_key_id
    assert len(base64.b64decode(document["keys"][ring.active_key_id])) == KEY_BYTES
    assert [p.name for p in path.parent.iterdir()] == ["encryption.json"]  # no temp left

    token = ring.encrypt("kept", org_id=ORG, purpose=PURPOSE)
    reloaded = Keyring.load_or_create(path)
    assert reloaded.active_key_id == ring.active_key_id
    assert reloaded.decrypt(token, org_id=ORG, purpose=PURPOSE) == "kept"
    assert path.read_text() == json.dumps(document, indent=2) + "\n"  # not rewritten


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_load_or_create_is_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        Keyring.load_or_create(tmp_path / "keys.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600


def test_load_or_create_reads_an_existing_multi_key_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"active": "k2", "keys": {"k1": b64(KEY_A), "k2": b64(KEY_B)}}))
    path.chmod(0o600)
    ring = Keyring.load_or_create(path)
    assert (ring.active_key_id, ring.key_ids) == ("k2", ("k1", "k2"))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_load_or_create_warns_about_a_readable_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"active": "k1", "keys": {"k1": b64(KEY_A)}}))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="monopilot_integrations.core.crypto"):
        Keyring.load_or_create(path)
    assert "chmod 600" in caplog.text
    assert b64(KEY_A) not in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "must hold"),
        ('{"active": "k1"}', "non-empty 'keys'"),
        ('{"active": "k1", "keys": {}}', "non-empty 'keys'"),
        ('{"keys": {"k1": "AAAA"}}', "needs an 'active' key id"),
        ('{"active": "k1", "keys": {"k1": 5}}', "must be a base64 string"),
        ('{"active": "k1", "keys": {"k1": "AAAA"}}', "decodes to 3 bytes"),
        ('{"active": "k1", "keys": {"bad id": "AAAA"}}', "is invalid"),
        (json.dumps({"active": "k9", "keys": {"k1": b64(KEY_A)}}), "'k9' is not among"),
    ],
)
def test_load_or_create_rejects_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        Keyring.load_or_create(path)


def test_load_or_create_keeps_a_file_created_concurrently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two processes racing: the second one's create finds the first one's file and uses
    # it rather than replacing it (which would orphan everything encrypted meanwhile).
    from monopilot_integrations.core import crypto

    path = tmp_path / "keys.json"
    first = json.dumps({"active": "k1", "keys": {"k1": b64(KEY_A)}})
    real_write = crypto._write_exclusive

    def racing_write(target: Path, content: str) -> None:
        if not path.exists():
            path.write_text(first)  # the other process wins while we write our file
        real_write(target, content)

    monkeypatch.setattr(crypto, "_write_exclusive", racing_write)
    ring = crypto.Keyring.load_or_create(path)
    assert ring.active_key_id == "k1"
    assert path.read_text() == first
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]
