"""Segment order, groups, nesting, mandatory segments and repeats, against a structure.

The directory tables are deterministic: a segment group is entered only through its
trigger segment, so one left-to-right pass decides every segment's place. For each
segment we look, from the innermost open group outwards, for the next position (at or
after where we are) whose segment or group trigger carries that tag. Positions skipped on
the way that are mandatory and were never seen are reported as missing; a group left
behind is checked for its own missing mandatory members; a segment that fits nowhere is
out of order (or unknown to the message altogether). After an error the walk resumes
with the next segment, so one message yields all its findings, not only the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from .errors import Issue
from .model import Message, Segment
from .structure import GroupRule, MessageStructure, Rule, find_structure

MAX_EXPECTED_SHOWN = 8


@dataclass(frozen=True)
class _Level:
    """One sequence of rules (the message body or a group's content), indexed by tag."""

    rules: tuple[Rule, ...]
    group: GroupRule | None
    positions: dict[str, tuple[int, ...]]
    children: dict[int, _Level]
    mandatory: tuple[int, ...]  # positions of mandatory rules, so closing a group is cheap


def _compile(rules: tuple[Rule, ...], group: GroupRule | None) -> _Level:
    positions: dict[str, list[int]] = {}
    children: dict[int, _Level] = {}
    for index, rule in enumerate(rules):
        positions.setdefault(rule.trigger, []).append(index)
        if isinstance(rule, GroupRule):
            children[index] = _compile(rule.children, rule)
    return _Level(
        rules,
        group,
        {tag: tuple(found) for tag, found in positions.items()},
        children,
        tuple(index for index, rule in enumerate(rules) if rule.mandatory),
    )


@cache
def _compiled(directory: str, message_type: str) -> tuple[_Level, frozenset[str]] | None:
    structure = find_structure(directory, message_type)
    if structure is None:
        return None
    return _compile(structure.rules, None), structure.all_tags()


@dataclass
class _Frame:
    level: _Level
    index: int = 0
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * len(self.level.rules)

    def find(self, tag: str) -> int | None:
        # a group's trigger (position 0) opens a new occurrence one level up, never here
        start = max(self.index, 1) if self.level.group is not None else self.index
        for position in self.level.positions.get(tag, ()):
            if position >= start:
                return position
        return None


def _where(level: _Level) -> str:
    return f" in {level.group.label}" if level.group is not None else ""


def _missing(frame: _Frame, stop: int, at: Segment, issues: list[Issue], why: str) -> None:
    """Report mandatory positions from the current one up to ``stop`` never seen."""
    for position in frame.level.mandatory:
        if position < frame.index or position >= stop or frame.counts[position]:
            continue
        rule = frame.level.rules[position]
        issues.append(
            Issue(
                code="MANDATORY",
                message=f"segment {at.number} ({rule.trigger}): mandatory {rule.label}"
                f" missing{_where(frame.level)} ({why} {at.tag})",
                segment_number=at.number,
                tag=rule.trigger,
                expected=rule.trigger,
            )
        )


def _expected(stack: list[_Frame]) -> list[str]:
    tags: list[str] = []
    for frame in reversed(stack):
        start = max(frame.index, 1) if frame.level.group is not None else frame.index
        blocked = False
        for position in range(start, len(frame.level.rules)):
            rule = frame.level.rules[position]
            repeat_ok = position != frame.index or frame.counts[position] < rule.max_repeat
            if repeat_ok and rule.trigger not in tags:
                tags.append(rule.trigger)
            if rule.mandatory and frame.counts[position] == 0:
                blocked = True
                break
        if blocked:
            break
    return tags


def _describe(tags: list[str]) -> str:
    if not tags:
        return "nothing more"
    shown = tags[:MAX_EXPECTED_SHOWN]
    more = ", ..." if len(tags) > MAX_EXPECTED_SHOWN else ""
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + f" or {shown[-1]}{more}"


def check_structure(message: Message) -> list[Issue]:
    """Structure findings for ``message``; UNSUPPORTED when we have no structure for it."""
    compiled = _compiled(message.directory, message.type)
    if compiled is None:
        head = message.segments[0] if message.segments else None
        return [
            Issue(
                code="UNSUPPORTED",
                message=f"segment {head.number if head else '?'} (UNH): no structure for"
                f" {message.type} in directory {message.directory}",
                segment_number=head.number if head else None,
                tag="UNH",
            )
        ]
    root, known_tags = compiled
    issues: list[Issue] = []
    stack = [_Frame(root)]
    for segment in message.segments:
        _place(segment, stack, known_tags, message, issues)
    if message.segments:
        last = message.segments[-1]
        for frame in reversed(stack):
            _missing(frame, len(frame.level.rules), last, issues, "message ends at")
    return issues


def _place(
    segment: Segment,
    stack: list[_Frame],
    known_tags: frozenset[str],
    message: Message,
    issues: list[Issue],
) -> None:
    for depth in range(len(stack) - 1, -1, -1):
        frame = stack[depth]
        position = frame.find(segment.tag)
        if position is None:
            continue
        for inner in reversed(stack[depth + 1 :]):
            _missing(inner, len(inner.level.rules), segment, issues, "group ends at")
        del stack[depth + 1 :]
        _missing(frame, position, segment, issues, "found")
        frame.index = position
        frame.counts[position] += 1
        rule = frame.level.rules[position]
        if frame.counts[position] > rule.max_repeat:
            issues.append(
                Issue(
                    code="REPEAT",
                    message=f"segment {segment.number} ({segment.tag}): {rule.label} occurs more"
                    f" often than the {rule.max_repeat} allowed{_where(frame.level)}",
                    segment_number=segment.number,
                    tag=segment.tag,
                    expected=f"at most {rule.max_repeat}",
                )
            )
        if isinstance(rule, GroupRule):
            child = _Frame(frame.level.children[position])
            child.counts[0] = 1
            stack.append(child)
        return
    expected = _describe(_expected(stack))
    if segment.tag not in known_tags:
        issues.append(
            Issue(
                code="UNKNOWN_SEGMENT",
                message=f"segment {segment.number} ({segment.tag}): {segment.tag} is not a"
                f" segment of {message.type} {message.directory}; expected {expected}",
                segment_number=segment.number,
                tag=segment.tag,
                expected=expected,
            )
        )
    else:
        issues.append(
            Issue(
                code="STRUCTURE",
                message=f"segment {segment.number} ({segment.tag}): expected {expected},"
                f" found {segment.tag}",
                segment_number=segment.number,
                tag=segment.tag,
                expected=expected,
            )
        )


def structure_of(message: Message) -> MessageStructure | None:
    return find_structure(message.directory, message.type)
