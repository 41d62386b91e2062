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
   pairs whose key looks sensitive by the rule of layer 1 (raw bodies, query strings,
   error messages).
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

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from monopilot_integrations.core.registration import LogMask

__all__ = ["DEFAULT_MASK", "MAX_DEPTH", "SENSITIVE_KEY_PARTS", "Masker"]

#: What every masked value or substring is replaced with.
DEFAULT_MASK: Final = "***"
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

# Known secrets shorter than this would mask ordinary words and numbers all over a log.
_MIN_SECRET_LENGTH: Final = 4
# Bound on the key-name cache; log keys are a small vocabulary, but keys are input.
_KEY_CACHE_LIMIT: Final = 4096
_KEY_SEPARATORS: Final = str.maketrans("", "", "-_ ")
_AUTH_SCHEMES: Final = r"bearer|basic|digest|negotiate|token"

# One scan finds every kind of secret in a string. Alternatives are named so the match's
# ``lastgroup`` (the last group of the alternative that matched) says which one it was.
# Keys and URL schemes must start at a word boundary (the look-behinds) and have a
# bounded length, which keeps the scan linear even on megabytes of base64.
_TEXT_RE: Final = re.compile(
    r"""
      # scheme://user:PASSWORD@host
      (?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,31}://[^/\s:@]{0,256}:
      (?P<url_password>[^/\s@]+)(?=@)
    | # MonoPilot API keys, wherever they are
      (?P<api_key>(?-i:mp_(?:live|test)_[A-Za-z0-9_]+))
    | # header lines: the whole value, e.g. all cookies of a Cookie header
      (?<![\w-])(?:(?:proxy-)?authorization|(?:set-)?cookie2?)[ \t]*:[ \t]*
      (?:(?:"""
    + _AUTH_SCHEMES
    + r""")[ \t]+(?=\S))?(?P<header_value>[^\r\n]+)
    | # a bare credential: keep the scheme word, mask the token
      (?<![\w-])(?:bearer|basic)[ \t]+
      (?P<credential>[A-Za-z0-9\-._~+/]+=*)
    | # key=value, key: value, "key": value -- the value is parsed by _VALUE_RE
      (?<![\w.\-])(?P<key>[A-Za-z][\w.\-]{0,63}(?:[ ][A-Za-z][\w.\-]{0,63})?)
      (?P<separator>\\?["']?[ \t]*[:=]\s*)
    """,
    re.IGNORECASE | re.VERBOSE,
)

