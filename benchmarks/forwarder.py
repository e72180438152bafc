"""A recording pass-through on 127.0.0.1: what the provider actually sent, and when it arrived.

The emulator's request log deliberately keeps neither the ``Authorization`` value nor a sub-second arrival
time. :class:`RecordingForwarder` sits between a client and the emulator, writes down every request it
receives (arrival time on the monotonic clock, method, target, headers, body) and forwards it unchanged —
``Host``, ``Date``, ``Digest`` and ``Authorization`` included, so an HMAC signature made for the forwarder's
address still verifies — then relays the answer. The rate-limited benchmark reads the arrival times; the
secret-leak scan (``tests/reliability/test_secret_leaks.py``) reads the ``Authorization`` values, which it
must then find nowhere else.

Bounded: it listens on 127.0.0.1 only, reads at most :data:`MAX_BODY` bytes of body, gives every socket a
timeout, keeps at most ``max_records`` records, and shuts itself down after ``lifetime`` seconds even if its
owner forgets to. Standard library only. An upstream that drops the connection is passed on as a dropped
connection.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Optional
from urllib.parse import urlsplit

MAX_BODY = 64 * 1024
SOCKET_TIMEOUT = 30.0
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                        "proxy-authorization", "proxy-authenticate"})


@dataclass(frozen=True)
class Record:
    """One request as the forwarder received it."""

    arrived: float
    """``time.monotonic()`` when the request's headers had been read."""
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)

    def header(self, name: str) -> Optional[str]:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so a pooled client keeps its connections
    timeout = SOCKET_TIMEOUT
    server: _Server

    def _forward(self) -> None:
        arrived = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self.send_error(413)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        headers = tuple((k, v) for k, v in self.headers.items())
        self.server.owner.record(Record(arrived, self.command, self.path, headers, body))
        upstream = http.client.HTTPConnection(self.server.owner.upstream_host, self.server.owner.upstream_port,
                                              timeout=SOCKET_TIMEOUT)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for key, value in headers:
                if key.lower() not in HOP_BY_HOP:
                    upstream.putheader(key, value)
            upstream.endheaders(body if length else None)
            answer = upstream.getresponse()
            payload = answer.read(MAX_BODY + 1)[:MAX_BODY]
            status, reason, answer_headers = answer.status, answer.reason, answer.getheaders()
        except (OSError, http.client.HTTPException):
            self.close_connection = True  # the upstream dropped it: so does the forwarder
            return
        finally:
            upstream.close()
        self.send_response_only(status, reason)
        for key, value in answer_headers:
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PATCH = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: RecordingForwarder


class RecordingForwarder:
    """``with RecordingForwarder(emulator_url) as fwd:`` point the client at ``fwd.url``; read
    ``fwd.records()`` (in arrival order)."""

    def __init__(self, upstream_url: str, *, lifetime: float = 600.0, max_records: int = 100_000) -> None:
        parts = urlsplit(upstream_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream must be http://host:port, got {upstream_url!r}")
        self.upstream_host, self.upstream_port = parts.hostname, parts.port
        self._max_records = max_records
        self._records: list[Record] = []
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                         daemon=True)
        self._deadline = threading.Timer(lifetime, self.close)
        self._deadline.daemon = True
        self._started = False
        self._closed = False

    def record(self, record: Record) -> None:
        with self._lock:
            if len(self._records) < self._max_records:
                self._records.append(record)

    def records(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def start(self) -> RecordingForwarder:
        self._started = True
        self._thread.start()
        self._deadline.start()
        return self

    def close(self) -> None:
        """Stop serving (idempotent; also called by the lifetime timer)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._deadline.cancel()
        if self._started:
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RecordingForwarder:
        return self.start()

    def __exit__(self, kind: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any half-open interval ``[t, t + window)`` (a sliding window, not calendar seconds)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while t - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def min_span(times: list[float], count: int) -> Optional[float]:
    """The shortest time in which ``count`` consecutive events happened (``None`` if there are fewer)."""
    ordered = sorted(times)
    if count < 1 or len(ordered) < count:
        return None
    return min(ordered[i + count - 1] - ordered[i] for i in range(len(ordered) - count + 1))
