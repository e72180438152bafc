"""Plain helpers shared by the provider's tests (fixtures are in conftest.py)."""

from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Mapping, Optional

from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET

APP_ID = "0123456789abcdef"

# Fast, deterministic retries for tests: the policy is the production one with shorter waits and no jitter.
FAST_RETRIES = {
    "agora:retryBackoffSeconds": "0.01",
    "agora:retryJitterSeconds": "0",
    "agora:maxRetryAfterSeconds": "0.2",
}


def clean_env() -> dict[str, str]:
    """The environment without any AGORA_* variable, so only the test's config counts."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AGORA_")}


def stack_config(url: str, **extra: str) -> dict[str, str]:
    return {
        "agora:endpoint": url,
        "agora:customerId": DEFAULT_CUSTOMER_ID,
        "agora:customerSecret": DEFAULT_CUSTOMER_SECRET,
        **FAST_RETRIES,
        **extra,
    }


def setting_inputs(**overrides: Any) -> dict[str, Any]:
    """Inputs as the resource registers them for the issue's example (numbers as floats on the wire)."""
    props: dict[str, Any] = {
        "appId": APP_ID,
        "entryPoint": "live",
        "region": "cn",
        "enabled": True,
        "snapshotInterval": 30.0,
        "enableModeration": True,
        "storageConfig": {
            "vendor": 2.0,
            "region": 3.0,
            "bucket": "snapshots",
            "accessKey": "AK-test-0001",
            "secretKey": "SK-test-0001",
        },
    }
    props.update(overrides)
    return props


JSON_TYPE: Mapping[str, str] = {"Content-Type": "application/json"}


class StandInHandler(BaseHTTPRequestHandler):
    """The base of the tests' stand-in servers (:func:`stand_in`): each says only what its answer is, not how
    a request is read or an answer framed, and none writes an access log into the test output."""

    def request_body(self, limit: Optional[int] = None) -> str:
        """The request's body as text (read whole, or its first ``limit`` bytes), ``""`` when it has none."""
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return ""
        return self.rfile.read(length if limit is None else min(length, limit)).decode()

    def answer(self, status: int, payload: bytes = b"", headers: Mapping[str, str] = JSON_TYPE) -> None:
        """One whole answer: ``headers`` as given, then the ``Content-Length`` of ``payload``."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def answer_json(self, status: int, value: Any) -> None:
        self.answer(status, json.dumps(value).encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def stand_in(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small stand-in server on 127.0.0.1 answering with ``handler``: yields its URL, stops on exit.

    For answers the emulator will not give (hostile, truncated, canned); each connection has its own daemon
    thread, so a test that stops early leaves nothing running.
    """
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
