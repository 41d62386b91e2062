"""The payload filter's and the channels' rules, case by case."""

from __future__ import annotations

from monopilot_integrations.connectors.webhooks.filters import (
    channels_match,
    filter_problems,
    payload_matches,
)

DATA = {
    "status": "sent",
    "qty": 2,
    "paid": True,
    "supplier": {"code": "MLYN", "country": "PL"},
    "lines": [{"product_code": "A"}, {"product_code": "B"}],
    "note": None,
}


def test_equality_in_nested_keys_and_arrays() -> None:
    assert payload_matches(None, DATA) and payload_matches({}, DATA)
    assert payload_matches({"status": "sent", "supplier.country": "PL"}, DATA)
    assert not payload_matches({"status": "sent", "supplier.country": "DE"}, DATA)
    assert payload_matches({"status": {"in": ["draft", "sent"]}}, DATA)
    assert not payload_matches({"status": {"in": ["draft"]}}, DATA)
    assert payload_matches({"lines.product_code": "B"}, DATA)  # any element
    assert not payload_matches({"lines.product_code": "C"}, DATA)
    assert payload_matches({"qty": 2.0}, DATA)  # numbers by value
    assert not payload_matches({"qty": "2"}, DATA)
    assert not payload_matches({"paid": 1}, DATA)  # true is not 1
    assert payload_matches({"paid": True}, DATA)
    assert payload_matches({"note": None}, DATA)
    assert not payload_matches({"missing": None}, DATA)  # a missing field never matches
    assert not payload_matches({"supplier.code.deeper": "x"}, DATA)


def test_channels() -> None:
    assert channels_match([], ["a"]) and channels_match(None, [])
    assert channels_match(["a", "b"], ["b"])
    assert not channels_match(["a"], ["b"]) and not channels_match(["a"], [])


def test_validation_against_the_schemas() -> None:
    schema = {
        "type": "object",
        "properties": {
            "status": {"type": "string"},
            "price": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "lines": {"type": "array", "items": {"properties": {"code": {"type": "string"}}}},
        },
    }
    assert filter_problems({"status": "x", "lines.code": "A", "price": None}, [schema]) == []
    assert filter_problems({"nope": 1}, [schema]) == [
        "'nope': no subscribed event type declares this field"
    ]
    assert filter_problems({"nope": 1}, None) == []  # '*': every type, paths not checked
    assert len(filter_problems({f"k{n}": 1 for n in range(21)}, None)) == 1
