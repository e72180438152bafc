"""The HTTP client for Agora's FLS snapshot-settings API.

Knows HTTP and the API's paths; knows nothing of Pulumi. One ``requests.Session`` per client gives a
connection pool shared by the provider's worker threads. Attempts are made by :meth:`AgoraClient._send`, not
inside urllib3, because each must be signed afresh (its own ``Date``, for the host it goes to), wait for the
process-wide rate limit and may go to the next endpoint. Whether and when to retry is still urllib3's
``Retry`` (:class:`AgoraRetry` adds a ceiling on ``Retry-After`` and makes the first retry back off too),
consulted between attempts: backoff with jitter, ``Retry-After``, and which errors are safe to retry. Both
methods used here (GET, and PATCH, which sets absolute values and so is idempotent) are retried on
connection errors, read timeouts, 429 and 5xx. A 429 also slows the whole process (the shared bucket of
:mod:`.ratelimit`) and, while the call's deadline allows, is waited out without counting toward giving up: the
account's budget is shared with other deployments, and their traffic is no reason to fail.

The retry policy is built by :func:`build_retry` from a :class:`ClientConfig`, so tests can pin it
(``backoff_jitter=0``) and the worst-case time of a call is computable: see :func:`worst_case_seconds`.
"""

from __future__ import annotations

import json
import math
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Optional, Sequence
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
from .client_config import DEFAULT_ENDPOINT, ClientConfig, shown_url
from .errors import (
    MAYBE_APPLIED,
    REDACTED,
    AgoraError,
    APIError,
    ConfigurationError,
    InvalidResponseError,
    TransportError,
    auth_scheme_note,
    error_class_for,
    leaks_secret,
    redact,
)
from .identity import SettingIdentity
from .kinds import LEGACY, SettingKind
from .names import SECRET_STORAGE_FIELDS
from .ratelimit import THROTTLE_WINDOW, TokenBucket, shared_bucket
from .signing import basic_authorization, hmac_headers, host_header, http_date

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ANSWER_BYTES = 1024 * 1024
"""The largest answer read: Agora's are a few hundred bytes; anything near this came from elsewhere, and
reading it whole would cost its size in memory (a 100 MB answer once cost 286 MiB)."""
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
    """An upper bound on one call's own duration: every attempt times out and every backoff is at its cap.
    Waiting for the process's share of the account's rate (the shared bucket, paused and slowed by 429s) comes
    on top: that wait is the account's, not the call's, and a call that gave up on it would only fail a
    deployment another one had slowed (issue 22)."""
    attempts = config.max_retries + 1
    waits = 0.0
    for n in range(1, attempts):
        backoff = min(config.backoff_max, config.backoff_factor * (2 ** (n - 1)) + config.backoff_jitter)
        waits += max(backoff, config.max_retry_after)
    return attempts * (config.connect_timeout + config.read_timeout) + waits


def settings_path(identity: SettingIdentity, kind: SettingKind = LEGACY) -> str:
    """The API path of ``kind``'s setting; every segment is percent-encoded so no input can change the path's
    shape."""
    app_id, entry_point, region = (quote(part, safe="") for part in identity)
    return f"/v1/projects/{app_id}/fls/entry_points/{entry_point}/settings/{kind.path}/regions/{region}"


def _agora_message(response: requests.Response, secrets: Sequence[str]) -> Optional[str]:
    """Agora's own error message, or ``None`` when it cannot be shown safely.

    A server (or a proxy posing as one) may echo part of the request: the body with its keys, or the
    ``Authorization`` header. Replacing whole secrets is not enough (a cut or re-encoded piece escapes it), so
    a message sharing any piece of :data:`~agora_pulumi.errors.PIECE` characters with a secret, in any of the
    encodings :func:`~agora_pulumi.errors.secret_pieces` knows, is dropped whole; the status and the request id
    still say what happened.
    """
    if not response.content:
        return None
    try:
        body = response.json()
    except (ValueError, RecursionError):
        text = response.text.strip()
        message = text if text and "<" not in text[:1] else None
    else:
        message = None
        if isinstance(body, dict):
            for key in ("message", "reason", "error", "msg"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    message = value
                    break
    if message is None:
        return None
    message = " ".join(message.split())  # one line: the error's last line must say everything
    if leaks_secret(message, secrets):
        return "(the answer's text is withheld: it repeats part of the request's credentials)"
    return redact(message, secrets)[:500]


def _request_id(response: requests.Response, secrets: Sequence[str]) -> Optional[str]:
    """The answer's request id (header, else body), or ``[redacted]`` when it holds any piece of a credential:
    whatever answered may have copied the request into it."""
    found: Optional[str] = None
    for header in ("X-Request-Id", "X-Request-ID", "Request-Id"):
        if header in response.headers:
            found = response.headers[header]
            break
    if found is None:
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict):
            for key in ("requestId", "request_id"):
                if isinstance(body.get(key), str):
                    found = str(body[key])
                    break
    if found is None:
        return None
    found = " ".join(found.split())[:200]
    return REDACTED if leaks_secret(found, secrets) else found


