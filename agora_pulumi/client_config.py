"""The client's configuration: what it is, and how it is read from stack config and the environment.

One place for every setting's config key, environment variable, default and parser, so the provider (which
only hands over the stack config) and any other caller read them the same way. No Pulumi, no HTTP.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Union
from urllib.parse import urlsplit

from .errors import REDACTED, ConfigurationError

DEFAULT_ENDPOINT = "https://api.agora.io"
DEFAULT_ENDPOINTS: tuple[str, ...] = (DEFAULT_ENDPOINT, "https://api.sd-rtn.com")
"""Agora's guidance: ``api.agora.io`` first outside mainland China, then ``api.sd-rtn.com``."""

AUTH_SCHEMES: tuple[str, ...] = ("hmac", "basic")
"""``hmac``: the Media Broadcast reference's HTTP HMAC-SHA256 (default); ``basic``: the seed API's Basic auth."""

DEFAULT_MAX_REQUESTS_PER_SECOND = 50.0
"""The Media Broadcast reference's call frequency limit (above it: 429)."""


MIN_REQUESTS_PER_SECOND = 0.1
"""The slowest ``agora:maxRequestsPerSecond``: one request every 10 s. Below it a call would wait minutes to
years for its turn, silently (1e-9 is 32 years)."""

NUMBER_BOUNDS: dict[str, tuple[str, float, float, str]] = {
    "max_requests_per_second": (
        "agora:maxRequestsPerSecond", MIN_REQUESTS_PER_SECOND, 1_000_000.0,
        f" ({MIN_REQUESTS_PER_SECOND:g} is one request every {1 / MIN_REQUESTS_PER_SECOND:g} s; Agora allows 50)",
    ),
    "max_retries": ("agora:maxRetries", 0, 20, ""),
    "read_timeout": ("agora:timeoutSeconds", 0, 3600.0, ""),
    "connect_timeout": ("agora:connectTimeoutSeconds", 0, 3600.0, ""),
    "backoff_factor": ("agora:retryBackoffSeconds", 0, 3600.0, ""),
    "backoff_jitter": ("agora:retryJitterSeconds", 0, 3600.0, ""),
    "max_retry_after": ("agora:maxRetryAfterSeconds", 0, 3600.0, ""),
}
"""Every numeric setting's (config key, lowest, highest, note): a value outside would hang a call for years or
end in an ``OverflowError`` deep in the socket or retry code instead of an error naming the key."""

POSITIVE_FIELDS = frozenset({"read_timeout", "connect_timeout"})
"""Numeric settings that must be above their lowest value (0), not equal to it."""


