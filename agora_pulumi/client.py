"""The HTTP client for Agora's FLS snapshot-settings API.

Knows HTTP and the API's paths; knows nothing of Pulumi. One ``requests.Session`` per client gives a
connection pool shared by the provider's worker threads. Retries are urllib3's ``Retry`` (mounted on the
session's adapter), not a loop of ours: it already does backoff with jitter, ``Retry-After`` and the
distinction between errors that are safe to retry and those that are not (:class:`AgoraRetry` adds a
ceiling on ``Retry-After`` and makes the first retry back off too). Both methods used here (GET, and
PATCH, which sets absolute values and so is idempotent) are retried on connection errors, read timeouts,
429 and 5xx.

The retry policy is built by :func:`build_retry` from a :class:`ClientConfig`, so tests can pin it
(``backoff_jitter=0``) and the worst-case time of a call is computable: see :func:`worst_case_seconds`.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any, Optional
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from ._version import __version__
from .client_config import DEFAULT_ENDPOINT, ClientConfig
from .errors import (
    AgoraError,
    InvalidResponseError,
    TransportError,
    error_class_for,
    redact,
)
from .identity import SettingIdentity
from .names import SECRET_STORAGE_FIELDS

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"agora-pulumi/{__version__} python-requests/{requests.__version__}"


class AgoraRetry(Retry):
    """urllib3's Retry with a ceiling on ``Retry-After``, so a server asking for an hour cannot hang ``up``."""

    max_retry_after: float = 30.0

    def new(self, **kw: Any) -> AgoraRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds to wait, at most ``max_retry_after``. A value urllib3 cannot parse (fractional seconds,
        garbage) is not fatal: fractional seconds are honoured, anything else falls back to the backoff."""
        try:
            seconds = super().parse_retry_after(retry_after)
        except InvalidHeader:
            try:
                seconds = float(retry_after.strip())
            except ValueError:
                return 0.0  # ``sleep_for_retry`` then uses the exponential backoff
            if not math.isfinite(seconds) or seconds < 0:
                return 0.0
        return min(seconds, self.max_retry_after)

    def get_backoff_time(self) -> float:
        """``backoff_factor * 2**(n-1)`` plus up to ``backoff_jitter`` after the n-th consecutive failure,
        capped at ``backoff_max``. urllib3 retries the *first* failure at once and without jitter, which
        makes every client of a struggling API retry in lockstep; here every retry waits."""
        consecutive = 0
        for entry in reversed(self.history):
            if entry.redirect_location is not None:
                break
            consecutive += 1
        if consecutive == 0:
            return 0.0
        value = self.backoff_factor * (2 ** (consecutive - 1))
        if self.backoff_jitter:
            value += random.random() * self.backoff_jitter  # noqa: S311 - jitter, not cryptography
        return float(max(0.0, min(self.backoff_max, value)))


def build_retry(config: ClientConfig) -> AgoraRetry:
    """The retry policy: what is retried, how often, how long apart. Isolated so tests can pin it."""
    retry = AgoraRetry(
        total=config.max_retries,
        connect=config.max_retries,
        read=config.max_retries,
        status=config.max_retries,
        other=0,
        allowed_methods=frozenset({"GET", "PATCH"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=config.backoff_factor,
        backoff_max=config.backoff_max,
        backoff_jitter=config.backoff_jitter,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    retry.max_retry_after = config.max_retry_after
    return retry


def worst_case_seconds(config: ClientConfig) -> float:
    """An upper bound on one call's duration: every attempt times out and every backoff is at its cap."""
    attempts = config.max_retries + 1
    waits = 0.0
    for n in range(1, attempts):
        backoff = min(config.backoff_max, config.backoff_factor * (2 ** (n - 1)) + config.backoff_jitter)
        waits += max(backoff, config.max_retry_after)
    return attempts * (config.connect_timeout + config.read_timeout) + waits


def settings_path(identity: SettingIdentity) -> str:
    """The API path; every segment is percent-encoded so no input can change the path's shape."""
    segments = (quote(part, safe="") for part in identity)
    return "/v1/projects/{}/fls/entry_points/{}/settings/snapshot/regions/{}".format(*segments)


