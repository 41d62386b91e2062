"""Masking of sensitive data before anything is written to an integration log row.

Integration logs keep request and response bodies so an admin can see what a partner
sent and got, which means they see whatever credentials travelled with it. Everything
goes through a :class:`Masker` first. It works in three layers, because no single one
catches everything:

1. **Keys.** In structured data (dicts), the value under any key whose name looks
   sensitive (``password``, ``api_key``, ``X-Auth-Token``, ``client_secret`` ...) is
   replaced whole, whatever its type. This is the reliable layer.
2. **Patterns in text.** Strings are scanned for things that are secrets wherever they
   appear: MonoPilot API keys, ``Bearer``/``Basic`` credentials, passwords in URLs,
   ``Authorization:``/``Cookie:`` header lines, and ``key=value`` / ``"key": "value"``
   pairs and ``<Key>value</Key>`` elements whose key looks sensitive by the rule of
   layer 1 (raw bodies, query strings, error messages, SOAP/XML).
3. **Known secrets.** The caller usually knows the exact secrets in play (the webhook
   secret it signed with, the partner password it sent) and passes them at call time;
   they are scrubbed as substrings everywhere, including their JSON-escaped and
   URL-encoded forms, which catches what the first two layers cannot guess.

Layers 1 and 2, the built-in rules and the plugins' extras, are one table
(:class:`~.rules.MaskRules`); every key, string, header value and message goes through
the same walk and the same text path below, so a rule applies wherever its kind of
secret can appear.

Limits of layer 2, by design: an unquoted value ends at whitespace or one of ``&,;"'``
and brackets, so a password containing those characters is only partly masked in free
text unless it is also passed as a known secret; a nested JSON object or array under a
sensitive key in *raw text* is masked up to its first closing bracket.

The masker must never be the reason a log row is lost, so it never raises: odd objects
are converted with ``str``, containers nested deeper than :data:`MAX_DEPTH` (and
reference cycles) become :data:`DEFAULT_MASK`, and any unexpected failure masks the whole
node rather than propagating.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from monopilot_integrations.core.logs.known_secrets import prepare as _prepare_secrets
from monopilot_integrations.core.logs.rules import SENSITIVE_KEY_PARTS, MaskRules, normalise_key
from monopilot_integrations.core.logs.text_patterns import DEFAULT_MASK, SCHEME_PREFIX_RE

if TYPE_CHECKING:
    from monopilot_integrations.core.plugins.registration import LogMask

__all__ = ["DEFAULT_MASK", "MAX_DEPTH", "SENSITIVE_KEY_PARTS", "Masker", "normalise_key"]

#: Containers nested deeper than this are replaced by :data:`DEFAULT_MASK`.
MAX_DEPTH: Final = 32


class Masker:
    """Masks secrets in JSON-like data, free text and HTTP headers.

    ``extra_keys`` add key-name fragments to :data:`SENSITIVE_KEY_PARTS` (normalised the
    same way); ``extra_patterns`` add regular expressions whose matches in any string are
    masked (a named group ``secret``, if present, limits the mask to that group). The
    defaults always apply. Instances are immutable and can be shared by every task and
    thread.
    """

    __slots__ = ("rules",)

    def __init__(
        self,
        extra_keys: Iterable[str] = (),
        extra_patterns: Iterable[str | re.Pattern[str]] = (),
        mapping_keys: Iterable[str] = (),
    ) -> None:
        """Validate and compile the extras; raises :class:`ValueError` for an empty key
        name, an invalid regex, or a regex that matches the empty string (it would insert
        a mask between every character). ``mapping_keys``: see :class:`~.rules.MaskRules`."""
        self.rules = MaskRules(extra_keys, extra_patterns, mapping_keys)

    @classmethod
    def from_log_masks(cls, masks: Iterable[LogMask]) -> Masker:
        """A masker with the extras every plugin registered through ``register_log_masks``."""
        keys: list[str] = []
        patterns: list[str] = []
        mappings: list[str] = []
        for mask in masks:
            keys.extend(mask.keys)
            patterns.extend(mask.value_patterns)
            mappings.extend(mask.mapping_keys)
        return cls(keys, patterns, mappings)

    def __repr__(self) -> str:
        extra_keys = len(self.rules.key_parts) - len(SENSITIVE_KEY_PARTS)
        extra_patterns = sum(not rule.clues for rule in self.rules.text_rules)
        return f"Masker(extra_keys={extra_keys}, extra_patterns={extra_patterns})"

    # -- public API --------------------------------------------------------------------

    def is_sensitive_key(self, name: str) -> bool:
        """True when the value under a key called ``name`` must be masked whole."""
        return self.rules.is_sensitive_key(name)

    def mask(self, value: Any, *, secrets: Iterable[str] = ()) -> Any:
        """Return a masked deep copy of JSON-like ``value``.

        Dicts (any mapping) become dicts, lists stay lists and tuples stay tuples; str,
        int, float, bool and None are kept; bytes are decoded as UTF-8 (with
        replacement characters); anything else becomes ``str(obj)``. String keys and
        values are masked as text, values under sensitive keys are replaced whole, and
        every known ``secrets`` entry (at least 4 characters) is scrubbed everywhere.
        """
        try:
            return self._walk(value, 0, _prepare_secrets(secrets), set())
        except Exception:
            return DEFAULT_MASK

    def mask_text(self, text: str, *, secrets: Iterable[str] = ()) -> str:
        """Mask known ``secrets`` and every secret-looking pattern inside ``text``."""
        try:
            if not isinstance(text, str):
                text = _to_text(text)
            return self.rules.mask_text(text, _prepare_secrets(secrets))
        except Exception:
            return DEFAULT_MASK

    def mask_headers(
        self, headers: Mapping[str, str], *, secrets: Iterable[str] = ()
    ) -> dict[str, str]:
        """Mask HTTP headers: sensitive ones whole (``Authorization`` keeps its scheme
        word, e.g. ``Bearer ***``, which is often what one needs to debug), the others
        as text. Repeated headers (a multidict) keep their last value."""
        prepared = _prepare_secrets(secrets)
        masked: dict[str, str] = {}
        try:
            items = list(headers.items())
        except Exception:
            return {}
        for name, value in items:
            try:
                name_text = name if isinstance(name, str) else _to_text(name)
                value_text = value if isinstance(value, str) else _to_text(value)
                if self.rules.is_sensitive_key(name_text):
                    scheme = SCHEME_PREFIX_RE.match(value_text)
                    masked[name_text] = (scheme.group(0) if scheme else "") + DEFAULT_MASK
                else:
                    masked[name_text] = self.rules.mask_text(value_text, prepared)
            except Exception:
                masked[str(name)] = DEFAULT_MASK
        return masked

    # -- implementation ------------------------------------------------------------------

    def _walk(self, value: Any, depth: int, secrets: tuple[str, ...], path: set[int]) -> Any:
        # Exact type checks first: the common case, cheaper than isinstance against ABCs.
        kind = type(value)
        if kind is str:
            return self.rules.mask_text(value, secrets)
        if value is None or kind is int or kind is float or kind is bool:
            return value
        if depth > MAX_DEPTH:
            return DEFAULT_MASK
        try:
            if kind is dict or kind is list:
                container: Any = value
            elif isinstance(value, str):  # a str subclass
                return self.rules.mask_text(value, secrets)
            elif isinstance(value, int | float):  # IntEnum, numpy-free subclasses, ...
                return value
            elif isinstance(value, Mapping | list | tuple):
                container = value
            else:
                return self.rules.mask_text(_to_text(value), secrets)
            ident = id(container)
            if ident in path:  # a reference cycle: stop here rather than at MAX_DEPTH
                return DEFAULT_MASK
            path.add(ident)
            try:
                if isinstance(container, Mapping):
                    return self._walk_mapping(container, depth, secrets, path)
                text, walk = self.rules.mask_text, self._walk
                items = [
                    text(item, secrets)
                    if type(item) is str
                    else walk(item, depth + 1, secrets, path)
                    for item in container
                ]
                return items if isinstance(container, list) else tuple(items)
            finally:
                path.discard(ident)
        except Exception:
            return DEFAULT_MASK

    def _walk_mapping(
        self, value: Mapping[Any, Any], depth: int, secrets: tuple[str, ...], path: set[int]
    ) -> dict[Any, Any]:
        is_sensitive = self.rules.is_sensitive_key
        text = self.rules.mask_text
        masked: dict[Any, Any] = {}
        for key, item in value.items():
            name: Any
            if key is None or (type(key) is not str and isinstance(key, int | float)):
                sensitive, name = False, key
            else:
                raw = key if isinstance(key, str) else _to_text(key)
                sensitive, name = is_sensitive(raw), text(raw, secrets)
            if sensitive:
                masked[name] = self._masked_whole(raw, item, secrets)
            elif type(item) is str:
                masked[name] = text(item, secrets)
            else:
                masked[name] = self._walk(item, depth + 1, secrets, path)
        return masked

    def _masked_whole(self, name: str, item: Any, secrets: tuple[str, ...]) -> Any:
        """What a sensitive key's value becomes: the mask, or for a mapping of names to
        secrets (a ``mapping_keys`` rule), its names with every value masked."""
        if isinstance(item, Mapping) and self.rules.is_mapping_key(name):
            return {
                (self.rules.mask_text(k, secrets) if isinstance(k, str) else k): DEFAULT_MASK
                for k in item
            }
        return DEFAULT_MASK


def _to_text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"