def is_loopback_host(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1, decided by parsing, never by prefix
    (``127.attacker.example`` is a remote name)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shown_url(url: str) -> str:
    """``url`` as it may be printed: any ``user:password@`` part replaced by ``[redacted]@``. Done on the text,
    not by parsing, because the URLs printed are those that failed to parse."""
    scheme, sep, rest = url.partition("//")
    if not sep:
        scheme, rest = "", url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    _, at, host = rest[:end].rpartition("@")
    return f"{scheme}{sep}{REDACTED}@{host}{rest[end:]}" if at else url


def endpoint_problem(url: str) -> Optional[str]:
    """Why ``url`` cannot be an Agora endpoint, or ``None``. An endpoint is an origin: scheme, host, port.

    A path typed after the host (``http://127.0.0.1:8787/agora``) would put every request under another
    path, where a 404 would be mistaken for "the setting is gone"; credentials in the URL would be logged,
    so no message here prints them (:func:`shown_url`).
    """
    shown = shown_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return f"{shown!r} is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http(s) URL such as {DEFAULT_ENDPOINT}; got {shown!r}"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials in the URL: set agora:customerId and agora:customerSecret instead"
    # ``?`` and ``#`` are refused even when what follows is empty (``http://host:8787/?``): ``urlsplit`` then
    # reports no query, but the text appended to the origin would put every request under ``/?/v1/…``.
    if parts.path not in ("", "/") or "?" in url or "#" in url:
        return (
            f"must be an origin (scheme, host and optional port) such as {DEFAULT_ENDPOINT}; "
            f"{url!r} has a path, query or fragment: remove everything after the host and port"
        )
    if parts.hostname.endswith("."):
        # urllib3 sends ``Host: api.example`` for ``api.example.``; a signature over the dotted name is refused.
        return f"{url!r} has a host name that ends with a dot: remove the dot ({parts.hostname.rstrip('.')})"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return (
            f"{url!r} is plain http to another machine, which would send the credentials unencrypted: use https "
            "(plain http is allowed only for a local emulator on 127.0.0.1 or localhost)"
        )
    return None


def credential_problem(value: str) -> Optional[str]:
    """Why a customer ID or secret cannot be what Agora issued, or ``None``. Agora's are printable ASCII; a
    non-ASCII or invisible character is a paste slip (a zero-width space, a curly quote) that would otherwise
    end deep in the HTTP stack. The message gives the position and the character's name, never the value."""
    for index, char in enumerate(value):
        if not (0x21 <= ord(char) <= 0x7E) or char in '"\\':
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            return (
                f"contains {name} (U+{ord(char):04X}) at position {index + 1}, which Agora credentials never "
                "contain (a character pasted with the value?)"
            )
    return None


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client needs. ``customer_secret`` is excluded from ``repr`` so it never reaches a log.

    ``endpoint`` (one URL: no failover) and ``endpoints`` (an ordered list to fail over along) are
    exclusive; with neither, :data:`DEFAULT_ENDPOINTS` is used.
    """

    customer_id: str
    customer_secret: str = field(repr=False)
    endpoint: Optional[str] = None
    endpoints: tuple[str, ...] = ()
    auth_scheme: str = "hmac"
    max_requests_per_second: float = DEFAULT_MAX_REQUESTS_PER_SECOND
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 4
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    backoff_jitter: float = 0.5
    max_retry_after: float = 30.0
    pool_size: int = 32
    """Pooled connections: the engine calls a provider from 4 threads and a set runs 8 requests each."""

    def __post_init__(self) -> None:
        if not self.customer_id:
            raise ConfigurationError(
                "No Agora customer ID: set it with `pulumi config set agora:customerId <id>` "
                "(or the AGORA_CUSTOMER_ID environment variable)."
            )
        if not self.customer_secret:
            raise ConfigurationError(
                "No Agora customer secret: set it with `pulumi config set --secret agora:customerSecret` (it prompts "
                "for the value) or the AGORA_CUSTOMER_SECRET environment variable."
            )
        for key, value, command in (
            ("agora:customerId", self.customer_id, "pulumi config set agora:customerId <id>"),
            ("agora:customerSecret", self.customer_secret, "pulumi config set --secret agora:customerSecret"),
        ):
            problem = credential_problem(value)
            if problem:
                raise ConfigurationError(f"{key} {problem}: set it again with `{command}`.")
        if self.endpoint is not None and self.endpoints:
            raise ConfigurationError(
                "agora:endpoint and agora:endpoints are both set: keep agora:endpoints (an ordered list to fail "
                "over along) or agora:endpoint (one URL, no failover), not both."
            )
        key = "agora:endpoints" if self.endpoints else "agora:endpoint"
        for url in self.origins:
            problem = endpoint_problem(url)
            if problem:
                raise ConfigurationError(f"{key} {problem}.")
        if self.auth_scheme not in AUTH_SCHEMES:
            raise ConfigurationError(
                f"agora:authScheme must be one of {', '.join(AUTH_SCHEMES)}, got {self.auth_scheme!r}: "
                "`pulumi config set agora:authScheme hmac` (the Media Broadcast API) or `basic`."
            )
        for name, (setting, low, high, why) in NUMBER_BOUNDS.items():
            number = getattr(self, name)
            fits = isinstance(number, (int, float)) and math.isfinite(number) and low <= number <= high
            if not fits or (number == low and name in POSITIVE_FIELDS):
                too_big = isinstance(number, (int, float)) and number > high
                if too_big:
                    bound = f"at most {high:,.10g}"
                else:
                    bound = "> 0" if name in POSITIVE_FIELDS else f">= {low:g}"
                value = f"{number:g}" if isinstance(number, (int, float)) else repr(number)
                raise ConfigurationError(
                    f"{setting} must be {bound}{why}, got {value}: `pulumi config set {setting} <number>`."
                )

    @property
    def origins(self) -> tuple[str, ...]:
        """The endpoints to try, in order, without a trailing slash."""
        urls = self.endpoints or ((self.endpoint,) if self.endpoint is not None else DEFAULT_ENDPOINTS)
        return tuple(url.rstrip("/") for url in urls)

    @property
    def is_loopback(self) -> bool:
        """Every endpoint is on this machine (the emulator): no proxy is ever used for it."""
        return all(is_loopback_host(urlsplit(url).hostname or "") for url in self.origins)

    @classmethod
    def from_sources(cls, config: Callable[[str], Any], environ: Mapping[str, str]) -> ClientConfig:
        """Stack config (``config(key)``) first, then the environment, then defaults.

        Raises :class:`ConfigurationError` naming the key to fix.
        """
        values: dict[str, Any] = {"customer_id": "", "customer_secret": ""}
        from_config = {key for key, *_ in SETTINGS if config(key) not in (None, "")}
        for key, env, name, parse in SETTINGS:
            raw = config(key)
            if raw is None or raw == "":
                # An endpoint in stack config is a complete statement: the environment's other spelling of
                # it must not add to it (which would be "both set").
                if key in _ENDPOINT_KEYS and from_config & _ENDPOINT_KEYS:
                    continue
                raw = environ.get(env) or None
            if raw is None:
                continue
            values[name] = parse(key, raw) if parse else str(raw)
        return cls(**values)


def _number(kind: Callable[[str], Union[int, float]]) -> Callable[[str, Any], Union[int, float]]:
    """A parser for a numeric setting. Values arrive as strings ("5") or, from typed YAML config, as
    numbers (5.0 after the trip through protobuf), so both spellings of a whole number are accepted."""

    def parse(key: str, raw: Any) -> Union[int, float]:
        try:
            number = float(str(raw).strip())
        except ValueError:
            number = math.nan
        whole = kind is not int or number.is_integer()
        if not math.isfinite(number) or number < 0 or not whole:
            what = "a whole number >= 0" if kind is int else "a number >= 0"
            raise ConfigurationError(f"{key} must be {what}, got {raw!r}: `pulumi config set {key} <number>`.")
        return int(number) if kind is int else number

    return parse


def _endpoint_list(key: str, raw: Any) -> tuple[str, ...]:
    """``agora:endpoints``: a list (typed YAML reaches the provider as one), JSON text of one (how the CLI
    hands it over) or comma-separated text."""
    example = f"e.g. [{DEFAULT_ENDPOINTS[0]}, {DEFAULT_ENDPOINTS[1]}]"
    items: Any
    if isinstance(raw, (list, tuple)):
        items = raw
    else:
        text = str(raw).strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                items = None
            if not isinstance(items, list):
                raise ConfigurationError(f"{key} must be a list of URLs, {example}.")
        else:
            items = text.split(",")
    if not all(isinstance(i, str) for i in items):
        raise ConfigurationError(f"{key} must be a list of URLs (text), {example}.")
    urls = tuple(i.strip() for i in items if i.strip())
    if not urls:
        raise ConfigurationError(f"{key} must list at least one URL, e.g. {','.join(DEFAULT_ENDPOINTS)}.")
    return urls


_Parser = Callable[[str, Any], Any]
_ENDPOINT_KEYS = frozenset({"agora:endpoint", "agora:endpoints"})

SETTINGS: tuple[tuple[str, str, str, Optional[_Parser]], ...] = (
    ("agora:customerId", "AGORA_CUSTOMER_ID", "customer_id", None),
    ("agora:customerSecret", "AGORA_CUSTOMER_SECRET", "customer_secret", None),
    ("agora:endpoint", "AGORA_ENDPOINT", "endpoint", None),
    ("agora:endpoints", "AGORA_ENDPOINTS", "endpoints", _endpoint_list),
    ("agora:authScheme", "AGORA_AUTH_SCHEME", "auth_scheme", None),
    ("agora:maxRequestsPerSecond", "AGORA_MAX_REQUESTS_PER_SECOND", "max_requests_per_second", _number(float)),
    ("agora:maxRetries", "AGORA_MAX_RETRIES", "max_retries", _number(int)),
    ("agora:timeoutSeconds", "AGORA_TIMEOUT_SECONDS", "read_timeout", _number(float)),
    ("agora:connectTimeoutSeconds", "AGORA_CONNECT_TIMEOUT_SECONDS", "connect_timeout", _number(float)),
    ("agora:retryBackoffSeconds", "AGORA_RETRY_BACKOFF_SECONDS", "backoff_factor", _number(float)),
    ("agora:retryJitterSeconds", "AGORA_RETRY_JITTER_SECONDS", "backoff_jitter", _number(float)),
    ("agora:maxRetryAfterSeconds", "AGORA_MAX_RETRY_AFTER_SECONDS", "max_retry_after", _number(float)),
)
"""(config key, environment variable, :class:`ClientConfig` field, parser for non-string fields)."""


def near_misses(keys: Iterable[str]) -> list[str]:
    """For each ``agora:`` key that is not a setting but looks like one (``agora:customerID``), the hint
    naming the right key: a misspelt key is otherwise just missing."""
    known = [key for key, *_ in SETTINGS]
    hints = []
    for key in keys:
        if not key.startswith("agora:") or key in known:
            continue
        same_letters = [k for k in known if k.lower() == key.lower()]
        match = same_letters or difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if match:
            hints.append(f"agora:{key.partition(':')[2]} is not a setting of this provider: did you mean {match[0]}?")
    return hints