# The value after a sensitive key, matched at the position after the separator. Each
# alternative has one group for the part to mask; delimiters around it are kept so the
# text stays readable (``"password": "***"``).
_VALUE_RE: Final = re.compile(
    r"""
      \\+"(?P<escaped>.*?)(?:\\+"|\Z)              # \"...\" inside an encoded string
    | "(?P<double>(?:[^"\\]|\\.)*)"?               # "..." (unterminated: to the end)
    | '(?P<single>(?:[^'\\]|\\.)*)'?               # '...'
    | \[(?P<array>[^\]]*)\]?                       # [...] up to the first ]
    | \{(?P<object>[^}]*)\}?                       # {...} up to the first }
    | (?:(?:"""
    + _AUTH_SCHEMES
    + r""")[ \t]+)?(?P<bare>[^\s&,;"'<>{}\[\]()]+)   # bare word, keeping an auth scheme
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_VALUE_GROUPS: Final = ("escaped", "double", "single", "array", "object", "bare")
_SCHEME_PREFIX_RE: Final = re.compile(r"(?:" + _AUTH_SCHEMES + r")[ \t]+(?=\S)", re.IGNORECASE)


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

    __slots__ = ("_key_cache", "_key_parts", "_patterns")

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
        self._key_cache: dict[str, bool] = {}

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
                    scheme = _SCHEME_PREFIX_RE.match(value_text)
                    masked[name_text] = (scheme.group(0) if scheme else "") + DEFAULT_MASK
                else:
                    masked[name_text] = self._text(value_text, prepared)
            except Exception:
                masked[str(name)] = DEFAULT_MASK
        return masked

    # -- implementation ------------------------------------------------------------------

    def _walk(self, value: Any, depth: int, secrets: tuple[str, ...], path: set[int]) -> Any:
        if isinstance(value, str):
            return self._text(value, secrets)
        if value is None or isinstance(value, int | float):  # bool is an int
            return value
        if depth > MAX_DEPTH:
            return DEFAULT_MASK
        try:
            if isinstance(value, Mapping | list | tuple):
                ident = id(value)
                if ident in path:  # a reference cycle: stop here rather than at MAX_DEPTH
                    return DEFAULT_MASK
                path.add(ident)
                try:
                    if isinstance(value, Mapping):
                        return self._walk_mapping(value, depth, secrets, path)
                    items = [self._walk(item, depth + 1, secrets, path) for item in value]
                    return items if isinstance(value, list) else tuple(items)
                finally:
                    path.discard(ident)
            return self._text(_to_text(value), secrets)
        except Exception:
            return DEFAULT_MASK

    def _walk_mapping(
        self, value: Mapping[Any, Any], depth: int, secrets: tuple[str, ...], path: set[int]
    ) -> dict[Any, Any]:
        masked: dict[Any, Any] = {}
        for key, item in value.items():
            if key is None or isinstance(key, int | float):
                masked[key] = self._walk(item, depth + 1, secrets, path)
                continue
            name = key if isinstance(key, str) else _to_text(key)
            # Sensitivity is decided on the original name; the name itself is masked as
            # text too, in case a secret was used as a key.
            masked_name = self._text(name, secrets)
            if self.is_sensitive_key(name):
                masked[masked_name] = DEFAULT_MASK
            else:
                masked[masked_name] = self._walk(item, depth + 1, secrets, path)
        return masked

    def _text(self, text: str, secrets: tuple[str, ...]) -> str:
        for secret in secrets:
            # Each replacement shortens the text (secrets are longer than the mask), so
            # this ends; looping catches occurrences the replacement itself creates.
            while secret in text:
                text = text.replace(secret, DEFAULT_MASK)
        # Every pattern of _TEXT_RE needs one of these; most strings have none.
        if ":" in text or "=" in text or " " in text or "\t" in text or "mp_" in text:
            text = self._mask_patterns(text)
        for pattern in self._patterns:
            text = pattern.sub(_mask_extra_match, text)
        return text

    def _mask_patterns(self, text: str) -> str:
        search = _TEXT_RE.search
        match = search(text)
        if match is None:
            return text
        pieces: list[str] = []
        emitted = 0  # text[:emitted] is already in pieces
        while match is not None:
            kind = match.lastgroup
            if kind == "separator":
                if not self.is_sensitive_key(match.group("key")):
                    # Not a pair we mask; rescan from inside it, since the "key" or the
                    # value may still hold something else (a Bearer token, an API key).
                    match = search(text, match.start() + 1)
                    continue
                value = _VALUE_RE.match(text, match.end())
                if value is None:  # "password=" followed by nothing to mask
                    match = search(text, match.end())
                    continue
                group = value.lastgroup  # the one named group of the alternative
                assert group in _VALUE_GROUPS
                start, end = value.span(group)
                resume = value.end()
            else:
                assert kind is not None
                start, end = match.span(kind)
                resume = match.end()
            pieces.append(text[emitted:start])
            pieces.append(DEFAULT_MASK)
            pieces.append(text[end:resume])
            emitted = resume
            match = search(text, resume)
        pieces.append(text[emitted:])
        return "".join(pieces)


def _mask_extra_match(match: re.Match[str]) -> str:
    whole = match.group(0)
    if not whole:
        return whole
    if "secret" in match.re.groupindex and match.group("secret") is not None:
        offset = match.start()
        start, end = match.span("secret")
        return whole[: start - offset] + DEFAULT_MASK + whole[end - offset :]
    return DEFAULT_MASK


def _to_text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _prepare_secrets(secrets: Iterable[str]) -> tuple[str, ...]:
    """Usable known secrets, with their JSON-escaped and URL-encoded forms, longest first
    (so a secret that contains another is scrubbed whole)."""
    if not secrets:
        return ()
    if isinstance(secrets, str):  # a single secret passed bare, not its characters
        secrets = (secrets,)
    forms: set[str] = set()
    with contextlib.suppress(Exception):  # an odd iterable: use what was collected
        for secret in secrets:
            if not isinstance(secret, str) or len(secret) < _MIN_SECRET_LENGTH:
                continue
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
            forms.add(quote(secret, safe=""))
            forms.add(quote_plus(secret, safe=""))
    return tuple(sorted((f for f in forms if len(f) >= _MIN_SECRET_LENGTH), key=len, reverse=True))
