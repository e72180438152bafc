"""The client's configuration: what it is, and how it is read from stack config and the environment.

One place for every setting's config key, environment variable, default and parser, so the provider (which
only hands over the stack config) and any other caller read them the same way. No Pulumi, no HTTP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Union
from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_ENDPOINT = "https://api.agora.io"
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client needs. ``customer_secret`` is excluded from ``repr`` so it never reaches a log."""

    customer_id: str
    customer_secret: str = field(repr=False)
    endpoint: str = DEFAULT_ENDPOINT
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 4
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    backoff_jitter: float = 0.5
    max_retry_after: float = 30.0
    pool_size: int = 8

    def __post_init__(self) -> None:
        if not self.customer_id:
            raise ConfigurationError(
                "No Agora customer ID: set it with `pulumi config set agora:customerId <id>` "
                "(or the AGORA_CUSTOMER_ID environment variable)."
            )
        if not self.customer_secret:
            raise ConfigurationError(
                "No Agora customer secret: set it with `pulumi config set --secret agora:customerSecret <secret>` "
                "(or the AGORA_CUSTOMER_SECRET environment variable)."
            )
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"agora:endpoint must be an http(s) URL such as {DEFAULT_ENDPOINT}; got {self.endpoint!r}."
            )
        if parts.scheme == "http" and not self.is_loopback:
            raise ConfigurationError(
                f"agora:endpoint {self.endpoint!r} is plain http to another machine, which would send the customer "
                "secret unencrypted: use https (plain http is allowed only for a local emulator on 127.0.0.1)."
            )
        for key, value, minimum in (
            ("agora:maxRetries", self.max_retries, 0),
            ("agora:timeoutSeconds", self.read_timeout, None),
            ("agora:connectTimeoutSeconds", self.connect_timeout, None),
        ):
            if (minimum is not None and value < minimum) or (minimum is None and value <= 0):
                bound = f">= {minimum}" if minimum is not None else "> 0"
                raise ConfigurationError(f"{key} must be {bound}, got {value:g}: `pulumi config set {key} <number>`.")

    @property
    def is_loopback(self) -> bool:
        host = urlsplit(self.endpoint).hostname or ""
        return host in _LOOPBACK_HOSTS or host.startswith("127.")

    @classmethod
    def from_sources(cls, config: Callable[[str], Any], environ: Mapping[str, str]) -> ClientConfig:
        """Stack config (``config(key)``) first, then the environment, then defaults.

        Raises :class:`ConfigurationError` naming the key to fix.
        """
        values: dict[str, Any] = {"customer_id": "", "customer_secret": "", "endpoint": DEFAULT_ENDPOINT}
        for key, env, name, parse in SETTINGS:
            raw = config(key)
            if raw is None or raw == "":
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


SETTINGS: tuple[tuple[str, str, str, Optional[Callable[[str, Any], Union[int, float]]]], ...] = (
    ("agora:customerId", "AGORA_CUSTOMER_ID", "customer_id", None),
    ("agora:customerSecret", "AGORA_CUSTOMER_SECRET", "customer_secret", None),
    ("agora:endpoint", "AGORA_ENDPOINT", "endpoint", None),
    ("agora:maxRetries", "AGORA_MAX_RETRIES", "max_retries", _number(int)),
    ("agora:timeoutSeconds", "AGORA_TIMEOUT_SECONDS", "read_timeout", _number(float)),
    ("agora:connectTimeoutSeconds", "AGORA_CONNECT_TIMEOUT_SECONDS", "connect_timeout", _number(float)),
    ("agora:retryBackoffSeconds", "AGORA_RETRY_BACKOFF_SECONDS", "backoff_factor", _number(float)),
    ("agora:retryJitterSeconds", "AGORA_RETRY_JITTER_SECONDS", "backoff_jitter", _number(float)),
    ("agora:maxRetryAfterSeconds", "AGORA_MAX_RETRY_AFTER_SECONDS", "max_retry_after", _number(float)),
)
"""(config key, environment variable, :class:`ClientConfig` field, parser for non-string fields)."""
