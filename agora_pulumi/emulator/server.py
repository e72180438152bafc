"""The HTTP side of the emulator: framing, routing, fault injection, admin endpoints and logging.

``http.server.ThreadingHTTPServer`` serves each connection in its own daemon thread, so one slow or
stalled client never blocks another; a per-connection socket timeout (``--socket-timeout``) reclaims
connections that stop sending (slowloris). HTTP/1.1 keep-alive is supported because real clients
(``requests.Session``) reuse connections, and a connection-level fault must behave like it does there.

Everything a test may want to observe or steer lives under ``/_emulator/`` (no auth: the emulator is a
loopback dev tool). Every response, admin ones and protocol errors included, carries ``X-Request-Id``;
every request is logged as one line on stderr with method, path, status, request id and duration, and
never a body or a header value, so no secret can reach a log.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Mapping, NoReturn, Optional, Set, Tuple
from urllib.parse import unquote

from .models import (
    DEFAULT_CUSTOMER_ID,
    DEFAULT_CUSTOMER_SECRET,
    EntryPoints,
    JsonObject,
    RequestLog,
    SettingKey,
    SettingsStore,
    redact,
)
from .responses import (
    MAX_BODY_BYTES,
    Headers,
    Response,
    SnapshotSettingsApi,
    error_response,
    json_response,
)

ADMIN_PREFIX = "/_emulator"
FAULT_ACTIONS = ("reset", "delay", "garbage", "truncated")
GARBAGE_BODY = b"<html>oops"
TRUNCATED_BODY = b'{"enabled": tr'
MAX_DELAY_SECONDS = 600.0
LINGER_SECONDS = 1.0
LINGER_BYTES = 1 << 20
MAX_REQUEST_LINE = 65536

LogSink = Callable[[str], None]


# ------------------------------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class FaultItem:
    """One scripted fault, consumed by the first API request it matches.

    ``kind`` is ``status`` (answer ``status``, with ``Retry-After`` when ``retry_after`` is set), ``reset``
    (close the socket with a TCP RST and no response), ``delay`` (sleep ``seconds`` then answer normally),
    ``garbage`` (200 ``text/html`` ``<html>oops``) or ``truncated`` (200 ``{"enabled": tr``).
    ``method`` restricts which requests consume it. ``apply`` processes the request for real *before* the
    fault is answered (the write happened, the client never learns it), which is how a lost response is
    simulated; it is accepted on every kind but ``delay``, which always processes the request.
    """

    kind: str
    status: int = 0
    retry_after: Optional[str] = None
    method: Optional[str] = None
    apply: bool = False
    seconds: float = 0.0

    def matches(self, method: str) -> bool:
        """Whether a request with this method consumes the item."""
        return self.method is None or self.method == method

    def label(self) -> str:
        """Short description for the request log's ``fault`` field and the stderr log."""
        if self.kind == "status":
            text = f"status:{self.status}"
        elif self.kind == "delay":
            text = f"delay:{self.seconds:g}"
        else:
            text = self.kind
        return text + ("+apply" if self.apply else "")

    def to_json(self) -> JsonObject:
        """The admin-API form (the same shape ``from_json`` accepts)."""
        out: JsonObject = {}
        if self.kind == "status":
            out["status"] = self.status
            if self.retry_after is not None:
                out["retry_after"] = self.retry_after
        else:
            out["action"] = self.kind
            if self.kind == "delay":
                out["seconds"] = self.seconds
        if self.method is not None:
            out["method"] = self.method
        if self.apply:
            out["apply"] = True
        return out

    @classmethod
    def from_json(cls, obj: Any) -> FaultItem:
        """Parse one queue item of ``POST /_emulator/faults``; ``ValueError`` with a readable message."""
        if not isinstance(obj, dict):
            raise ValueError(f"fault queue item must be an object, got {obj!r}")
        allowed = {"status", "retry_after", "method", "apply", "action", "seconds"}
        extra = sorted(set(obj) - allowed)
        if extra:
            raise ValueError(f"unknown fault field {extra[0]!r}; allowed: {', '.join(sorted(allowed))}")
        method = obj.get("method")
        if method is not None and (not isinstance(method, str) or not method.strip()):
            raise ValueError("fault 'method' must be a non-empty string such as GET or PATCH")
        apply = obj.get("apply", False)
        if not isinstance(apply, bool):
            raise ValueError("fault 'apply' must be a boolean")
        norm_method = method.strip().upper() if isinstance(method, str) else None
        if "action" in obj:
            action = obj["action"]
            if action not in FAULT_ACTIONS:
                raise ValueError(f"fault 'action' must be one of {', '.join(FAULT_ACTIONS)}, got {action!r}")
            if "status" in obj or "retry_after" in obj:
                raise ValueError("a fault has either 'status' or 'action', not both")
            seconds = 0.0
            if action == "delay":
                seconds = _number(obj.get("seconds"), "seconds", 0.0, MAX_DELAY_SECONDS)
                apply = False
            elif "seconds" in obj:
                raise ValueError("'seconds' only applies to the delay action")
            return cls(kind=str(action), method=norm_method, apply=apply, seconds=seconds)
        if "status" not in obj:
            raise ValueError("fault needs 'status' (an HTTP error status) or 'action'")
        if "seconds" in obj:
            raise ValueError("'seconds' only applies to the delay action")
        status = _status(obj["status"], "status")
        return cls(
            kind="status",
            status=status,
            retry_after=_retry_after(obj.get("retry_after")),
            method=norm_method,
            apply=apply,
        )


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{name!r} must be a number in [{low:g}, {high:g}], got {value!r}")
    return float(value)


def _status(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError(f"{name!r} must be an HTTP error status (400-599), got {value!r}")
    return value


def _retry_after(value: Any) -> Optional[str]:
    """``Retry-After`` header text: a number of seconds (integral values print as integers; fractional ones
    are sent as-is, which is non-standard but lets tests stay fast) or a string sent verbatim (an HTTP date,
    or something deliberately malformed)."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value or any(c in value for c in "\r\n"):
            raise ValueError("'retry_after' string must be non-empty and a single line")
        return value
    seconds = _number(value, "retry_after", 0.0, 86400.0)
    return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"


@dataclass(frozen=True)
class FaultConfig:
    """The whole fault configuration; ``POST /_emulator/faults`` replaces it as a unit."""

    queue: Tuple[FaultItem, ...] = ()
    fail_rate: float = 0.0
    latency_ms: float = 0.0
    fail_status: int = 500

    def to_json(self) -> JsonObject:
        """The ``GET /_emulator/faults`` document."""
        return {
            "queue": [item.to_json() for item in self.queue],
            "fail_rate": self.fail_rate,
            "latency_ms": self.latency_ms,
            "fail_status": self.fail_status,
        }

    @classmethod
    def from_json(cls, obj: Any) -> FaultConfig:
        """Parse ``POST /_emulator/faults``: every key optional, absent keys take their defaults."""
        if not isinstance(obj, dict):
            raise ValueError("fault config must be a JSON object")
        extra = sorted(set(obj) - {"queue", "fail_rate", "latency_ms", "fail_status"})
        if extra:
            raise ValueError(f"unknown fault config field {extra[0]!r}")
        queue = obj.get("queue", [])
        if not isinstance(queue, list):
            raise ValueError("'queue' must be a list")
        return cls(
            queue=tuple(FaultItem.from_json(item) for item in queue),
            fail_rate=_number(obj.get("fail_rate", 0.0), "fail_rate", 0.0, 1.0),
            latency_ms=_number(obj.get("latency_ms", 0.0), "latency_ms", 0.0, MAX_DELAY_SECONDS * 1000),
            fail_status=_status(obj.get("fail_status", 500), "fail_status"),
        )


_SPEC_STATUS = re.compile(r"^[0-9]{3}$")


def parse_fault_spec(spec: str) -> FaultItem:
    """Parse the ``--fault`` CLI syntax into a :class:`FaultItem`.

    ``STATUS[,retry_after=S][,method=M][,apply]`` | ``reset|garbage|truncated[,method=M][,apply]`` |
    ``delay,seconds=S[,method=M]``, or a JSON object in the admin syntax. Examples: ``503``,
    ``429,retry_after=2``, ``500,method=PATCH,apply``, ``reset,apply``, ``delay,seconds=1.5``.
    """
    text = spec.strip()
    if text.startswith("{"):
        try:
            return FaultItem.from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValueError(f"fault spec is not valid JSON: {exc.msg}") from None
    head, *options = [part.strip() for part in text.split(",")]
    obj: Dict[str, Any] = {}
    if _SPEC_STATUS.match(head):
        obj["status"] = int(head)
    elif head in FAULT_ACTIONS:
        obj["action"] = head
    else:
        raise ValueError(f"fault spec must start with a status code or one of {FAULT_ACTIONS}: {spec!r}")
    for option in options:
        name, sep, value = option.partition("=")
        if name == "apply" and not sep:
            obj["apply"] = True
        elif name == "method" and sep:
            obj["method"] = value
        elif name in ("retry_after", "seconds") and sep:
            try:
                obj[name] = float(value)
            except ValueError:
                if name == "seconds":
                    raise ValueError(f"fault option {name} needs a number: {option!r}") from None
                obj[name] = value
        else:
            raise ValueError(f"unknown fault option {option!r} in {spec!r}")
    return FaultItem.from_json(obj)


class FaultInjector:
    """The live fault state: the queue being consumed, and the random failure rate.

    A request consumes the *first* queued item whose method filter matches it, so a PATCH-only fault
    survives the GETs a client makes before its PATCH. A request that consumed no item fails with
    probability ``fail_rate`` (status ``fail_status``, not applied).
    """

    def __init__(self, config: Optional[FaultConfig] = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random()  # noqa: S311 - fault sampling, not cryptography
        self._config = FaultConfig()
        self._queue: Deque[FaultItem] = deque()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        """Replace the whole configuration (queue included)."""
        with self._lock:
            self._config = config
            self._queue = deque(config.queue)

    def current(self) -> FaultConfig:
        """The configuration with the queue as it is now (consumed items gone)."""
        with self._lock:
            return FaultConfig(
                queue=tuple(self._queue),
                fail_rate=self._config.fail_rate,
                latency_ms=self._config.latency_ms,
                fail_status=self._config.fail_status,
            )

    def take(self, method: str) -> Tuple[Optional[FaultItem], str, float]:
        """The fault for one API request: ``(item or None, label, latency in seconds)``."""
        with self._lock:
            latency = self._config.latency_ms / 1000.0
            for index, item in enumerate(self._queue):
                if item.matches(method):
                    del self._queue[index]
                    return item, item.label(), latency
            rate = self._config.fail_rate
            if rate > 0 and self._random.random() < rate:
                status = self._config.fail_status
                return FaultItem(kind="status", status=status), f"fail_rate:{status}", latency
        return None, "", latency


# ------------------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything the CLI flags set. ``entry_points`` empty means every entry point exists."""

    host: str = "127.0.0.1"
    port: int = 8080
    customer_id: str = DEFAULT_CUSTOMER_ID
    customer_secret: str = DEFAULT_CUSTOMER_SECRET
    entry_points: Tuple[Tuple[str, str], ...] = ()
    db: Optional[str] = None
    socket_timeout: float = 10.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    shutdown_grace: float = 2.0


def parse_entry_point(text: str) -> Tuple[str, str]:
    """``APPID/NAME`` -> ``(appid, name)``; both parts must be non-empty and NAME has no ``/``."""
    appid, sep, name = text.partition("/")
    if not sep or not appid.strip() or not name.strip() or "/" in name:
        raise ValueError(f"entry point must look like APPID/NAME, got {text!r}")
    return appid, name


def new_request_id() -> str:
    """A fresh request id: 32 hex digits, like the ids Agora's gateway returns."""
    return uuid.uuid4().hex


def _printable(text: str, limit: int = 300) -> str:
    """A log-safe rendering: non-printable and non-ASCII characters escaped, length capped (no injection
    of fake log lines through a crafted path)."""
    out = "".join(c if 0x20 < ord(c) < 0x7F else f"\\x{ord(c):02x}" for c in text[:limit])
    return out + ("..." if len(text) > limit else "")


def _stderr_sink(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class EmulatorApp:
    """The emulator's shared state, one per server: store, request log, faults, live connections."""

    def __init__(self, config: EmulatorConfig, log: Optional[LogSink] = None) -> None:
        self.config = config
        self.store = SettingsStore(config.db)
        self.requests = RequestLog()
        self.faults = FaultInjector(config.faults)
        self.entry_points = EntryPoints(config.entry_points)
        self.api = SnapshotSettingsApi(
            self.store, self.entry_points, config.customer_id, config.customer_secret
        )
        self._log = log or _stderr_sink
        self._log_lock = threading.Lock()
        self._conn_lock = threading.Condition()
        self._connections: Set[socket.socket] = set()
        self._inflight = 0

    def log(self, line: str) -> None:
        """Write one log line (serialised so concurrent requests never interleave)."""
        with self._log_lock:
            self._log(line)

    def reset(self) -> None:
        """The admin reset: settings, faults and the request log, back to an empty emulator."""
        self.store.reset()
        self.faults.configure(FaultConfig())
        self.requests.clear()

    # Connection tracking lets stop() close idle keep-alive connections (otherwise a client's pooled
    # connection would keep talking to a stopped server's thread) and wait for requests in flight.

    def connection_opened(self, sock: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(sock)

    def connection_closed(self, sock: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(sock)

    def request_started(self) -> None:
        with self._conn_lock:
            self._inflight += 1

    def request_finished(self) -> None:
        with self._conn_lock:
            self._inflight -= 1
            self._conn_lock.notify_all()

    def drain(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for requests in flight, then cut every open connection."""
        deadline = time.monotonic() + grace
        with self._conn_lock:
            while self._inflight > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._conn_lock.wait(remaining)
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# ------------------------------------------------------------------------------------------------ handler


class _BodyRejected(Exception):
    """The request body could not be framed; a response was already sent."""

    def __init__(self, marker: Optional[str]) -> None:
        super().__init__(marker)
        self.marker = marker


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """One connection. Overrides ``handle_one_request`` so every method name reaches routing (the API
    answers 405, not the stdlib's 501) and every response, even a protocol error, gets a request id."""

    server: EmulatorHTTPServer
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so even a malformed request line gets a status line back
    server_version = "agora-fls-emulator"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out as separate writes; no 40 ms delayed-ACK stall

    def version_string(self) -> str:
        """``Server`` header: just the emulator's name (no Python version)."""
        return self.server_version

    _request_id = ""
    _started = 0.0
    _status: Optional[int] = None
    _fault_label = ""
    _linger = False
    _dropped = False
    _pending_record: Optional[dict[str, Any]] = None

    # --- connection lifecycle -----------------------------------------------------------------------

    def setup(self) -> None:
        # StreamRequestHandler.timeout is a class attribute; the configured value is per server.
        self.request.settimeout(self.server.app.config.socket_timeout)
        super().setup()
        self.server.app.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        if self._linger and not self._dropped:
            self._lingering_close()
        self.server.app.connection_closed(self.connection)

    def _lingering_close(self) -> None:
        """After an error answered without reading the whole request, stop writing and drain what the
        client is still sending (bounded), so the kernel does not reset the connection and destroy the
        error response before the client reads it."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            drained = 0
            while drained < LINGER_BYTES:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.connection.settimeout(remaining)
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass

    def _drop_connection(self) -> None:
        """The ``reset`` fault: abort the TCP connection (RST, no response), like a crashed proxy."""
        self.close_connection = True
        self._dropped = True
        self._record_request()
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass

    # --- request loop -------------------------------------------------------------------------------

    def handle_one_request(self) -> None:
        self._request_id = new_request_id()
        self._started = time.monotonic()
        self._status = None
        self._fault_label = ""
        self._pending_record = None
        self.command = None  # type: ignore[assignment]
        self.path = ""
        self.requestline = ""
        self.request_version = self.default_request_version
        self.raw_requestline = b""
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if not self.raw_requestline:
                self.close_connection = True
                return
            self.server.app.request_started()
            try:
                self._handle_request()
            finally:
                self.server.app.request_finished()
        except socket.timeout:
            # A client that stalls mid-request (slowloris) or idles on keep-alive: free the thread. An
            # idle connection (or a request line that never ended) is closed silently; a request that
            # stalls in its headers gets a 408 first.
            self.close_connection = True
            if self.raw_requestline.endswith(b"\n"):
                self._try_send(error_response(408, "request timed out", self._request_id))
                self._log_line()

    def _handle_request(self) -> None:
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "request line too long")
            return
        if not self.parse_request():
            return  # parse_request already answered through send_error
        words = self.requestline.split()
        if len(words) != 3:
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed request line")
            return
        # The stdlib collapses a leading "//" in self.path; route on the target exactly as sent, so that
        # "//v1/..." is the unknown path it is (404), not an alias of "/v1/...".
        target = self.path = words[1]
        if not target.startswith("/") or not target.isascii() or any(ord(c) < 0x21 for c in target):
            self.send_error(HTTPStatus.BAD_REQUEST, "invalid request target")
            return
        path = target.split("?", 1)[0]
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            self._admin(path)
        else:
            self._api(path)
        if not self._dropped:
            self.wfile.flush()

    # --- responses & logging ------------------------------------------------------------------------

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Silenced: the emulator writes its own line per request (see ``_log_line``)."""

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the stdlib line includes the raw request line; ours is sanitised."""

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Protocol-level errors from the stdlib parser (400, 414, 431, 505...) as JSON with a request id;
        the connection is closed because the stream can no longer be trusted."""
        self.close_connection = True
        self._linger = True
        status = int(code)
        text = message or HTTPStatus(status).phrase
        self._try_send(error_response(status, text, self._request_id))
        self._log_line()

    def _try_send(self, response: Response) -> None:
        try:
            self._send(response)
        except OSError:
            self.close_connection = True

    def _send(self, response: Response) -> None:
        self._status = response.status
        self._record_request()
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("X-Request-Id", self._request_id)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()

    def _log_line(self) -> None:
        elapsed = (time.monotonic() - self._started) * 1000.0
        method = _printable(self.command) if self.command else "-"
        path = _printable(self.path.split("?", 1)[0]) if self.path else "-"
        status = "drop" if self._dropped else str(self._status or "-")
        line = f"{time.strftime('%H:%M:%S')} {method} {path} {status} {self._request_id} {elapsed:.1f}ms"
        if self._fault_label:
            line += f" fault={self._fault_label}"
        self.server.app.log(line)

    # --- body framing -------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        """Read the request body per ``Content-Length`` (at most 64 KiB), or answer and raise.

        Framing problems are answered before authentication, as a front proxy would: chunked bodies
        -> 411 (the API's clients always know their length), a missing/conflicting/non-numeric
        ``Content-Length`` -> 400, more than 64 KiB -> 400 without reading it, a body that stops
        arriving -> 408. All of them close the connection.
        """
        if self.headers.get_all("Transfer-Encoding"):
            self._reject(411, "Transfer-Encoding is not supported; send Content-Length", None)
        values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not values:
            return b""
        value = values.pop()
        if values or not re.fullmatch(r"[0-9]{1,18}", value):
            self._reject(400, "invalid Content-Length header", None)
        length = int(value)
        if length > MAX_BODY_BYTES:
            self._reject(
                400, f"request body exceeds {MAX_BODY_BYTES} bytes", f"<body too large, {length} bytes>"
            )
        try:
            body = self.rfile.read(length)
        except socket.timeout:
            self._reject(408, "timed out reading the request body", None)
        if len(body) < length:
            self.close_connection = True  # the client went away mid-body; nobody to answer
            raise _BodyRejected(None)
        return body

    def _reject(self, status: int, message: str, marker: Optional[str]) -> NoReturn:
        if self._pending_record is not None:
            self._pending_record["body"] = marker
        self.close_connection = True
        self._linger = status != 408
        self._try_send(error_response(status, message, self._request_id))
        raise _BodyRejected(marker)

    # --- the API ------------------------------------------------------------------------------------

    def _api(self, path: str) -> None:
        app = self.server.app
        method = self.command
        auth = app.api.authenticate(self.headers.get("Authorization"))
        # The log entry exists before any answer can leave; _send/_drop_connection record it (see
        # _record_request), and the finally below records one that no answer reached.
        self._pending_record = self._log_entry(app.requests.next_seq(), method, path, auth)
        try:
            try:
                body = self._read_body()
            except _BodyRejected:
                return
            self._pending_record["body"] = _logged_body(body)
            fault, self._fault_label, latency = app.faults.take(method)
            self._pending_record["fault"] = self._fault_label or None
            if latency > 0:
                time.sleep(latency)
            self._respond_api(method, path, auth, body, fault)
        finally:
            self._record_request()
            self._log_line()

    def _log_entry(self, seq: int, method: str, path: str, auth: Any) -> dict[str, Any]:
        return {
            "seq": seq,
            "method": method,
            "path": path,
            "status": 0,
            "request_id": self._request_id,
            "user_agent": self.headers.get("User-Agent"),
            "auth": auth,
            "body": None,
            "fault": None,
        }

    def _record_request(self) -> None:
        """Log the request *before* its answer leaves, so a client that has its answer always finds its
        request in ``/_emulator/requests`` (and a reset right after cannot be overtaken by it)."""
        entry, self._pending_record = self._pending_record, None
        if entry is not None:
            entry["status"] = 0 if self._dropped else (self._status or 0)
            self.server.app.requests.record(entry)

    def _respond_api(
        self, method: str, path: str, auth: Any, body: bytes, fault: Optional[FaultItem]
    ) -> None:
        rid = self._request_id
        if fault is None or fault.kind == "delay":
            if fault is not None:
                time.sleep(fault.seconds)
            self._send(self._process(method, path, auth, body))
            return
        if fault.apply:
            self._process(method, path, auth, body)
        if fault.kind == "reset":
            self._drop_connection()
        elif fault.kind == "garbage":
            self._send(Response(200, (("Content-Type", "text/html"),), GARBAGE_BODY))
        elif fault.kind == "truncated":
            self._send(Response(200, (("Content-Type", "application/json"),), TRUNCATED_BODY))
        else:
            headers: Headers = (("Retry-After", fault.retry_after),) if fault.retry_after is not None else ()
            phrase = _phrase(fault.status)
            self._send(error_response(fault.status, f"{phrase} (injected fault)", rid, headers))

    def _process(self, method: str, path: str, auth: Any, body: bytes) -> Response:
        """Run the real handler; an unexpected exception becomes a 500 like the real service's."""
        try:
            return self.server.app.api.handle(method, path, auth, body, self._request_id)
        except Exception as exc:  # noqa: BLE001 - any bug must still produce an HTTP answer
            self.server.app.log(f"internal error in {self._request_id}: {type(exc).__name__}")
            return error_response(500, "internal server error", self._request_id)

    # --- admin --------------------------------------------------------------------------------------

    def _admin(self, path: str) -> None:
        try:
            body = self._read_body()
        except _BodyRejected:
            self._log_line()
            return
        try:
            response = self._admin_response(path, body)
        except Exception as exc:  # noqa: BLE001 - an admin bug must not kill the connection silently
            self.server.app.log(f"admin error in {self._request_id}: {type(exc).__name__}: {exc}")
            response = error_response(500, "internal emulator error", self._request_id)
        self._send(response)
        self._log_line()

    def _admin_response(self, path: str, body: bytes) -> Response:
        app = self.server.app
        rid = self._request_id
        method = self.command
        route = path[len(ADMIN_PREFIX) :]

        def not_allowed(allow: str) -> Response:
            return error_response(405, f"method {method} is not allowed", rid, (("Allow", allow),))

        if route == "/requests":
            if method == "GET":
                return json_response(200, app.requests.entries())
            if method == "DELETE":
                app.requests.clear()
                return json_response(200, {"ok": True})
            return not_allowed("GET, DELETE")
        if route == "/reset":
            if method != "POST":
                return not_allowed("POST")
            app.reset()
            return json_response(200, {"ok": True})
        if route == "/faults":
            if method == "GET":
                return json_response(200, app.faults.current().to_json())
            if method != "POST":
                return not_allowed("GET, POST")
            try:
                config = FaultConfig.from_json(json.loads(body.decode("utf-8")) if body.strip() else {})
            except (ValueError, UnicodeDecodeError) as exc:
                return error_response(400, f"invalid fault config: {exc}", rid)
            app.faults.configure(config)
            return json_response(200, config.to_json())
        if route == "/health":
            if method != "GET":
                return not_allowed("GET")
            return json_response(200, {"ok": True, "entry_points": app.entry_points.listing() or "any"})
        parts = route.split("/")
        if len(parts) == 5 and parts[1] == "settings":
            if method != "GET":
                return not_allowed("GET")
            try:
                key = SettingKey(*(unquote(p, errors="strict") for p in parts[2:]))
            except UnicodeDecodeError:
                return error_response(400, "invalid percent-encoding", rid)
            stored = app.store.get(key)
            if stored is None:
                return error_response(404, "never configured", rid)
            return json_response(200, stored)
        return error_response(404, f"no such emulator endpoint: {path}", rid)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _logged_body(body: bytes) -> Any:
    """The request log's ``body``: parsed JSON with secrets redacted, ``None`` when empty, or a marker
    string (never the raw text, which may hold a secret) when it is not JSON."""
    if not body:
        return None
    try:
        parsed = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return f"<invalid json, {len(body)} bytes>"
    return redact(parsed)


# ------------------------------------------------------------------------------------------------- server


class EmulatorHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` carrying the :class:`EmulatorApp` its handlers share."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: Tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        super().__init__(address, EmulatorRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall for seconds offline.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line instead of a traceback; disconnects by the client are normal and not logged.

        The line names the exception type and where it was raised, never its message, which could quote
        request data."""
        exc = sys.exc_info()[1]
        if exc is None or isinstance(exc, (ConnectionError, socket.timeout)):
            return
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
        self.app.log(f"connection error: {type(exc).__name__}{where}")


class _EmulatorHTTPServerV6(EmulatorHTTPServer):
    address_family = socket.AF_INET6


class EmulatorServer:
    """A bound, ready-to-serve emulator. Binding happens in the constructor, so ``port=0`` is resolved
    (``.port``/``.url``) before serving starts.

    Use ``serve_forever()`` in the foreground (the CLI), or ``start()``/``stop()`` (or ``with``) to run it
    in a daemon thread (tests).
    """

    def __init__(self, config: EmulatorConfig, log: Optional[LogSink] = None) -> None:
        self.config = config
        self.app = EmulatorApp(config, log)
        server_class = _EmulatorHTTPServerV6 if ":" in config.host else EmulatorHTTPServer
        try:
            self.httpd = server_class((config.host, config.port), self.app)
        except BaseException:
            self.app.store.close()
            raise
        self._thread: Optional[threading.Thread] = None
        self._stopped = False

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8080`` (IPv6 hosts in brackets)."""
        host = self.config.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` is called from another thread."""
        self.httpd.serve_forever(poll_interval=0.05)

    def start(self) -> EmulatorServer:
        """Serve in a daemon thread and return at once."""
        self._thread = threading.Thread(target=self.serve_forever, name="agora-fls-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self, grace: Optional[float] = None) -> None:
        """Stop accepting, let requests in flight finish (up to ``grace`` s), close connections and the
        database. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
        self.httpd.server_close()
        self.app.drain(self.config.shutdown_grace if grace is None else grace)
        self.app.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def banner(config: EmulatorConfig) -> List[str]:
    """Startup description for stderr: never the customer secret."""
    eps = EntryPoints(config.entry_points)
    faults: Mapping[str, Any] = config.faults.to_json()
    return [
        f"customer id: {config.customer_id!r} (secret not shown)",
        f"entry points: {', '.join(eps.listing()) if eps.restricted else 'any (no --entry-point given)'}",
        f"storage: {config.db or 'in memory'}",
        f"faults: {json.dumps(faults)}",
    ]
