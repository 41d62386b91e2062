"""schemathesis over every operation of the document a live server serves, bounded.

For each operation, in positive and negative mode, Hypothesis generates a few requests
(:func:`operation_settings`: few in CI, the nightly budget under ``./dev fuzz``), sends
them, and runs schemathesis' checks (no 5xx; status code, media type, headers and body
as documented) plus the test's own ``expect``. Failures are reported as found, not
shrunk, and every operation is tried even after one fails, so one run lists every
finding.

One check is left out: ``positive_data_acceptance``, which expects every request that
matches the schema to succeed. Some refusals depend on data, not shape (an unknown
supplier code, ``until`` before ``since``, an id that does not exist): they are 4xx the
document lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.support.fuzz import fuzz_settings

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

#: One case here is a request through the whole server: the nightly budget divided by this
#: is the cases per operation and mode (100 at the default 100,000).
COST = 1000

Operation = Any  # schemathesis' APIOperation
Expect = Callable[[Operation, Any], None]


def operation_settings(ci_examples: int) -> settings:
    return settings(
        fuzz_settings(ci_examples, cost=COST),
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # report, do not shrink: bounded time
    )


def load_document(base_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")


def document_without_its_security(base_url: str) -> Any:
    """The served document, generating no API key: for the dashboard's mirror of the API
    (``/dashboard/api/...``), the same operations authenticated by the dashboard's session
    cookie instead. (Otherwise every negative case drops the key, which the mirror rightly
    ignores, and schemathesis reports the answer as a request that should have failed.)"""
    schema = load_document(base_url)
    schema.config.generation.update(with_security_parameters=False)
    return schema


def operations(schema: Any) -> list[Operation]:
    return [result.ok() for result in schema.get_all_operations()]


def is_public(operation: Operation) -> bool:
    """An operation the document says needs no API key (health, the document, the
    portals' own, whose web session the document describes in words)."""
    return "security" not in operation.definition.raw


@dataclass
class Findings:
    """What a run tried and what failed, by operation label and mode."""

    tried: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    def report(self) -> str:
        return "\n\n".join(f"{label}:\n{text}" for label, text in self.failures.items())


def fuzz_operations(
    selected: Iterable[Operation],
    *,
    base_url: str,
    examples: Callable[[Operation], int],
    headers: Callable[[Operation], dict[str, str]] | None = None,
    session: Callable[[], requests.Session | None] = lambda: None,
    expect: Expect | None = None,
    after_operation: Callable[[], None] = lambda: None,
    modes: Iterable[GenerationMode] = MODES,
    findings: Findings | None = None,
) -> Findings:
    """Fuzz each operation in ``selected``; ``examples(op)`` cases per mode in CI.

    ``headers(op)`` become part of every generated case (so negative cases never drop
    them); ``session()`` is the ``requests`` session to send with (its cookie jar);
    ``expect(op, response)`` asserts what the test adds to schemathesis' checks;
    ``after_operation`` runs between operations (to sign in again after a fuzzed sign-out).
    """
    findings = findings if findings is not None else Findings()
    for operation in selected:
        extra = headers(operation) if headers else {}
        for mode in modes:
            label = f"{operation.label} ({mode.value})"
            strategy = operation.as_strategy(generation_mode=mode, headers=extra or None)
            try:
                _fuzz_one(operation, strategy, base_url, examples(operation), session, expect)
            except Unsatisfiable:  # nothing in this operation can be made invalid
                continue
            except BaseException as exc:  # a FailureGroup; every operation is still tried
                if isinstance(exc, KeyboardInterrupt):
                    raise
                findings.failures[label] = describe(exc)[:3000]
            findings.tried.append(label)
        after_operation()
    return findings


def describe(exc: BaseException) -> str:
    """The failure in words, with what a group wraps: Hypothesis reports a failure it could
    not replay (``Unreliable assumption``: schemathesis skips a case it has already sent)
    as a group around the original failure, which is the part worth reading."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BaseExceptionGroup):
        text += "".join(
            "\n  - " + describe(inner).replace("\n", "\n    ") for inner in exc.exceptions
        )
    return text


def _fuzz_one(
    operation: Operation,
    strategy: Any,
    base_url: str,
    ci_examples: int,
    session: Callable[[], requests.Session | None],
    expect: Expect | None,
) -> None:
    @given(case=strategy)
    @operation_settings(ci_examples)
    def run(case: Any) -> None:
        response = case.call_and_validate(
            base_url=base_url,
            session=session(),
            excluded_checks=[positive_data_acceptance],
            timeout=30,
        )
        if expect is not None:
            expect(operation, response)

    run()


def media_type(response: Any) -> str:
    values = response.headers.get("content-type") or [""]
    return str(values[0]).split(";")[0].strip()


def expect_refusal(statuses: tuple[int, ...] = (401, 403)) -> Expect:
    """``expect`` for operations the caller may not use: refused with a listed status as
    problem details, never answered."""

    def check(operation: Operation, response: Any) -> None:
        assert response.status_code in statuses, (
            f"{operation.label} answered {response.status_code} to a caller it should "
            f"refuse: {response.content[:300]!r}"
        )
        assert media_type(response) == "application/problem+json", media_type(response)

    return check
