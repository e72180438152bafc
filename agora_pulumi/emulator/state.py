"""The state one emulator shares between its connections: config, settings store, request log, faults.

Like moto's backend object: one :class:`EmulatorApp` per server, created from an :class:`EmulatorConfig`
and handed to every request handler and admin route. Nothing here touches sockets, so the admin routes
(:mod:`.admin`) and the API handlers (:mod:`.responses`) can be driven without a server.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Tuple

from .auth import DEFAULT_MAX_CLOCK_SKEW, Authenticator, AuthMode
from .faults import FaultConfig, FaultInjector
from .models import (
    DEFAULT_CUSTOMER_ID,
    DEFAULT_CUSTOMER_SECRET,
    EntryPoints,
    RequestLog,
    SettingsStore,
    redact,
)
from .responses import SnapshotSettingsApi
from .throttle import DEFAULT_RATE_LIMIT, CustomerRateLimit

LogSink = Callable[[str], None]


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything the CLI flags set. ``entry_points`` empty means every entry point exists.

    ``auth`` is which schemes are accepted (``any``, ``basic`` or ``hmac``); ``max_clock_skew`` how far
    (seconds) an HMAC ``Date`` may be from the emulator's clock; ``clock_offset`` is added to the real time
    to make that clock, so a test can put the server's clock ahead of or behind the client's. ``rate_limit``
    is Agora's call frequency limit, API requests per second per customer ID (``0``: no limit).
    """

    host: str = "127.0.0.1"
    port: int = 8080
    customer_id: str = DEFAULT_CUSTOMER_ID
    customer_secret: str = DEFAULT_CUSTOMER_SECRET
    entry_points: Tuple[Tuple[str, str], ...] = ()
    db: Optional[str] = None
    socket_timeout: float = 10.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    shutdown_grace: float = 2.0
    auth: AuthMode = "any"
    max_clock_skew: float = DEFAULT_MAX_CLOCK_SKEW
    clock_offset: float = 0.0
    rate_limit: int = DEFAULT_RATE_LIMIT


def parse_entry_point(text: str) -> Tuple[str, str]:
    """``APPID/NAME`` -> ``(appid, name)``; both parts must be non-empty and NAME has no ``/``."""
    appid, sep, name = text.partition("/")
    if not sep or not appid.strip() or not name.strip() or "/" in name:
        raise ValueError(f"entry point must look like APPID/NAME, got {text!r}")
    return appid, name


def _stderr_sink(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class EmulatorApp:
    """The emulator's shared state, one per server: store, request log, faults, the API and the log sink."""

    def __init__(self, config: EmulatorConfig, log: Optional[LogSink] = None) -> None:
        self.config = config
        self.store = SettingsStore(config.db)
        self.requests = RequestLog()
        self.faults = FaultInjector(config.faults)
        self.rate_limit = CustomerRateLimit(config.rate_limit)
        self.entry_points = EntryPoints(config.entry_points)
        self.authenticator = Authenticator(
            config.customer_id, config.customer_secret, config.auth, config.max_clock_skew, self.now
        )
        self.api = SnapshotSettingsApi(self.store, self.entry_points, self.authenticator)
        self._log = log or _stderr_sink
        self._log_lock = threading.Lock()

    def now(self) -> float:
        """The emulator's clock: real time plus ``clock_offset`` (HMAC ``Date`` checks, ``Date`` headers)."""
        return time.time() + self.config.clock_offset

    def log(self, line: str) -> None:
        """Write one log line (serialised so concurrent requests never interleave)."""
        with self._log_lock:
            self._log(line)

    def reset(self) -> None:
        """The admin reset: settings, faults, the rate limit's windows and the request log, back to an empty
        emulator."""
        self.store.reset()
        self.faults.configure(FaultConfig())
        self.rate_limit.reset()
        self.requests.clear()


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def logged_body(body: bytes) -> Any:
    """The request log's ``body``: parsed JSON with secrets redacted, ``None`` when empty, or a marker
    string (never the raw text, which may hold a secret) when it is not JSON."""
    if not body:
        return None
    try:
        parsed = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return f"<invalid json, {len(body)} bytes>"
    return redact(parsed)