def _agora_message(response: requests.Response, secrets: list[str]) -> Optional[str]:
    """Agora's own error message, redacted *before* it is shortened (a cut secret would escape redaction)."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return redact(text, secrets)[:200] if text and "<" not in text[:1] else None
    if isinstance(body, dict):
        for key in ("message", "reason", "error", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return redact(value, secrets)[:500]
    return None


def _request_id(response: requests.Response) -> Optional[str]:
    for header in ("X-Request-Id", "X-Request-ID", "Request-Id"):
        if header in response.headers:
            return response.headers[header]
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in ("requestId", "request_id"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return None


class AgoraClient:
    """Reads and writes snapshot settings. Thread-safe: one pooled session, no per-call state."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self._base = config.endpoint.rstrip("/")
        session = requests.Session()
        session.auth = (config.customer_id, config.customer_secret)
        session.headers["User-Agent"] = USER_AGENT
        session.headers["Accept"] = "application/json"
        # The environment's proxy and CA settings (HTTPS_PROXY, REQUESTS_CA_BUNDLE) are honoured: corporate
        # egress needs them. A loopback endpoint (the emulator) is never sent through a proxy.
        self._proxies: Optional[dict[str, Optional[str]]] = (
            {"http": None, "https": None} if config.is_loopback else None
        )
        adapter = HTTPAdapter(
            max_retries=build_retry(config), pool_connections=1, pool_maxsize=config.pool_size
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._session = session

    def close(self) -> None:
        self._session.close()

    def get_setting(self, identity: SettingIdentity) -> dict[str, Any]:
        """GET the setting; raises :class:`NotFoundError` for an unknown entry point."""
        path = settings_path(identity)
        response = self._send("GET", path, None)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise InvalidResponseError(
                method="GET", path=path, status=response.status_code, request_id=_request_id(response),
                agora_message="the body is not a JSON object",
            )
        return body

    def patch_setting(self, identity: SettingIdentity, body: dict[str, Any]) -> None:
        """PATCH the given fields; Agora merges them into the stored setting."""
        self._send("PATCH", settings_path(identity), body)

    def _send(self, method: str, path: str, body: Optional[dict[str, Any]]) -> requests.Response:
        secrets = [self.config.customer_secret, *_secrets_in(body)]
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if data is not None else None
        try:
            response = self._session.request(
                method,
                self._base + path,
                data=data,
                headers=headers,
                timeout=(self.config.connect_timeout, self.config.read_timeout),
                proxies=self._proxies,  # type: ignore[arg-type]  # None values mean "no proxy" to requests
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            reason = _transport_reason(exc, self.config)
            # Only an exhausted retry budget means every attempt was made; other errors end the call at once.
            tries = f" after {self.config.max_retries + 1} attempts" if _retries_exhausted(exc) else ""
            maybe_applied = (
                " Agora may have applied the change before the connection failed; running the command again "
                "is safe (the request sets absolute values)."
                if method == "PATCH" and _request_may_have_arrived(exc)
                else ""
            )
            raise TransportError(
                redact(
                    f"Could not complete {method} {path} at agora:endpoint {self._base}{tries}: {reason}."
                    f"{maybe_applied} Check the endpoint and your network; raise agora:timeoutSeconds or "
                    "agora:maxRetries if Agora is slow.",
                    secrets,
                )
            ) from None
        if response.status_code == 200:
            return response
        attempts = 1
        history = getattr(getattr(response.raw, "retries", None), "history", ())
        attempts += len(history or ())
        request_id = _request_id(response)
        raise error_class_for(response.status_code)(
            method=method,
            path=path,
            status=response.status_code,
            request_id=redact(request_id, secrets) if request_id else None,
            agora_message=_agora_message(response, secrets),
            attempts=attempts,
        )


def _secrets_in(body: Optional[dict[str, Any]]) -> list[str]:
    storage = (body or {}).get("storageConfig") or {}
    return [v for k, v in storage.items() if k in SECRET_STORAGE_FIELDS and isinstance(v, str)]


def _underlying(exc: requests.exceptions.RequestException) -> Any:
    """The urllib3 error requests wrapped: the last attempt's error when the retries ran out."""
    inner = exc.args[0] if exc.args else None
    return inner.reason if isinstance(inner, MaxRetryError) else inner


def _retries_exhausted(exc: requests.exceptions.RequestException) -> bool:
    return bool(exc.args) and isinstance(exc.args[0], MaxRetryError)


def _request_may_have_arrived(exc: requests.exceptions.RequestException) -> bool:
    """Anything but a failure to connect (refused, unresolvable, connect timeout): the request may have been
    sent, and processed, before the answer was lost."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    return not isinstance(_underlying(exc), (NewConnectionError, ConnectTimeoutError))


def _transport_reason(exc: requests.exceptions.RequestException, config: ClientConfig) -> str:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connecting timed out (agora:connectTimeoutSeconds = {config.connect_timeout:g})"
    # After the retries ran out, requests reports a read timeout as a ConnectionError wrapping it.
    if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(_underlying(exc), ReadTimeoutError):
        return f"Agora did not answer within agora:timeoutSeconds ({config.read_timeout:g} s)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        if "Connection refused" in text:
            return "the connection was refused"
        if "reset" in text.lower() or "aborted" in text.lower() or "RemoteDisconnected" in text:
            return "the connection was closed without an answer"
        return "the connection failed"
    return type(exc).__name__


__all__ = [
    "DEFAULT_ENDPOINT",
    "USER_AGENT",
    "AgoraClient",
    "AgoraError",
    "AgoraRetry",
    "ClientConfig",
    "build_retry",
    "settings_path",
    "worst_case_seconds",
]