def _read_capped(response: requests.Response) -> bool:
    """Read the body into ``response.content`` unless it is larger than :data:`MAX_ANSWER_BYTES` (then close
    the connection and return ``False``): by its ``Content-Length`` before reading, else (chunked, or read
    until the connection closes) as soon as the count passes the cap. Decompressed bytes are counted."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        response.close()
        return False
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            response.close()
            return False
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what ``response.content`` would have read, now bounded
    return True


def _is_empty_or_json(response: requests.Response) -> bool:
    """An answer Agora could have sent: no body, or a JSON document (anything else came from elsewhere)."""
    if not response.content.strip():
        return True
    try:
        response.json()
    except (ValueError, RecursionError):
        return False
    return True


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "no Content-Type").split(";")[0].strip() or "no Content-Type"


class AgoraClient:
    """Reads and writes snapshot settings. Thread-safe: one pooled session, no per-call state.

    Every attempt is built here, not inside urllib3: it is signed afresh (a retry carries its own ``Date``
    and signature, for the host it goes to), it waits for the process-wide rate limit, and after a
    connection error, a timeout, 429 or 5xx it goes to the next endpoint. Whether and when to retry is still
    urllib3's :class:`Retry` (:func:`build_retry`), consulted between attempts.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        clock: Callable[[], float] = time.time,
        limiter: Optional[TokenBucket] = None,
    ) -> None:
        self.config = config
        self._origins = config.origins
        self._clock = clock
        self._limiter = limiter if limiter is not None else shared_bucket(config.max_requests_per_second)
        self._basic: Optional[str] = None
        key = "agora:endpoints" if config.endpoints else "agora:endpoint"
        self._hosts: dict[str, str] = {}
        for origin in self._origins:
            try:
                self._hosts[origin] = host_header(origin)
            except (ValueError, UnicodeError):
                raise ConfigurationError(
                    f"{key}: {origin!r} has a host name that cannot be sent (not a valid internationalised "
                    "name): write the host in its ASCII xn-- form, as your DNS provider shows it."
                ) from None
        if config.auth_scheme == "basic":
            try:
                self._basic = basic_authorization(config.customer_id, config.customer_secret)
            except ValueError as exc:
                raise ConfigurationError(f"{exc}.") from None
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        session.headers["Accept"] = "application/json"
        # The environment's proxy and CA settings (HTTPS_PROXY, REQUESTS_CA_BUNDLE) are honoured: corporate
        # egress needs them. A loopback endpoint (the emulator) is never sent through a proxy.
        self._proxies: Optional[dict[str, Optional[str]]] = (
            {"http": None, "https": None} if config.is_loopback else None
        )
        adapter = HTTPAdapter(max_retries=0, pool_connections=len(self._origins), pool_maxsize=config.pool_size)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._session = session

    def close(self) -> None:
        self._session.close()

    def get_setting(self, identity: SettingIdentity, kind: SettingKind = LEGACY) -> dict[str, Any]:
        """GET the setting; raises :class:`NotFoundError` for an unknown entry point."""
        path = settings_path(identity, kind)
        response, origin, secrets = self._send("GET", path, None)
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise InvalidResponseError(
                method="GET", path=path, status=response.status_code, request_id=_request_id(response, secrets),
                agora_message=f"the body from {origin} is not a JSON object ({_content_type(response)})",
            )
        return body

    def patch_setting(self, identity: SettingIdentity, body: dict[str, Any], kind: SettingKind = LEGACY) -> None:
        """PATCH the given fields; Agora merges them into the stored setting."""
        path = settings_path(identity, kind)
        response, origin, secrets = self._send("PATCH", path, body)
        if not _is_empty_or_json(response):
            # A captive portal or proxy answering 200 for Agora: nothing says the change was applied.
            raise InvalidResponseError(
                method="PATCH", path=path, status=response.status_code, request_id=_request_id(response, secrets),
                agora_message=(
                    f"the 200 answer from {origin} is neither empty nor JSON ({_content_type(response)}), so "
                    "nothing says Agora applied the change"
                ),
            )

    def _auth_headers(self, method: str, origin: str, path: str, data: bytes) -> dict[str, str]:
        if self._basic is not None:
            return {"Authorization": self._basic}
        return hmac_headers(
            customer_id=self.config.customer_id,
            customer_secret=self.config.customer_secret,
            method=method,
            host=self._hosts[origin],
            path=path,
            body=data,
            date=http_date(self._clock()),
        )

    def _send(
        self, method: str, path: str, body: Optional[dict[str, Any]]
    ) -> tuple[requests.Response, str, list[str]]:
        """One call: attempts until a final answer; returns the 200 response, the endpoint that gave it and the
        secrets its request carried (for anything built from the answer)."""
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        secrets = [self.config.customer_secret, *_secrets_in(body)]
        retry: Retry = build_retry(self.config)
        tried: list[str] = []
        # Whether any attempt so far may have reached Agora and been applied, its answer lost (a PATCH only).
        maybe_applied = False
        index = 0
        deadline = time.monotonic() + worst_case_seconds(self.config)
        throttled = 0  # 429s waited out: not counted toward giving up
        while True:
            origin = self._origins[index % len(self._origins)]
            if origin not in tried:
                tried.append(origin)
            url = origin + path
            # Wait for the rate limit first, then sign: a Date taken before a long wait could be stale on arrival.
            self._limiter.acquire()
            headers = self._auth_headers(method, origin, path, data)
            if body is not None:
                headers["Content-Type"] = "application/json"
            # Every attempt's signature, not only the last one's: an answer may quote any request it saw.
            secrets.append(_credential_part(headers["Authorization"]))
            prepared = self._session.prepare_request(
                requests.Request(method, url, data=data if body is not None else None, headers=headers)
            )
            self._check_target(method, origin, path, prepared)
            # What ``Session.request`` adds: the environment's proxies and CA bundle (None values: "no proxy").
            environment = self._session.merge_environment_settings(
                prepared.url, dict(self._proxies or {}), True, None, None  # type: ignore[arg-type]
            )
            try:
                # Streamed, so the body is read here under a cap instead of whole by requests.
                response = self._session.send(
                    prepared,
                    timeout=(self.config.connect_timeout, self.config.read_timeout),
                    allow_redirects=False,
                    **environment,
                )
                complete = _read_capped(response)
            except requests.exceptions.RequestException as exc:
                maybe_applied = maybe_applied or (method == "PATCH" and _request_may_have_arrived(exc))
                error = _underlying(exc)
                try:
                    # An error urllib3 does not know counts as "other" (budget 0): not retried.
                    retry = retry.increment(method, url, error=error if isinstance(error, Exception) else exc)
                except Exception:  # noqa: BLE001 - urllib3 ends the budget with MaxRetryError or the error itself
                    raise self._transport_error(
                        method, path, exc, tried, len(retry.history) + 1 + throttled, secrets, maybe_applied
                    ) from None
                retry.sleep()
                index += 1
                continue
            status = response.status_code
            if not complete:
                raise InvalidResponseError(
                    method=method, path=path, status=status, attempts=len(retry.history) + 1,
                    maybe_applied=maybe_applied,
                    agora_message=(
                        f"the answer from {origin} is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB, which no "
                        "answer of Agora's is, so it was not read"
                    ),
                )
            if status == 429 and self._wait_out_throttle(retry, response, deadline):
                response.close()
                throttled += 1
                continue  # the same endpoint: the budget is the account's, wherever the request goes
            if status in RETRY_STATUSES and retry.is_retry(method, status, "Retry-After" in response.headers):
                try:
                    retry = retry.increment(method, url, response=response.raw)
                except MaxRetryError:
                    pass  # budget spent: this answer is the final one
                else:
                    retry.sleep(response.raw)
                    response.close()
                    index += 1
                    continue
            if status == 200:
                return response, origin, secrets
            raise self._api_error(
                method, path, response, origin, tried, len(retry.history) + 1 + throttled, secrets, maybe_applied
            )

    def _check_target(self, method: str, origin: str, path: str, prepared: requests.PreparedRequest) -> None:
        """Refuse to send a request anywhere but the API path it was signed for: an origin carrying a query or
        fragment, however empty (``…/?``), would move it to ``/?/v1/…``, where any 404 would pass for "gone".
        The configuration refuses such origins; this is the last line should one ever get through."""
        if prepared.path_url != path:
            key = "agora:endpoints" if self.config.endpoints else "agora:endpoint"
            raise ConfigurationError(
                f"{key} {shown_url(origin)!r} would send {method} to {prepared.path_url!r} instead of the API's {path}: set "
                f"it to an origin (scheme, host and optional port) such as {DEFAULT_ENDPOINT}."
            )

    def _wait_out_throttle(self, retry: Retry, response: requests.Response, deadline: float) -> bool:
        """A 429 slows the whole process (the shared bucket pauses briefly and lowers its rate) and this call
        waits the whole ``Retry-After`` (:data:`THROTTLE_WINDOW` without one) before trying again, uncounted:
        yes while its overall deadline (:func:`worst_case_seconds` from its start) leaves room for the wait,
        else the 429 counts like a 503 (whose retry waits ``Retry-After`` too)."""
        pause = retry.get_retry_after(response.raw) or 0.0
        self._limiter.throttled(pause)
        wait = pause or THROTTLE_WINDOW
        if time.monotonic() + wait >= deadline:
            return False
        time.sleep(wait)
        return True

    def _api_error(
        self,
        method: str,
        path: str,
        response: requests.Response,
        origin: str,
        tried: Sequence[str],
        attempts: int,
        secrets: Sequence[str],
        maybe_applied: bool,
    ) -> APIError:
        status = response.status_code
        request_id = _request_id(response, secrets)
        if status == 404 and response.request.path_url != path:
            # Defence in depth (see ``_check_target``): a 404 for another path says nothing about this setting.
            return InvalidResponseError(
                method=method, path=path, status=status, request_id=request_id, attempts=attempts,
                agora_message=f"a 404 from {origin} for another path than the one asked for",
                maybe_applied=maybe_applied,
            )
        if status == 404 and not _is_empty_or_json(response):
            # Agora's 404 is empty or JSON; an HTML page is a proxy or a path typed after the host. Taking it
            # for "the setting is gone" would drop the resource from state while snapshot capturing stays on.
            return InvalidResponseError(
                method=method, path=path, status=status, request_id=request_id, attempts=attempts,
                agora_message=f"a 404 from {origin} that is not Agora's ({_content_type(response)})",
                maybe_applied=maybe_applied,
            )
        cls = error_class_for(status)
        return cls(
            method=method,
            path=path,
            status=status,
            request_id=request_id,
            agora_message=_agora_message(response, secrets),
            attempts=attempts,
            endpoints=tuple(tried),
            note=(
                # only a signed Date can be "too old"; a skewed clock says more than the scheme
                (clock_skew_note(response.headers.get("Date"), self._clock()) if self._basic is None else None)
                or auth_scheme_note("basic" if self._basic is not None else "hmac")
                if status == 401
                else None
            ),
            maybe_applied=maybe_applied,
        )

    def _transport_error(
        self,
        method: str,
        path: str,
        exc: requests.exceptions.RequestException,
        tried: Sequence[str],
        attempts: int,
        secrets: Sequence[str],
        maybe_applied: bool,
    ) -> TransportError:
        reason = _transport_reason(exc, self.config)
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        key = "agora:endpoints" if len(self._origins) > 1 else "agora:endpoint"
        where = ", ".join(tried)
        return TransportError(
            redact(
                f"Could not complete {method} {path} at {key} {where}{tries}: {reason}."
                f"{' ' + MAYBE_APPLIED if maybe_applied else ''} Check "
                "the endpoint and your network; raise agora:timeoutSeconds or agora:maxRetries if Agora is slow.",
                secrets,
            )
        )


