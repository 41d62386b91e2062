"""Message structures (segment tables) loaded from the directory files shipped in the package.

A directory file (``directories/d96a.txt``) lists, per message type, the segments and
segment groups in order, one per line, nested by two-space indentation::

    ===== ORDERS
    UNH M1
    SG2 C99: NAD M1        <- group SG2, conditional, up to 99 times, triggered by NAD
      LOC C25              <- inside SG2

``M``/``C`` is mandatory/conditional, the number the maximum repeat. Adding a directory is
adding a file (see ``docs/edi-syntax.md``); ``service.txt`` holds the syntax-version
independent service messages (CONTRL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .errors import EdifactError

SERVICE_MESSAGES = frozenset({"CONTRL"})

_LINE = re.compile(
    r"^(?P<indent> *)(?:(?P<group>SG\d+) (?P<gstatus>[MC])(?P<gmax>\d+): )?"
    r"(?P<tag>[A-Z0-9]{3}) (?P<status>[MC])(?P<max>\d+)$"
)


@dataclass(frozen=True)
class SegmentRule:
    """One segment position: tag, mandatory or not, maximum repeat."""

    tag: str
    mandatory: bool
    max_repeat: int

    @property
    def trigger(self) -> str:
        return self.tag

    @property
    def label(self) -> str:
        return self.tag


@dataclass(frozen=True)
class GroupRule:
    """A segment group; ``children[0]`` is its trigger segment."""

    name: str
    mandatory: bool
    max_repeat: int
    children: tuple[Rule, ...]

    @property
    def trigger(self) -> str:
        return self.children[0].trigger

    @property
    def label(self) -> str:
        return f"{self.name} ({self.trigger})"

    def member_tags(self) -> frozenset[str]:
        """Every tag that can occur inside this group, nested groups included."""
        tags: set[str] = set()
        for child in self.children:
            if isinstance(child, GroupRule):
                tags |= child.member_tags()
            else:
                tags.add(child.tag)
        return frozenset(tags)


Rule = SegmentRule | GroupRule


@dataclass(frozen=True)
class MessageStructure:
    """The segment table of one message type in one directory."""

    directory: str
    message_type: str
    rules: tuple[Rule, ...]

    def all_tags(self) -> frozenset[str]:
        tags: set[str] = set()
        for rule in self.rules:
            tags |= rule.member_tags() if isinstance(rule, GroupRule) else {rule.tag}
        return frozenset(tags)

    def groups_triggered_by(self, tag: str) -> list[GroupRule]:
        found: list[GroupRule] = []
        pending: list[Rule] = list(self.rules)
        while pending:
            rule = pending.pop(0)
            if isinstance(rule, GroupRule):
                if rule.trigger == tag:
                    found.append(rule)
                pending.extend(rule.children)
        return found


def _parse_file(directory: str, text: str) -> dict[str, MessageStructure]:
    structures: dict[str, MessageStructure] = {}
    message_type: str | None = None
    # stack of (indent, children list); a group's children list is filled as lines come.
    stack: list[tuple[int, list[Rule], str | None, bool, int]] = []

    def close_to(indent: int) -> None:
        while len(stack) > 1 and stack[-1][0] > indent:
            _, children, name, mandatory, max_repeat = stack.pop()
            stack[-1][1].append(GroupRule(name or "", mandatory, max_repeat, tuple(children)))

    def finish() -> None:
        if message_type is not None:
            close_to(-1)
            structures[message_type] = MessageStructure(directory, message_type, tuple(stack[0][1]))

    for raw_line in text.splitlines():
        if not raw_line.strip():
            continue
        if raw_line.startswith("====="):
            finish()
            message_type = raw_line.strip("= ").strip()
            stack = [(-1, [], None, True, 1)]
            continue
        match = _LINE.match(raw_line)
        if match is None or message_type is None:
            raise ValueError(f"{directory}: cannot read structure line {raw_line!r}")
        indent = len(match["indent"]) // 2
        close_to(indent - 1)
        segment = SegmentRule(match["tag"], match["status"] == "M", int(match["max"]))
        if match["group"]:
            stack.append(
                (indent, [segment], match["group"], match["gstatus"] == "M", int(match["gmax"]))
            )
        else:
            stack[-1][1].append(segment)
    finish()
    return structures


@cache
def _load(file_stem: str) -> dict[str, MessageStructure]:
    package = resources.files(__package__).joinpath("directories")
    resource = package.joinpath(f"{file_stem.lower()}.txt")
    if not resource.is_file():
        return {}
    return _parse_file(file_stem.upper(), resource.read_text(encoding="utf-8"))


def known_directories() -> list[str]:
    """Directory names shipped with the package, e.g. ``["D01B", "D96A"]``."""
    package = resources.files(__package__).joinpath("directories")
    return sorted(
        entry.name.removesuffix(".txt").upper()
        for entry in package.iterdir()
        if entry.name.endswith(".txt") and entry.name != "service.txt"
    )


def find_structure(directory: str, message_type: str) -> MessageStructure | None:
    """The structure for a message, or None when we do not have it."""
    if message_type in SERVICE_MESSAGES:
        return _load("service").get(message_type)
    if not re.fullmatch(r"[A-Za-z0-9]{1,8}", directory):
        return None
    return _load(directory).get(message_type)


def get_structure(directory: str, message_type: str) -> MessageStructure:
    """Like :func:`find_structure`, raising ``UNSUPPORTED`` when unknown."""
    structure = find_structure(directory, message_type)
    if structure is None:
        raise EdifactError(
            "UNSUPPORTED",
            f"no structure for message type {message_type} in directory {directory}"
            f" (known directories: {', '.join(known_directories())})",
            tag="UNH",
        )
    return structure


def group_member_tags(directory: str, message_type: str, trigger: str) -> frozenset[str] | None:
    """Tags that can appear inside a group started by ``trigger`` (None: unknown type)."""
    structure = find_structure(directory, message_type)
    if structure is None:
        return None
    groups = structure.groups_triggered_by(trigger)
    if not groups:
        return None
    tags: set[str] = set()
    for group in groups:
        tags |= group.member_tags()
    tags.discard(trigger)
    return frozenset(tags)
