"""The HTTP side of the emulator: request framing, the route to the API or the admin table, fault
injection at the connection level, request logging, and the server's lifecycle.

``http.server.ThreadingHTTPServer`` serves each connection in its own daemon thread, so one slow or
stalled client never blocks another; a per-connection socket timeout (``--socket-timeout``) reclaims
connections that stop sending (slowloris). HTTP/1.1 keep-alive is supported because real clients
(``requests.Session``) reuse connections, and a connection-level fault must behave like it does there.

What to answer is decided elsewhere: :mod:`.responses` (the API), :mod:`.admin` (``/_emulator/...``),
:mod:`.faults` (injected answers), over the shared :class:`~.state.EmulatorApp`. Every response, admin
ones and protocol errors included, carries ``X-Request-Id``; every request is logged as one line on
stderr with method, path, status, request id and duration, and never a body or a header value, so no
secret can reach a log.
"""

from __future__ import annotations

import os
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import traceback
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn, Optional, Set, Tuple

from .admin import AdminRequest, handle_admin, is_admin_path
from .auth import AuthResult, SignedParts
from .faults import FaultItem, fault_response
from .responses import MAX_BODY_BYTES, Response, error_response
from .state import EmulatorApp, EmulatorConfig, LogSink, logged_body
from .throttle import claimed_customer

LINGER_SECONDS = 1.0
LINGER_BYTES = 1 << 20
MAX_REQUEST_LINE = 65536


_SINGLE_HEADERS = ("Host", "Authorization")
"""Headers a request may carry once. Two ``Host`` headers are a 400 by RFC 9112 (section 3.2); two
``Authorization`` headers leave unclear which one was checked (a front proxy and the service may each pick
another), so they are refused alike, before authentication."""


def new_request_id() -> str:
    """A fresh request id: 32 hex digits, like the ids Agora's gateway returns."""
    return uuid.uuid4().hex


def _printable(text: str, limit: int = 300) -> str:
    """A log-safe rendering: non-printable and non-ASCII characters escaped, length capped (no injection
    of fake log lines through a crafted path)."""
    out = "".join(c if 0x20 < ord(c) < 0x7F else f"\\x{ord(c):02x}" for c in text[:limit])
    return out + ("..." if len(text) > limit else "")