CLOCK_SKEW_WINDOW_SECONDS = 300.0
"""How far a request's ``Date`` may be from the gateway's clock (the common hmac-auth default)."""


def clock_skew_note(server_date: Optional[str], now: float) -> Optional[str]:
    """When a 401 carries a ``Date`` further than the window from the local clock, say by how much: a
    signature dated outside the gateway's window is refused however right the secret is."""
    if not server_date:
        return None
    try:
        server = parsedate_to_datetime(server_date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    offset = now - server
    if abs(offset) <= CLOCK_SKEW_WINDOW_SECONDS:
        return None
    direction = "ahead of" if offset > 0 else "behind"
    # Agora's date as we read it, re-formatted: the header's own text could carry anything a server echoed.
    return (
        f"The local clock is {abs(offset):.0f} seconds {direction} Agora's (its Date: {http_date(server)}); HMAC "
        f"signatures are refused beyond {CLOCK_SKEW_WINDOW_SECONDS:.0f} s: synchronise the clock (NTP)."
    )


def _secrets_in(body: Optional[dict[str, Any]]) -> list[str]:
    storage = (body or {}).get("storageConfig") or {}
    return [v for k, v in storage.items() if k in SECRET_STORAGE_FIELDS and isinstance(v, str)]


def _credential_part(authorization: str) -> str:
    """The part of an ``Authorization`` value that proves the secret: the Basic token or the HMAC signature
    (the rest, ``hmac username=…, algorithm=…``, is public and would make every message look like a leak)."""
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "hmac":
        return rest.rpartition('signature="')[2].rstrip('"')
    return rest


def _underlying(exc: requests.exceptions.RequestException) -> Any:
    """The urllib3 error requests wrapped: the last attempt's error when the retries ran out."""
    inner = exc.args[0] if exc.args else None
    return inner.reason if isinstance(inner, MaxRetryError) else inner



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
