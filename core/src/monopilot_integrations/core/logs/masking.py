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

Limits of layer 2, by design: an unquoted value ends at whitespace or one of ``&,;"'``
and brackets, so a password containing those characters is only partly masked in free
text unless it is also passed as a known secret; a nested JSON object or array under a
sensitive key in *raw text* is masked up to its first closing bracket.

The masker must never be the reason a log row is lost, so it never raises: odd objects
are converted with ``str``, containers nested deeper than :data:`MAX_DEPTH` (and
reference cycles) become :data:`DEFAULT_MASK`, and any unexpected failure masks the whole
node rather than propagating. It is also on the hot path of every logged request, so all
regular expressions are compiled once and plain strings skip the regex scan entirely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from monopilot_integrations.core.logs import rawjson
from monopilot_integrations.core.logs.known_secrets import contains_any as _contains_any
from monopilot_integrations.core.logs.known_secrets import prepare as _prepare_secrets
from monopilot_integrations.core.logs.rawjson import RawJSON
from monopilot_integrations.core.logs.text_patterns import (
    API_KEY_RE,
    CREDENTIAL_RE,
    DEFAULT_MASK,
    ELEMENT_RE,
    HEADER_LINE_RE,
    PAIR_RE,
    SCHEME_PREFIX_RE,
    URL_PASSWORD_RE,
    VALUE_GROUPS,
    VALUE_RE,
    context_free,
    mask_credential,
    mask_extra_match,
    mask_secret_group,
)

if TYPE_CHECKING:
    from monopilot_integrations.core.registration import LogMask

__all__ = ["DEFAULT_MASK", "MAX_DEPTH", "SENSITIVE_KEY_PARTS", "Masker"]

#: Containers nested deeper than this are replaced by :data:`DEFAULT_MASK`.
MAX_DEPTH: Final = 32
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

# Bound on the key-name cache; log keys are a small vocabulary, but keys are input.
_KEY_CACHE_LIMIT: Final = 4096
#: Texts up to this length found to need no masking are remembered, at most this many.
_TEXT_CACHE_LENGTH: Final = 200
_TEXT_CACHE_LIMIT: Final = 4096
#: JSON documents found plain (nothing in the text could trigger a rule, secrets apart):
#: each up to this many characters, together at most ``_PLAIN_CACHE_CHARS``. A webhook
#: logs the same event body once for every subscriber.
_PLAIN_ENTRY_CHARS: Final = 64 * 1024
_PLAIN_CACHE_CHARS: Final = 4 * 1024 * 1024
_KEY_SEPARATORS: Final = str.maketrans("", "", "-_ ")


def normalise_key(name: str) -> str:
    """Lowercase ``name`` and drop ``-``, ``_`` and spaces (``X-Api-Key`` -> ``xapikey``)."""
    return name.lower().translate(_KEY_SEPARATORS)


