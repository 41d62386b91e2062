"""Masking of integration log data: keys, patterns in text, known secrets, odd input."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monopilot_integrations.core.logs.masking import (
    DEFAULT_MASK,
    MAX_DEPTH,
    Masker,
)
from monopilot_integrations.core.plugins.registration import LogMask

MASKER = Masker()
M = DEFAULT_MASK


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a masked structure, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def assert_hidden(secret: str, masked: Any) -> None:
    for text in strings_in(masked):
        assert secret not in text, (secret, masked)
    assert secret not in json.dumps(masked)
    assert secret not in json.dumps(masked, ensure_ascii=False)


def test_default_mask() -> None:
    assert DEFAULT_MASK == "***"


# -- (a) sensitive keys -------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "Password",
        "user_password",
        "passwd",
        "client_secret",
        "clientSecret",
        "webhook-secret",
        "access_token",
        "refreshToken",
        "X-Auth-Token",
        "api_key",
        "X-Api-Key",
        "API KEY",
        "apiKey",
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "Set-Cookie",
        "private_key",
        "Private Key",
        "X-MonoPilot-Signature",
        "credentials",
        "aws_credential_id",
    ],
)
def test_sensitive_keys(key: str) -> None:
    assert MASKER.is_sensitive_key(key)
    assert MASKER.mask({key: "hunter2", "other": 1}) == {key: M, "other": 1}


@pytest.mark.parametrize(
    "key",
    ["id", "name", "key", "idempotency_key", "pass", "author", "auth", "signed", "sku", ""],
)
def test_non_sensitive_keys(key: str) -> None:
    assert not MASKER.is_sensitive_key(key)
    assert MASKER.mask({key: "value"}) == {key: "value"}


@pytest.mark.parametrize(
    "value",
    [{"nested": {"deep": "x"}}, ["a", "b"], ("a",), 1234, 12.5, True, None, "", b"raw"],
)
def test_sensitive_key_masks_any_value_type(value: Any) -> None:
    assert MASKER.mask({"data": {"credentials": value}}) == {"data": {"credentials": M}}


def test_extra_keys_are_normalised_and_added_to_the_defaults() -> None:
    masker = Masker(extra_keys=["PIN-Code", "nip"])
    assert masker.mask({"pin_code": "1234", "NIP": "5", "password": "x", "name": "a"}) == {
        "pin_code": M,
        "NIP": M,
        "password": M,
        "name": "a",
    }
    assert masker.mask_text("pin code=1234 and nip=555") == "pin code=*** and nip=***"


def test_extra_key_that_normalises_to_nothing_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        Masker(extra_keys=["-_ "])


# -- (b) patterns in text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # MonoPilot API keys anywhere
        ("key mp_live_AbC123_xyz leaked", "key *** leaked"),
        ("mp_test_abc", "***"),
        ('{"k":"mp_live_x1"}', '{"k":"***"}'),
        # Bearer / Basic: keep the word, mask the token
        ("sent Bearer eyJhbGciOi.J9.sig-_~+/= to it", "sent Bearer *** to it"),
        ("Basic dXNlcjpwYXNz", "Basic ***"),
        ("BEARER abc", "BEARER ***"),
        # query strings
        ("GET /v1/orders?token=abc123&page=2", "GET /v1/orders?token=***&page=2"),
        (
            "https://x.test/cb?a=1&api_key=k-9&access_token=t",
            "https://x.test/cb?a=1&api_key=***&access_token=***",
        ),
        # error messages and free text
        ("login failed: password=hunter2 for user bob", "login failed: password=*** for user bob"),
        ("password: hunter2", "password: ***"),
        ("client_secret = 's3 cr3t', next", "client_secret = '***', next"),
        ("error in password: x", "error in password: ***"),
        ("token=a password=b", "token=*** password=***"),
        # JSON and Python reprs inside strings
        ('{"password": "hun\\"ter2", "user": "bob"}', '{"password": "***", "user": "bob"}'),
        ('{"token": 12345, "n": 1}', '{"token": ***, "n": 1}'),
        ("{'api_key': 'k'}", "{'api_key': '***'}"),
        ('{\\"secret\\": \\"abc\\"}', '{\\"secret\\": \\"***\\"}'),
        ('{"password": "unterminated', '{"password": "***'),
        ('"secret": ["a", "b"], "x": 1', '"secret": [***], "x": 1'),
        # header lines: the whole value
        (
            "Authorization: Bearer abc.def\r\nAccept: */*",
            "Authorization: Bearer ***\r\nAccept: */*",
        ),
        ("Cookie: a=1; session=2\nHost: x", "Cookie: ***\nHost: x"),
        ("Set-Cookie: s=1; Path=/", "Set-Cookie: ***"),
        # passwords in URLs
        ("postgresql://app:pa55@db:5432/mp", "postgresql://app:***@db:5432/mp"),
        ("redis://:pw@cache", "redis://:***@cache"),
        # XML
        (
            "<Login><Password>p@ss</Password><User>bob</User></Login>",
            "<Login><Password>***</Password><User>bob</User></Login>",
        ),
        ("<ns:ApiKey><![CDATA[k<1]]></ns:ApiKey>", "<ns:ApiKey>***</ns:ApiKey>"),
    ],
)
def test_patterns_in_text(text: str, expected: str) -> None:
    assert MASKER.mask_text(text) == expected
    assert MASKER.mask({"message": text}) == {"message": expected}
    assert MASKER.mask([text]) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-01-01T10:00:00+01:00",
        "Error: connection refused",
        "https://example.com/api/v1/orders?page=2&per_page=50",
        "ratio=0.5, status: ok",
        "basic information missing",
        "WO-2026-0001 completed by Jan Kowalski",
        "Zażółć gęślą jaźń: 12",
        "key=value",
        "a:b:c:d",
        "<User>bob</User>",
        "mp_other_value",
        "tokens are counted later",
    ],
)
def test_harmless_text_is_unchanged(text: str) -> None:
    assert MASKER.mask_text(text) == text


def test_extra_patterns() -> None:
    masker = Masker(
        extra_patterns=[r"PL\d{26}", re.compile(r"pin (?P<secret>\d{4})"), r"(?i)optima-[a-z]+"]
    )
    text = "iban PL61109010140000071219812874, pin 1234, key OPTIMA-abc"
    assert masker.mask_text(text) == "iban ***, pin ***, key ***"
    assert masker.mask({"note": text}) == {"note": "iban ***, pin ***, key ***"}


@pytest.mark.parametrize(("pattern", "message"), [("(", "not a valid regex"), ("x*", "empty")])
def test_bad_extra_patterns_are_rejected(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Masker(extra_patterns=[pattern])


def test_from_log_masks() -> None:
    masker = Masker.from_log_masks(
        [LogMask(keys=("nip",)), LogMask(value_patterns=(r"OPT-\d+",)), LogMask()]
    )
    assert masker.mask({"nip": "1", "note": "ref OPT-42"}) == {"nip": M, "note": "ref ***"}
    assert "OPT" not in repr(masker)


# -- (c) known secrets ------------------------------------------------------------------------


def test_known_secrets_everywhere() -> None:
    secret = "whsec_4f9a"
    data = {
        "note": f"signed with {secret} today",
        "items": ["x", secret, (f"pre{secret}post",)],
        "nested": {"deep": {"url": f"https://x.test/?s={secret}"}},
        secret: "a key",
    }
    masked = MASKER.mask(data, secrets=[secret])
    assert_hidden(secret, masked)
    assert masked["note"] == "signed with *** today"
    assert masked["items"] == ["x", M, ("pre***post",)]
    assert "a key" in masked.values()


def test_known_secrets_in_their_encoded_forms() -> None:
    secret = 'pa"ss wörd&1'
    body = json.dumps({"pwd": secret}) + " " + json.dumps({"pwd": secret}, ensure_ascii=False)
    query = "pwd=pa%22ss%20w%C3%B6rd%261 or pwd=pa%22ss+w%C3%B6rd%261"
    masked = MASKER.mask_text(body + " " + query, secrets=[secret])
    assert masked == '{"pwd": "***"} {"pwd": "***"} pwd=*** or pwd=***'


def test_short_and_odd_secrets_are_ignored() -> None:
    assert MASKER.mask_text("abc 123", secrets=["abc", "", None, 42]) == "abc 123"  # type: ignore[list-item]
    # A single string is one secret, not a list of characters.
    assert MASKER.mask_text("a secret1 b", secrets="secret1") == "a *** b"


def test_longer_secret_wins_over_one_it_contains() -> None:
    assert MASKER.mask_text("x abcdefgh y", secrets=["abcd", "abcdefgh"]) == "x *** y"


def test_mask_headers() -> None:
    headers = {
        "Authorization": "Bearer abc.def",
        "Proxy-Authorization": "Basic dXNlcjpw",
        "X-Api-Key": "mp_live_1",
        "Cookie": "a=1; b=2",
        "Content-Type": "application/json",
        "Location": "https://u:pw@x.test/",
        "X-Note": "known-secret-1",
    }
    assert MASKER.mask_headers(headers, secrets=["known-secret-1"]) == {
        "Authorization": "Bearer ***",
        "Proxy-Authorization": "Basic ***",
        "X-Api-Key": M,
        "Cookie": M,
        "Content-Type": "application/json",
        "Location": "https://u:***@x.test/",
        "X-Note": M,
    }


# -- structure, copies and odd input ----------------------------------------------------------


def test_mask_returns_a_deep_copy() -> None:
    original = {"a": [{"b": "c"}], "password": "x", "t": ("u", ["v"])}
    snapshot = json.loads(json.dumps(original))
    masked = MASKER.mask(original)
    assert masked == {"a": [{"b": "c"}], "password": M, "t": ("u", ["v"])}
    masked["a"][0]["b"] = "changed"
    masked["t"][1].append("w")
    assert original["a"] == snapshot["a"] and original["t"] == ("u", ["v"])
    assert masked["a"] is not original["a"]


def test_types_are_kept_or_converted() -> None:
    class Thing:
        def __str__(self) -> str:
            return "thing password=hunter2"

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no")

    data = OrderedDict(
        [
            ("t", (1, 2.5, True, None)),
            ("b", b"Bearer abc"),
            ("o", Thing()),
            ("x", Broken()),
            ("s", {1, 2}),
            (7, "int key"),
            (None, "none key"),
            ((1, 2), "tuple key"),
        ]
    )
    masked = MASKER.mask(data)
    assert type(masked) is dict
    assert masked["t"] == (1, 2.5, True, None)
    assert masked["b"] == "Bearer ***"
    assert masked["o"] == "thing password=***"
    assert masked["x"] == "<unprintable Broken>"
    assert masked["s"] == "{1, 2}"
    assert masked[7] == "int key" and masked[None] == "none key"
    assert masked["(1, 2)"] == "tuple key"
    json.dumps(masked)


def test_depth_limit() -> None:
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 10):
        deep = [deep]
    masked = MASKER.mask(deep)
    depth = 0
    while isinstance(masked, list):
        masked, depth = masked[0], depth + 1
    assert masked == M
    assert depth == MAX_DEPTH + 1
    shallow: Any = "leaf"
    for _ in range(MAX_DEPTH):
        shallow = {"k": shallow}
    assert MASKER.mask(shallow) == shallow


def test_cycles_do_not_raise_or_explode() -> None:
    looped: dict[str, Any] = {"name": "x"}
    looped["self"] = looped
    looped["again"] = looped
    items: list[Any] = ["a"]
    items.append(items)
    masked = MASKER.mask({"d": looped, "l": items})
    assert masked == {"d": {"name": "x", "self": M, "again": M}, "l": ["a", M]}
    json.dumps(masked)


def test_shared_references_that_are_not_cycles_are_copied_twice() -> None:
    shared = {"v": 1}
    assert MASKER.mask([shared, shared]) == [{"v": 1}, {"v": 1}]


def test_never_raises_on_hostile_input() -> None:
    class BadMapping(Mapping[str, str]):
        def __getitem__(self, key: str) -> str:
            raise KeyError(key)

        def __iter__(self) -> Iterator[str]:
            raise RuntimeError("broken")

        def __len__(self) -> int:
            return 1

    def bad_secrets() -> Iterator[str]:
        yield "valid-secret"
        raise RuntimeError("broken iterable")

    assert MASKER.mask({"ok": 1, "bad": BadMapping()}) == {"ok": 1, "bad": M}
    assert MASKER.mask(BadMapping()) == M
    assert MASKER.mask_headers(BadMapping()) == {}
    assert MASKER.mask_text("a valid-secret", secrets=bad_secrets()) == "a ***"
    assert MASKER.mask_text(b"password=x") == "password=***"  # type: ignore[arg-type]
    assert MASKER.mask_text("\x00\udcff password=x") == "\x00\udcff password=***"


def test_long_hostile_text_is_masked() -> None:
    # Shapes that make naive patterns backtrack; the scan stays linear (no timing here,
    # bench/ measures speed; this must simply finish and be right).
    for text in (
        "a:" * 50_000,
        "A" * 200_000,
        "token=" * 20_000,
        "x://" * 20_000,
        "basic " * 20_000,
    ):
        MASKER.mask_text(text)
    assert MASKER.mask_text("A" * 100_000 + " password=x") == "A" * 100_000 + " password=***"


# -- properties ------------------------------------------------------------------------------

# Filler never contains "Q" (so it cannot contain a secret, which always does) nor any
# character a text pattern needs, so it must come back unchanged.
SAFE_TEXT = st.text(
    st.characters(
        exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters=':=<_*Q\\"'
    ),
    max_size=12,
)
SAFE_KEYS = SAFE_TEXT.filter(lambda key: not MASKER.is_sensitive_key(key))
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | SAFE_TEXT
JSON_LIKE = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(SAFE_KEYS, children, max_size=4)
    ),
    max_leaves=25,
)
SENSITIVE_KEYS = st.sampled_from(
    ["password", "client_secret", "X-Api-Key", "access_token", "Authorization", "signature"]
)


@settings(max_examples=200, deadline=None)
@given(data=JSON_LIKE)
def test_non_sensitive_data_is_left_unchanged(data: Any) -> None:
    assert MASKER.mask(data) == data
    assert MASKER.mask(data, secrets=["Qsecret"]) == data


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "order",
                "qty: 12",
                "2026-01-01T10:00:00Z",
                "id=5",
                "status: ok",
                "https://example.com/a?b=1&c=2",
                "Error: timeout",
                "<Qty>3</Qty>",
                "basic info",
                "name = Jan",
            ]
        ),
        max_size=8,
    ),
    separator=st.sampled_from([" ", ", ", "\n", "&"]),
)
def test_harmless_free_text_is_left_unchanged(words: list[str], separator: str) -> None:
    text = separator.join(words)
    assert MASKER.mask_text(text) == text


@st.composite
def nested(draw: st.DrawFn, leaf: Any) -> Any:
    """``leaf`` nested at a random depth in random filler, maybe under sensitive keys."""
    value = leaf
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["list", "tuple", "dict", "sensitive"]))
        if kind == "list":
            value = [draw(JSON_LIKE), value, draw(JSON_LIKE)]
        elif kind == "tuple":
            value = (value, draw(JSON_LIKE))
        elif kind == "dict":
            value = {draw(SAFE_KEYS): value, "q": draw(JSON_LIKE)}
        else:
            value = {draw(SENSITIVE_KEYS): value, "q": draw(JSON_LIKE)}
    return {"filler": draw(JSON_LIKE), "payload": value}


def secret_text(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, b: a + "Q" + b, st.text(alphabet, max_size=10), st.text(alphabet, max_size=10)
    ).filter(lambda s: len(s) >= 4)


ANY_SECRET = secret_text(st.characters(exclude_categories=["Cs"], exclude_characters="*"))
TOKEN_SECRET = secret_text(st.sampled_from("abcXYZ0189.-~")).filter(lambda s: len(s) >= 6)

KNOWN_SECRET_FORMS = [
    "{s}",
    "prefix {s} suffix",
    "xx{s}yy",
    "https://api.example.com/v1/orders?token={s}&x=1",
    "https://api.example.com/v1/orders?ref={s}&x=1",
    "error: password={s}",
    '{"nested_json": "{s}"}',
]
PATTERN_FORMS = [
    "https://api.example.com/v1/orders?token={s}&x=1",
    "/cb?x=1&api_key={s}",
    "login failed: password={s} (user bob)",
    '{"client_secret": "{s}", "id": 1}',
    "{'access_token': '{s}'}",
    "Authorization: Bearer {s}\r\nAccept: */*",
    "got Bearer {s} from the partner",
    "https://user:{s}@partner.example/path",
    "<Password>{s}</Password>",
]


@settings(max_examples=300, deadline=None)
@given(data=st.data(), secret=ANY_SECRET)
def test_known_secret_never_survives(data: st.DataObject, secret: str) -> None:
    form = data.draw(st.sampled_from(KNOWN_SECRET_FORMS))
    value = data.draw(nested(form.replace("{s}", secret)))
    assert_hidden(secret, MASKER.mask(value, secrets=[secret]))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), secret=TOKEN_SECRET)
def test_secret_in_a_sensitive_place_never_survives_without_being_told(
    data: st.DataObject, secret: str
) -> None:
    form = data.draw(st.sampled_from(PATTERN_FORMS))
    value = data.draw(nested(form.replace("{s}", secret)))
    assert_hidden(secret, MASKER.mask(value))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), secret=TOKEN_SECRET)
def test_value_under_a_sensitive_key_never_survives(data: st.DataObject, secret: str) -> None:
    key = data.draw(SENSITIVE_KEYS)
    inner = data.draw(st.sampled_from([secret, [secret], {"a": secret}, (1, secret), b"x"]))
    assert_hidden(secret, MASKER.mask(data.draw(nested({key: inner, "other": "kept"}))))


@settings(max_examples=200, deadline=None)
@given(api_key=st.from_regex(r"mp_(live|test)_[A-Za-z0-9_]{1,30}", fullmatch=True))
def test_api_keys_never_survive(api_key: str) -> None:
    for text in (api_key, f"key {api_key} leaked", f"x={api_key}&y=1", f'"{api_key}"'):
        assert_hidden(api_key, MASKER.mask({"note": text, "list": [text]}))
