"""Raw JSON in a log body: stored verbatim when masking would change nothing, masked as
a parsed value otherwise, with the same result either way."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from monopilot_integrations.core.logs import rawjson
from monopilot_integrations.core.logs.masking import Masker
from monopilot_integrations.core.logs.rawjson import RawJSON

SECRET = "Zq7-Abc123-wh9"

# Words that trip (or nearly trip) every masking rule, mixed with harmless ones.
WORDS = st.sampled_from(
    [
        "order",
        "qty",
        "Chleb żytni 500 g",
        "password",
        "pass word",
        "X-Api-Key",
        "apikey",
        "refreshToken",
        "client_secret",
        "signature",
        "Bearer abc.DEF-123",
        "basic auth",
        "Basic dXNlcjpwYXNz",
        "mp_live_abcdefgh1234",
        "https://user:pw@example.com/x",
        "https://example.com/a@b",
        "password=hunter2&x=1",
        '{"token": "t"}',
        "<Password>p</Password>",
        "Authorization: Bearer x",
        "tab\there",
        "line\nbreak",
        'quote " inside',
        "back\\slash",
        "PIN-1234",
        "whsec_ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        SECRET,
        f"pre-{SECRET}-post",
        "2026-12-02T10:00:00Z",
        "",
    ]
)
DOCS = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | WORDS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(WORDS, children, max_size=4),
    max_leaves=12,
)


def stored(value: Any) -> Any:
    """What a log row would hold for ``value`` once masked (as JSON)."""
    return json.loads(rawjson.dumps(value))


MASKERS = {
    "default": Masker(),
    # Plugin patterns: context-free ones are searched in the text, anchored ones walk.
    "patterns": Masker(["acme_pin"], [r"PIN-\d{4}", r"whsec_[A-Za-z0-9+/=]{20,}"]),
    "anchored": Masker(extra_patterns=[r"^order$"]),
}


@settings(max_examples=600, deadline=None)
@given(doc=DOCS, with_secret=st.booleans(), kind=st.sampled_from(sorted(MASKERS)))
def test_raw_json_masks_exactly_like_the_parsed_value(
    doc: Any, with_secret: bool, kind: str
) -> None:
    masker = MASKERS[kind]
    secrets = [SECRET] if with_secret else []
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    from_raw = masker.mask(RawJSON(text), secrets=secrets)
    from_value = masker.mask(doc, secrets=secrets)
    assert stored(from_raw) == stored(from_value)
    if masker.is_plain_json(text, secrets=secrets):
        assert from_raw == RawJSON(text)  # kept verbatim: the exact bytes that were sent


def test_a_plain_document_is_kept_verbatim_inside_a_larger_body() -> None:
    masker = Masker()
    sent = '{"event":"order.created","data":{"id":"SO-1","lines":[{"gtin":"05901234123457"}]}}'
    body = {"method": "POST", "headers": {"X-Api-Key": "k-123456"}, "body": RawJSON(sent)}
    text = rawjson.dumps(masker.mask(body))
    assert sent in text  # spliced as it was, compact separators and all
    assert json.loads(text)["headers"] == {"X-Api-Key": "***"}
    assert json.loads(text)["body"]["data"]["id"] == "SO-1"


def test_anything_that_could_need_masking_is_parsed_and_masked() -> None:
    masker = Masker()
    for text, hidden in [
        ('{"password":"hunter22"}', "hunter22"),
        ('{"note":"Bearer abcdef123"}', "abcdef123"),
        ('{"key":"mp_live_abcdefgh1234"}', "mp_live_abcdefgh1234"),
        ('{"url":"https://u:pw-123@example.com"}', "pw-123"),
        ('{"note":"hunter2\\u0000"}', None),  # an escape: judged by parsing, never as text
    ]:
        assert not masker.is_plain_json(text)
        if hidden is not None:
            assert hidden not in rawjson.dumps(masker.mask(RawJSON(text)))
    assert not masker.is_plain_json('{"note":"x Zq7-Abc123-wh9 y"}', secrets=[SECRET])
    assert masker.is_plain_json('{"note":"x Zq7-Abc123-wh9 y"}')


def test_a_document_judged_plain_before_is_still_scrubbed_of_a_calls_secrets() -> None:
    """Plain verdicts are remembered per text (a webhook logs one event body for each
    subscriber); the call's own secrets are checked every time."""
    masker = Masker()
    text = '{"event":"order.created","data":{"note":"x Zq7-Abc123-wh9 y"}}'
    assert masker.is_plain_json(text)
    assert masker.is_plain_json(text)  # from the cache
    assert not masker.is_plain_json(text, secrets=[SECRET])
    masked = rawjson.dumps(masker.mask(RawJSON(text), secrets=[SECRET]))
    assert SECRET not in masked
    assert masker.mask(RawJSON(text)) == RawJSON(text)


def test_plugin_patterns_are_searched_in_the_text_or_force_a_walk() -> None:
    masker = Masker(extra_patterns=[r"PIN-\d{4}"])
    assert not masker.is_plain_json('{"note":"PIN-1234"}')
    assert "PIN-1234" not in rawjson.dumps(masker.mask(RawJSON('{"note":"PIN-1234"}')))
    assert masker.is_plain_json('{"note":"PIN-12"}')
    anchored = Masker(extra_patterns=[r"^PIN-\d{4}$"])  # "^" cannot be judged on the text
    assert not anchored.is_plain_json('{"note":"nothing here"}')
    assert rawjson.dumps(anchored.mask(RawJSON('{"n":"PIN-1234"}'))) == '{"n": "***"}'


def test_invalid_raw_json_is_masked_as_text() -> None:
    masker = Masker()
    assert rawjson.dumps(masker.mask(RawJSON('{"password": "hunter22"'))) == (
        '"{\\"password\\": \\"***\\""'
    )


def test_dumps_splices_only_its_own_markers() -> None:
    lookalike = "\ue000deadbeef0000:0\ue000"  # shaped like a marker, but not this call's
    value = {"a": RawJSON("[1,2]"), "b": lookalike, "c": [RawJSON('{"x":null}')]}
    assert json.loads(rawjson.dumps(value)) == {"a": [1, 2], "b": lookalike, "c": [{"x": None}]}
    assert rawjson.dumps(RawJSON("true")) == "true"
    assert RawJSON(b'{"a":1}') == RawJSON('{"a":1}')
