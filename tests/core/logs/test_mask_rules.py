"""The masking rule table: a rule's clues never skip a text the rule would change, and a
mask a plugin registers applies on every path a log row is made by."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import JobRow, LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.logs.rules import MaskRules
from monopilot_integrations.core.logs.writer import LogEntry
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registration import LogMask
from monopilot_integrations.core.settings import Settings
from tests.core.helpers import ORG_A, all_rows
from tests.support import plugin
from tests.support.schema import truncate_all

# Pieces that trip (or nearly trip) every rule, with the characters that case-insensitive
# regexes equate to ASCII letters (dotless i, long s, the Kelvin sign) and a Cyrillic ka.
PIECES = st.sampled_from(
    [
        "mp_live_Ab1",
        "mp_test_",
        "MP_live_x",
        "https://u:pw@host",
        "://",
        "@",
        "Bearer abc.DEF",
        "BASIC dXNl",
        "basic info",
        "Bas\u0131c dXNl",
        "ba\u017fic x",
        "Authorization: Bearer t",
        "author\u0131zation: x",
        "Set-Cookie: a=1",
        "Coo\u043aie: c",
        "Coo\u212aie: k",
        "<Password>p</Password>",
        "<User>u</User>",
        "<",
        "password=x",
        "pass_word: y",
        "api key=k",
        '"token": "t"',
        '\\"secret\\": \\"s\\"',
        "PIN-1234",
        "ACME-0123456789ABCDEF0123456789ABCDEF",
        "=",
        ":",
        " ",
        "\n",
        "order",
        "Zażółć",
    ]
)
TEXTS = st.lists(PIECES | st.text(max_size=6), max_size=8).map("".join)

RULE_SETS = {
    "default": MaskRules(),
    "plugins": MaskRules(
        ["acme_pin", "\u0131d"], [r"PIN-\d{4}", r"^order", r"(?i)acme-(?P<secret>\w+)"]
    ),
}


def every_rule_unconditionally(rules: MaskRules, text: str) -> str:
    for rule in rules.text_rules:
        text = rule.apply(text)
    return text


@settings(max_examples=500, deadline=None)
@given(text=TEXTS, kind=st.sampled_from(sorted(RULE_SETS)))
def test_clues_give_the_same_text_as_running_every_rule(text: str, kind: str) -> None:
    rules = RULE_SETS[kind]
    assert rules.mask_text(text) == every_rule_unconditionally(rules, text)


@settings(max_examples=500, deadline=None)
@given(text=TEXTS)
def test_a_rule_changes_only_texts_that_hold_its_clue(text: str) -> None:
    rules = RULE_SETS["plugins"]
    for rule in rules.text_rules:
        if rule.clues and rule.apply(text) != text:
            assert rule.clue_pattern is not None
            assert re.search(rule.clue_pattern, text), (rule.name, text)
            if rule.needs_sensitive_name:
                assert rules.is_sensitive_key(text), (rule.name, text)


# -- a plugin's mask on every path -----------------------------------------------------------

PIN = "ZX-774411"


class PinMasks:
    """A throwaway plugin: one key name and one value pattern."""

    @hookimpl
    def register_log_masks(self, register: Any) -> None:
        register(LogMask(keys=("zx_code",), value_patterns=(r"ZX-\d{6}",)))


async def test_a_plugins_mask_applies_on_every_path(tmp_path: Path, database_url: str) -> None:
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    plugins.register(PinMasks(), "pin-masks")
    settings_ = Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        retry_jitter=0,
        embedded_worker=False,
        environment="test",
    )
    kernel = await Kernel.start(settings_, plugins=plugins, clock=ManualClock())
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    try:
        await _check_every_path(kernel)
    finally:
        await kernel.close()


async def _check_every_path(kernel: Kernel) -> None:
    masker = kernel.masker
    coded = {"zx_code": "4711", "ZX-Code": ["a", {"b": 1}]}  # the plugin's key, any value
    places: list[Any] = [
        {"note": f"ref {PIN}"},
        [f"ref {PIN}", (PIN,)],
        {f"key {PIN}": 1},
        f"<ZxCode>4711</ZxCode> zx_code=4711 {PIN}",
        coded,
    ]
    for place in places:
        dumped = json.dumps(masker.mask({"deep": [{"in": place}]}))
        assert PIN not in dumped and "4711" not in dumped and '"a"' not in dumped
    assert masker.mask_text(f"failed: {PIN}, zx_code=4711") == "failed: ***, zx_code=***"
    assert masker.mask_headers({"X-Ref": PIN, "X-Zx-Code": "4711"}) == {
        "X-Ref": "***",
        "X-Zx-Code": "***",
    }
    writer = kernel.runtime().log_writer
    for body in (
        {"order": {"zx_code": "4711", "note": PIN}},
        json.dumps({"zx_code": "4711", "note": PIN}).encode(),  # JSON bytes: parsed
        f"raw text zx_code=4711 {PIN}".encode(),  # other bytes: text
        f"<Zx_Code>4711</Zx_Code> {PIN}",
    ):
        entry = LogEntry(
            org_id=ORG_A,
            integration_type="api",
            event_type="x",
            direction="inbound",
            status="error",
            request_body=body,
            response_body={"echo": body if isinstance(body, str) else repr(body)},
            error_message=f"partner said zx_code=4711 ({PIN})",
        )
        row = writer.to_row(entry)
        stored = str([row["request_body"], row["response_body"], row["error_message"]])
        assert PIN not in stored and "4711" not in stored, stored
    # A job attempt's log row, written by the job engine.
    echo = {"note": f"sent {PIN}", "zx_code": "4711", "list": [{"zx_code": 4711}]}
    await kernel.publish(ORG_A, "test.ping", {"echo": echo, "fail_times": 1})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    await kernel.run_job(ORG_A, job.id)
    (logged,) = await all_rows(kernel, LogRow)
    text = json.dumps([logged.request_body, logged.response_body, logged.error_message])
    assert PIN not in text and "4711" not in text
    assert "sent ***" in text
