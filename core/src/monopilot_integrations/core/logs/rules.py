"""The one table of what is secret in an integration log: sensitive key names (layer 1)
and patterns in text (layer 2, :mod:`.text_patterns`), the built-in ones plus what plugins
registered through ``register_log_masks``.

Everything that decides whether something is masked reads this table, so a rule added
here applies to dict keys, free text, XML, header values and raw bodies alike. The
call's known secrets (layer 3, :mod:`.known_secrets`) come with each text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

from monopilot_integrations.core.logs.text_patterns import (
    DEFAULT_MASK,
    TextRule,
    builtin_rules,
    pattern_rule,
)

__all__ = ["SENSITIVE_KEY_PARTS", "MaskRules", "normalise_key"]

#: A key is sensitive when its normalised name (lowercase, without ``-``, ``_`` and
#: spaces) *contains* one of these, so ``X-Api-Key``, ``client_secret`` and
#: ``refreshToken`` are all caught.
SENSITIVE_KEY_PARTS: Final[tuple[str, ...]] = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "authorization",
    "cookie",
    "privatekey",
    "signature",
    "credential",
)

# Bound on the remembered key decisions; log keys are a small vocabulary, but keys are input.
_KEY_CACHE_LIMIT: Final = 4096


def normalise_key(name: str) -> str:
    """Lowercase ``name`` and drop ``-``, ``_`` and spaces (``X-Api-Key`` -> ``xapikey``)."""
    # Three C passes: str.translate looks every character up in a dict.
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


class MaskRules:
    """The key-name fragments and text rules in force, built-in first, then the extras.

    ``extra_keys`` add key-name fragments (normalised like every key name);
    ``extra_patterns`` add regular expressions whose matches in any string are masked (a
    named group ``secret``, if present, limits the mask to that group); ``mapping_keys``
    add key-name fragments whose value is a mapping of names to secrets (the names are
    kept, every value masked: :meth:`is_mapping_key`; they are sensitive keys too, so in
    free text their whole value is masked). Immutable.
    """

    __slots__ = (
        "_any_clue",
        "_ascii_clues",
        "_clued",
        "_unclued",
        "is_mapping_key",
        "is_sensitive_key",
        "key_parts",
        "mapping_parts",
        "text_rules",
    )

    def __init__(
        self,
        extra_keys: Iterable[str] = (),
        extra_patterns: Iterable[str | re.Pattern[str]] = (),
        mapping_keys: Iterable[str] = (),
    ) -> None:
        """Raises :class:`ValueError` for an empty key name, an invalid regex, or a regex
        that matches the empty string (it would insert a mask between every character)."""
        parts = list(SENSITIVE_KEY_PARTS)
        mapping_parts: list[str] = []
        for key in [*extra_keys, *mapping_keys]:
            part = normalise_key(key) if isinstance(key, str) else ""
            if not part:
                raise ValueError(f"extra mask key {key!r} is empty once normalised")
            if part not in parts:
                parts.append(part)
        for key in mapping_keys:
            mapping_parts.append(normalise_key(key))
        self.mapping_parts: tuple[str, ...] = tuple(mapping_parts)
        self.is_mapping_key = functools.lru_cache(maxsize=_KEY_CACHE_LIMIT)(self._judge_mapping)
        # Bodies repeat the same few key names over and over: the decision is remembered.
        self.is_sensitive_key = functools.lru_cache(maxsize=_KEY_CACHE_LIMIT)(self._judge_key)
        rules = list(builtin_rules(self.is_sensitive_key))
        for pattern in extra_patterns:
            try:
                compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"mask pattern {pattern!r} is not a valid regex: {exc}") from None
            if compiled.search("") is not None:
                raise ValueError(f"mask pattern {compiled.pattern!r} matches the empty string")
            rules.append(pattern_rule(compiled))
        self.key_parts: tuple[str, ...] = tuple(parts)
        self.text_rules: tuple[TextRule, ...] = tuple(rules)
        # Made from the rules' own clues: a text none of them is in skips every rule that
        # has clues. Lowercasing an ASCII text is exact for the rules that ignore case, so
        # the lowercased text is searched for the clues as they are; any other text is
        # searched with each rule's own case rule.
        self._clued = tuple(
            (
                rule,
                re.compile("|".join(map(re.escape, rule.clues))) if rule.clues else None,
                re.compile(rule.clue_pattern) if rule.clue_pattern else None,
            )
            for rule in rules
        )
        clued = [rule for rule in rules if rule.clues]
        self._ascii_clues = re.compile(
            "|".join(re.escape(clue) for rule in clued for clue in rule.clues)
        )
        self._any_clue = re.compile("|".join(str(rule.clue_pattern) for rule in clued))
        self._unclued = tuple(rule.apply for rule in rules if not rule.clues)

    def _judge_mapping(self, name: str) -> bool:
        """True when the value under ``name`` is a mapping whose values are all secrets."""
        normalised = normalise_key(name)
        return any(part in normalised for part in self.mapping_parts)

    def _judge_key(self, name: str) -> bool:
        """True when the value under a key called ``name`` must be masked whole (or, for
        a whole text, when it holds such a name)."""
        normalised = normalise_key(name)
        for part in self.key_parts:  # noqa: SIM110 - a plain loop beats any(generator)
            if part in normalised:
                return True
        return False

    def mask_text(self, text: str, secrets: tuple[str, ...] = ()) -> str:
        """``text`` with the call's known ``secrets`` (prepared by
        :func:`.known_secrets.prepare`) scrubbed, then every rule of layer 2 applied."""
        for secret in secrets:
            # Each replacement shortens the text (secrets are longer than the mask), so
            # this ends; looping catches occurrences the replacement itself creates.
            while secret in text:
                text = text.replace(secret, DEFAULT_MASK)
        lower = text.lower() if text.isascii() else None
        if lower is not None:
            found = self._ascii_clues.search(lower)
        else:
            found = self._any_clue.search(text)
        if found is None:
            for apply in self._unclued:
                text = apply(text)
            return text
        names_key: bool | None = None  # does the text hold a sensitive key name?
        for rule, ascii_clue, any_clue in self._clued:
            if ascii_clue is not None:
                if lower is not None:
                    if ascii_clue.search(lower) is None:
                        continue
                elif any_clue is not None and any_clue.search(text) is None:
                    continue
            if rule.needs_sensitive_name:
                if names_key is None:
                    names_key = self._judge_key(text)
                if not names_key:
                    continue
            masked = rule.apply(text)
            if masked != text:
                text, names_key = masked, None
                lower = text.lower() if text.isascii() else None
        return text