class ConnectionTracker:
    """Open connections and requests in flight, so ``stop()`` can close idle keep-alive connections
    (otherwise a client's pooled connection would keep talking to a stopped server's thread) and wait
    for requests in flight."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._connections: Set[socket.socket] = set()
        self._inflight = 0

    def opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.add(sock)

    def closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    def request_started(self) -> None:
        with self._lock:
            self._inflight += 1

    def request_finished(self) -> None:
        with self._lock:
            self._inflight -= 1
            self._lock.notify_all()

    def drain(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for requests in flight, then cut every open connection."""
        deadline = time.monotonic() + grace
        with self._lock:
            while self._inflight > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
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

    def date_time_string(self, timestamp: Optional[float] = None) -> str:
        """``Date`` header from the emulator's clock (``--clock-offset`` included), so a client can see
        the clock its HMAC ``Date`` is checked against."""
        return super().date_time_string(self.server.app.now() if timestamp is None else timestamp)

    _request_id = ""
    _started = 0.0
    _status: Optional[int] = None
    _fault_label = ""
    _throttled = False
    _linger = False
    _dropped = False
    _pending_record: Optional[dict[str, Any]] = None

    # --- connection lifecycle -----------------------------------------------------------------------

    def setup(self) -> None:
        # StreamRequestHandler.timeout is a class attribute; the configured value is per server.
        self.request.settimeout(self.server.app.config.socket_timeout)
        super().setup()
        self.server.connections.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        if self._linger and not self._dropped:
            self._lingering_close()
        self.server.connections.closed(self.connection)

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
        self._throttled = False
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
            self.server.connections.request_started()
            try:
                self._handle_request()
            finally:
                self.server.connections.request_finished()
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
        for name in _SINGLE_HEADERS:
            if len(self.headers.get_all(name) or ()) > 1:
                self.send_error(HTTPStatus.BAD_REQUEST, f"more than one {name} header")
                return
        path = target.split("?", 1)[0]
        if is_admin_path(path):
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
        if self._throttled:
            line += " throttled"
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
        # The log entry exists before any answer can leave; _send/_drop_connection record it (see
        # _record_request), and the finally below records one that no answer reached. Its auth verdict is
        # provisional (the body, which an HMAC Digest covers, is not read yet) until the body is in.
        self._pending_record = self._log_entry(
            app.requests.next_seq(), method, path, self._authenticate(None)
        )
        try:
            try:
                body = self._read_body()
            except _BodyRejected:
                return
            auth = self._authenticate(body)
            self._pending_record.update(auth=auth.state, auth_scheme=auth.scheme, body=logged_body(body))
            if self._over_rate_limit():
                return
            fault, self._fault_label, latency = app.faults.take(method)
            self._pending_record["fault"] = self._fault_label or None
            if latency > 0:
                time.sleep(latency)
            self._respond_api(method, path, auth, body, fault)
        finally:
            self._record_request()
            self._log_line()

    def _over_rate_limit(self) -> bool:
        """Answer 429 with ``Retry-After`` when the claimed customer is over its per-second budget (see
        :mod:`.throttle`): before the credentials are checked and before anything is applied."""
        limit = self.server.app.rate_limit
        retry_after = limit.admit(claimed_customer(self.headers.get("Authorization")))
        if retry_after is None:
            return False
        self._throttled = True
        assert self._pending_record is not None
        self._pending_record["throttled"] = True
        message = f"Too Many Requests: over {limit.per_second} requests per second for this customer ID"
        self._send(error_response(429, message, self._request_id, (("Retry-After", str(retry_after)),)))
        return True

    def _authenticate(self, body: Optional[bytes]) -> AuthResult:
        """The auth verdict on this request; the signed parts are taken exactly as received (the raw
        target, query included, and the ``Host`` header with its port)."""
        parts = SignedParts(
            method=self.command,
            target=self.path,
            host=self.headers.get("Host"),
            date=self.headers.get("Date"),
            digest=self.headers.get("Digest"),
            body=body,
        )
        return self.server.app.api.authenticate(self.headers.get("Authorization"), parts)

    def _log_entry(self, seq: int, method: str, path: str, auth: AuthResult) -> dict[str, Any]:
        """A request-log entry: the auth verdict and scheme, never the ``Authorization`` value."""
        return {
            "seq": seq,
            "method": method,
            "path": path,
            "status": 0,
            "request_id": self._request_id,
            "user_agent": self.headers.get("User-Agent"),
            "auth": auth.state,
            "auth_scheme": auth.scheme,
            "date": self.headers.get("Date"),  # public (it is signed, not secret): shows each attempt's own
            "body": None,
            "fault": None,
            "throttled": False,
        }

    def _record_request(self) -> None:
        """Log the request *before* its answer leaves, so a client that has its answer always finds its
        request in ``/_emulator/requests`` (and a reset right after cannot be overtaken by it)."""
        entry, self._pending_record = self._pending_record, None
        if entry is not None:
            entry["status"] = 0 if self._dropped else (self._status or 0)
            self.server.app.requests.record(entry)

    def _respond_api(
        self, method: str, path: str, auth: AuthResult, body: bytes, fault: Optional[FaultItem]
    ) -> None:
        rid = self._request_id
        if fault is None or fault.kind == "delay":
            if fault is not None:
                time.sleep(fault.seconds)
            self._send(self._process(method, path, auth, body))
            return
        if fault.apply:
            self._process(method, path, auth, body)
        answer = fault_response(fault, rid)
        if answer is None:
            self._drop_connection()  # the reset fault
        else:
            self._send(answer)

    def _process(self, method: str, path: str, auth: AuthResult, body: bytes) -> Response:
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
            request = AdminRequest(
                method=self.command,
                path=path,
                body=body,
                request_id=self._request_id,
                hosts=tuple(self.headers.get_all("Host") or ()),
                origin=self.headers.get("Origin"),
            )
            response = handle_admin(self.server.app, request)
        except Exception as exc:  # noqa: BLE001 - an admin bug must not kill the connection silently
            # The type only, like handle_error: an exception's text can quote the request, and the log holds none.
            self.server.app.log(f"admin error in {self._request_id}: {type(exc).__name__}")
            response = error_response(500, "internal emulator error", self._request_id)
        self._send(response)
        self._log_line()


# ------------------------------------------------------------------------------------------------- server


class EmulatorHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` carrying the :class:`EmulatorApp` its handlers share and their connections."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: Tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        self.connections = ConnectionTracker()
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
        self.httpd.connections.drain(self.config.shutdown_grace if grace is None else grace)
        self.app.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
