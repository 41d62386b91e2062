"""Message validation: structure against the directory, then the qualifiers that matter.

``validate_message`` never raises: it returns findings, errors and warnings, in segment
order. An empty list means valid. Callers decide what an error costs (the inbound flow
rejects the message; the writer refuses to send it).
"""

from __future__ import annotations

from .errors import EdifactError, Issue
from .model import Message
from .rules import check_content
from .structure_check import check_structure


def validate_message(message: Message, *, outbound: bool = False) -> list[Issue]:
    """Every finding for ``message``; ``[]`` when it is valid.

    ``outbound=True`` for what we send: every code must then be in the list of the
    message's directory (inbound, a code of the other directory is only a warning).
    """
    issues = check_structure(message)
    if any(issue.code == "UNSUPPORTED" for issue in issues):
        return issues
    issues.extend(check_content(message, outbound=outbound))
    issues.sort(key=lambda issue: issue.segment_number or 0)
    return issues


def errors_only(issues: list[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == "error"]


def raise_for_issues(message: Message, issues: list[Issue]) -> None:
    """Raise the first error as an :class:`EdifactError`, mentioning how many more."""
    errors = errors_only(issues)
    if not errors:
        return
    first = errors[0].to_error()
    if len(errors) > 1:
        others = "; ".join(issue.message for issue in errors[1:4])
        more = f" (and {len(errors) - 1} more: {others}{'; ...' if len(errors) > 4 else ''})"
        first = EdifactError(
            first.code,
            first.detail + more,
            segment_number=first.segment_number,
            tag=first.tag,
            expected=first.expected,
            element=first.element,
        )
    raise first
