"""``LogMask.mapping_keys``: a mapping of names to secrets keeps its names in a log and
loses every value, through the one masking walk (dicts) and text rules (raw text)."""

from __future__ import annotations

from monopilot_integrations.core.logs.masking import Masker
from monopilot_integrations.core.plugins.registration import LogMask

MASKER = Masker.from_log_masks([LogMask(mapping_keys=("custom_headers",))])


def test_names_are_kept_and_every_value_is_masked() -> None:
    body = {
        "name": "ERP",
        "custom_headers": {"X-Partner-Key": "pk-1", "X-Tenant": "42", "Ocp-Apim-Key": "o"},
        "nested": [{"customHeaders": {"A": "b"}}],
    }
    assert MASKER.mask(body) == {
        "name": "ERP",
        "custom_headers": {"X-Partner-Key": "***", "X-Tenant": "***", "Ocp-Apim-Key": "***"},
        "nested": [{"customHeaders": {"A": "***"}}],
    }


def test_a_value_that_is_not_a_mapping_is_masked_whole() -> None:
    assert MASKER.mask({"custom_headers": "X-Key: pk-1"}) == {"custom_headers": "***"}
    assert MASKER.mask({"custom_headers": ["pk-1"]}) == {"custom_headers": "***"}


def test_in_raw_text_the_whole_value_is_masked() -> None:
    raw = '{"custom_headers": {"X-Partner-Key": "pk-123456"}, "name": "x"'
    masked = MASKER.mask_text(raw)
    assert "pk-123456" not in masked and '"name": "x"' in masked


def test_without_the_rule_such_values_stay() -> None:
    body = {"custom_headers": {"X-Tenant": "42"}}
    assert Masker().mask(body) == body