class Masker:
    """Masks secrets in JSON-like data, free text and HTTP headers.

    ``extra_keys`` add key-name fragments to :data:`SENSITIVE_KEY_PARTS` (normalised the
    same way); ``extra_patterns`` add regular expressions whose matches in any string are
    masked (a named group ``secret``, if present, limits the mask to that group). The
    defaults always apply. Instances are immutable apart from an internal cache and can
    be shared by every task and thread.
    """

    __slots__ = (
        "_clean_texts",
        "_key_cache",
        "_key_parts",
        "_name_cache",
        "_patterns",
        "_plain_chars",
        "_plain_texts",
        "_text_patterns",
    )

    def __init__(
        self,
        extra_keys: Iterable[str] = (),
        extra_patterns: Iterable[str | re.Pattern[str]] = (),
    ) -> None:
        """Validate and compile the extras; raises :class:`ValueError` for an empty key
        name, an invalid regex, or a regex that matches the empty string (it would insert
        a mask between every character)."""
        parts = list(SENSITIVE_KEY_PARTS)
        for key in extra_keys:
            part = normalise_key(key) if isinstance(key, str) else ""
            if not part:
                raise ValueError(f"extra mask key {key!r} is empty once normalised")
            if part not in parts:
                parts.append(part)
        patterns: list[re.Pattern[str]] = []
        for pattern in extra_patterns:
            try:
                compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"mask pattern {pattern!r} is not a valid regex: {exc}") from None
            if compiled.search("") is not None:
                raise ValueError(f"mask pattern {compiled.pattern!r} matches the empty string")
            patterns.append(compiled)
        self._key_parts: tuple[str, ...] = tuple(parts)
        self._patterns: tuple[re.Pattern[str], ...] = tuple(patterns)
        # The patterns as searched in whole JSON texts; None when one cannot be.
        self._text_patterns: tuple[re.Pattern[str], ...] | None = (
            self._patterns if all(map(context_free, self._patterns)) else None
        )
        self._key_cache: dict[str, bool] = {}
        self._name_cache: dict[str, tuple[bool, str]] = {}
        self._clean_texts: set[str] = set()
        self._plain_texts: dict[str, None] = {}
        self._plain_chars = 0

    @classmethod
    def from_log_masks(cls, masks: Iterable[LogMask]) -> Masker:
        """A masker with the extras every plugin registered through ``register_log_masks``."""
        keys: list[str] = []
        patterns: list[str] = []
        for mask in masks:
            keys.extend(mask.keys)
            patterns.extend(mask.value_patterns)
        return cls(keys, patterns)

    def __repr__(self) -> str:
        extra = len(self._key_parts) - len(SENSITIVE_KEY_PARTS)
        return f"Masker(extra_keys={extra}, extra_patterns={len(self._patterns)})"

    # -- public API --------------------------------------------------------------------

    def is_sensitive_key(self, name: str) -> bool:
        """True when the value under a key called ``name`` must be masked whole."""
        cached = self._key_cache.get(name)
        if cached is not None:
            return cached
        normalised = normalise_key(name)
        sensitive = any(part in normalised for part in self._key_parts)
        if len(self._key_cache) >= _KEY_CACHE_LIMIT:
            self._key_cache.clear()
        self._key_cache[name] = sensitive
        return sensitive

    def mask(self, value: Any, *, secrets: Iterable[str] = ()) -> Any:
        """Return a masked deep copy of JSON-like ``value``.

        Dicts (any mapping) become dicts, lists stay lists and tuples stay tuples; str,
        int, float, bool and None are kept; bytes are decoded as UTF-8 (with
        replacement characters); a :class:`~.rawjson.RawJSON` stays as it is when
        nothing in it needs masking, else is parsed and masked; anything else becomes
        ``str(obj)``. String keys and
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
            return self._text(text, _prepare_secrets(secrets))
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
                if self.is_sensitive_key(name_text):
                    scheme = SCHEME_PREFIX_RE.match(value_text)
                    masked[name_text] = (scheme.group(0) if scheme else "") + DEFAULT_MASK
                else:
                    masked[name_text] = self._text(value_text, prepared)
            except Exception:
                masked[str(name)] = DEFAULT_MASK
        return masked

    def is_plain_json(self, text: str, *, secrets: Iterable[str] = ()) -> bool:
        """True when masking the JSON document ``text`` cannot change anything, decided
        on the text as a whole (see :mod:`.rawjson`).

        Without a backslash, every key and string value of the document appears in the
        text literally, so each test below is a superset of what a rule acts on: a known
        secret (layer 3), an API key, a credential scheme or a password in a URL, and any
        sensitive key name, which every pair, element, header line and sensitive dict
        key needs (layers 1 and 2). A plugin pattern is searched in the whole text when
        a match inside one string is a match in the text around it too, i.e. when it
        uses no anchor, word boundary or look-around; with any other pattern registered,
        the document is always walked.
        """
        return self._plain_json(text, _prepare_secrets(secrets))

    def _plain_json(self, text: str, secrets: tuple[str, ...]) -> bool:
        if secrets and _contains_any(text, secrets):
            return False
        if text in self._plain_texts:  # the rest depends on the text alone
            return True
        if self._text_patterns is None or "\\" in text or "mp_" in text:
            return False
        for pattern in self._text_patterns:
            if pattern.search(text):
                return False
        lower = text.lower()
        if "bearer" in lower or "basic" in lower or ("://" in text and "@" in text):
            return False
        # Three C passes; str.translate looks every character up in a dict.
        normalised = lower.replace("-", "").replace("_", "").replace(" ", "")
        for part in self._key_parts:  # each ``in`` is a C substring search
            if part in normalised:
                return False
        if len(text) <= _PLAIN_ENTRY_CHARS:
            if self._plain_chars + len(text) > _PLAIN_CACHE_CHARS:
                self._plain_texts.clear()
                self._plain_chars = 0
            self._plain_texts[text] = None
            self._plain_chars += len(text)
        return True

    # -- implementation ------------------------------------------------------------------

    def _walk(self, value: Any, depth: int, secrets: tuple[str, ...], path: set[int]) -> Any:
        # Exact type checks first: they are the common case and much cheaper than
        # isinstance against ABCs on a path taken for every node of every logged body.
        kind = type(value)
        if kind is str:
            return self._text(value, secrets)
        if value is None or kind is int or kind is float or kind is bool:
            return value
        if kind is RawJSON:
            if self._plain_json(value.text, secrets) and rawjson.is_valid(value.text):
                return value
            try:
                parsed = json.loads(value.text)
            except ValueError:
                return self._text(value.text, secrets)
            return self._walk(parsed, depth, secrets, path)
        if depth > MAX_DEPTH:
            return DEFAULT_MASK
        try:
            if kind is dict or kind is list:
                container: Any = value
            elif isinstance(value, str):  # a str subclass
                return self._text(value, secrets)
            elif isinstance(value, int | float):  # IntEnum, numpy-free subclasses, ...
                return value
            elif isinstance(value, Mapping | list | tuple):
                container = value
            else:
                return self._text(_to_text(value), secrets)
            ident = id(container)
            if ident in path:  # a reference cycle: stop here rather than at MAX_DEPTH
                return DEFAULT_MASK
            path.add(ident)
            try:
                if isinstance(container, Mapping):
                    return self._walk_mapping(container, depth, secrets, path)
                items = self._walk_items(container, depth, secrets, path)
                return items if isinstance(container, list) else tuple(items)
            finally:
                path.discard(ident)
        except Exception:
            return DEFAULT_MASK

    def _walk_items(
        self, value: Iterable[Any], depth: int, secrets: tuple[str, ...], path: set[int]
    ) -> list[Any]:
        complex_ = bool(self._patterns)
        masked: list[Any] = []
        append = masked.append
        for item in value:
            kind = type(item)
            if kind is str:
                # Inlined gate of _text (a call per string costs as much as the check).
                if (
                    complex_
                    or ":" in item
                    or "=" in item
                    or "<" in item
                    or " " in item
                    or "\t" in item
                    or "mp_" in item
                    or (secrets and _contains_any(item, secrets))
                ):
                    item = self._text(item, secrets)
                append(item)
            elif item is None or kind is int or kind is float or kind is bool:
                append(item)
            else:
                append(self._walk(item, depth + 1, secrets, path))
        return masked

    def _walk_mapping(
        self, value: Mapping[Any, Any], depth: int, secrets: tuple[str, ...], path: set[int]
    ) -> dict[Any, Any]:
        complex_ = bool(self._patterns)
        masked: dict[Any, Any] = {}
        names = self._name_cache
        for key, item in value.items():
            name: Any
            if type(key) is str:
                entry = names.get(key)
                if entry is None:
                    entry = self._name_entry(key)
                sensitive, name = entry
                if secrets and _contains_any(key, secrets):
                    name = self._text(key, secrets)
            elif key is None or isinstance(key, int | float):
                sensitive, name = False, key
            else:
                raw = key if isinstance(key, str) else _to_text(key)
                sensitive, name = self.is_sensitive_key(raw), self._text(raw, secrets)
            if sensitive:
                masked[name] = DEFAULT_MASK
                continue
            kind = type(item)
            if kind is str:
                # Inlined gate of _text (a call per string costs as much as the check).
                if (
                    complex_
                    or ":" in item
                    or "=" in item
                    or "<" in item
                    or " " in item
                    or "\t" in item
                    or "mp_" in item
                    or (secrets and _contains_any(item, secrets))
                ):
                    item = self._text(item, secrets)
                masked[name] = item
            elif item is None or kind is int or kind is float or kind is bool:
                masked[name] = item
            else:
                masked[name] = self._walk(item, depth + 1, secrets, path)
        return masked

    def _name_entry(self, key: str) -> tuple[bool, str]:
        """Sensitivity and masked form (without call-time secrets) of a dict key, cached:
        bodies repeat the same few key names over and over."""
        entry = (self.is_sensitive_key(key), self._text(key, ()))
        if len(self._name_cache) >= _KEY_CACHE_LIMIT:
            self._name_cache.clear()
        self._name_cache[key] = entry
        return entry

    def _text(self, text: str, secrets: tuple[str, ...]) -> str:
        for secret in secrets:
            # Each replacement shortens the text (secrets are longer than the mask), so
            # this ends; looping catches occurrences the replacement itself creates.
            while secret in text:
                text = text.replace(secret, DEFAULT_MASK)
        # Past the call's own secrets the result depends on the text alone, and short
        # texts repeat: the same header values and status words on every attempt. Only
        # texts with nothing to mask are remembered, so no secret is kept any longer.
        if text in self._clean_texts:
            return text
        masked = self._text_rules(text)
        if masked == text and len(text) <= _TEXT_CACHE_LENGTH:
            if len(self._clean_texts) >= _TEXT_CACHE_LIMIT:
                self._clean_texts.clear()
            self._clean_texts.add(text)
        return masked

    def _text_rules(self, text: str) -> str:
        """Layers 2 and 3 (patterns) of :meth:`_text`."""
        # Every pattern of layer 2 needs one of these characters; most strings have none.
        if ":" in text or "=" in text or "<" in text:
            text = self._scan(text, pairs=True)
        elif " " in text or "\t" in text or "mp_" in text:
            text = self._scan(text, pairs=False)
        for pattern in self._patterns:
            text = pattern.sub(mask_extra_match, text)
        return text

    def _scan(self, text: str, *, pairs: bool) -> str:
        """Layer 2: each pass runs only if the text holds what its pattern needs."""
        if "mp_" in text:
            text = API_KEY_RE.sub(DEFAULT_MASK, text)
        if pairs and "://" in text and "@" in text:
            text = URL_PASSWORD_RE.sub(mask_secret_group, text)
        lower = text.lower()
        if "bearer" in lower or "basic" in lower:
            text = CREDENTIAL_RE.sub(mask_credential, text)
            lower = text.lower()
        if not pairs:
            return text
        # A sensitive pair needs a sensitive key name, and then the normalised text
        # contains that name's normalised form: an exact test before the slower scans.
        normalised = lower.replace("-", "").replace("_", "").replace(" ", "")
        for part in self._key_parts:
            if part in normalised:
                break
        else:
            return text
        if "authorization" in lower or "cookie" in lower:
            text = HEADER_LINE_RE.sub(mask_secret_group, text)
        if "<" in text:
            text = ELEMENT_RE.sub(self._mask_element, text)
        if ":" in text or "=" in text:
            text = self._mask_pairs(text)
        return text

    def _mask_element(self, match: re.Match[str]) -> str:
        if self.is_sensitive_key(match.group("tag")):
            return mask_secret_group(match)
        return match.group(0)

    def _mask_pairs(self, text: str) -> str:
        search = PAIR_RE.search
        cache = self._key_cache
        pieces: list[str] = []
        emitted = 0  # text[:emitted] is already in pieces
        match = search(text)
        while match is not None:
            key = match.group("key")
            sensitive = cache.get(key)
            if sensitive is None:
                sensitive = self.is_sensitive_key(key)
            value = VALUE_RE.match(text, match.end()) if sensitive else None
            if value is None:  # not sensitive, or "password=" with nothing to mask
                match = search(text, match.end())
                continue
            group = value.lastgroup  # the one named group of the alternative
            assert group in VALUE_GROUPS
            start, end = value.span(group)
            pieces.append(text[emitted:start])
            pieces.append(DEFAULT_MASK)
            pieces.append(text[end : value.end()])
            emitted = value.end()
            # Rescan from the end of the value, not of the pair: "token=a password=b"
            # must not read "a password" as the next key.
            match = search(text, emitted)
        if not pieces:
            return text
        pieces.append(text[emitted:])
        return "".join(pieces)


def _to_text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"
