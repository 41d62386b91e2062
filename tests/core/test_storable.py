"""A NUL character in JSON text is told apart from the harmless text ``\\u0000``."""

from __future__ import annotations

import json

import pytest

from monopilot_integrations.core.storable import has_nul, replace_nul


@pytest.mark.parametrize(
    ("value", "nul"),
    [
        ("a\x00b", True),
        ("\\u0000", False),  # a backslash and "u0000": text, not a NUL
        ("\\\x00", True),  # a backslash, then a NUL
        ("\\\\u0000", False),
        ("plain", False),
        ("\x00\\u0000\x00", True),
    ],
)
def test_only_real_nul_characters_count(value: str, nul: bool) -> None:
    encoded = json.dumps({"k": value, "list": [value]})
    assert has_nul(encoded) is nul
    cleaned = json.loads(replace_nul(encoded))
    assert "\x00" not in cleaned["k"]
    assert cleaned["k"] == value.replace("\x00", "\ufffd")
    assert cleaned["list"] == [cleaned["k"]]
