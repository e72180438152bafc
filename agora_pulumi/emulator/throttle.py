"""Agora's call frequency limit: at most N API requests per second per customer ID, above it 429.

The reference states the limit (50 requests per second, HTTP 429 above it) and not how it is counted, so the
emulator keeps the strictest reading, the one the client's limiter is built for: at most N admitted requests
in *any* one-second window (a sliding log of the last N admissions per customer). A throttled request is not
admitted (nothing is applied) and does not count against the budget. The answer carries ``Retry-After`` in
whole seconds (RFC 9110's delay-seconds; gateways do the same): the time until the oldest admission leaves
the window, rounded up, so at least 1.

The budget is per customer ID *as the request claims it* (the Basic user or the HMAC ``username``), checked
before the credentials are: the account is what Agora meters, and a flood of bad signatures for one account
must not spend another's budget. Requests that claim no customer share one anonymous budget.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
import time
from collections import deque
from typing import Callable, Deque, Dict, Optional

from .auth import parse_hmac_params

DEFAULT_RATE_LIMIT = 50
"""The reference's call frequency limit, requests per second per customer ID."""

MAX_TRACKED_CUSTOMERS = 1024
"""Customer IDs tracked at once; idle ones are forgotten first, so claimed IDs cannot grow memory forever."""

WINDOW_SECONDS = 1.0


def claimed_customer(authorization: Optional[str]) -> str:
    """The customer ID an ``Authorization`` header claims (verified or not), or ``""`` when it names none."""
    if not authorization:
        return ""
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return ""
        return decoded.partition(":")[0]
    if scheme.lower() == "hmac":
        params = parse_hmac_params(rest)
        return params["username"] if params else ""
    return ""


class CustomerRateLimit:
    """At most ``per_second`` admissions per customer in any one-second window; ``0`` disables it."""

    def __init__(self, per_second: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second < 0:
            raise ValueError(f"rate limit must be >= 0, got {per_second}")
        self.per_second = per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._admitted: Dict[str, Deque[float]] = {}

    def admit(self, customer: str) -> Optional[int]:
        """``None`` when the request is admitted (and counted), else the ``Retry-After`` seconds to send."""
        if self.per_second == 0:
            return None
        with self._lock:
            now = self._clock()
            log = self._admitted.get(customer)
            if log is None:
                self._forget_idle(now)
                log = self._admitted[customer] = deque(maxlen=self.per_second)
            if len(log) < self.per_second or now - log[0] >= WINDOW_SECONDS:
                log.append(now)
                return None
            return max(1, math.ceil(log[0] + WINDOW_SECONDS - now))

    def _forget_idle(self, now: float) -> None:
        if len(self._admitted) < MAX_TRACKED_CUSTOMERS:
            return
        for key in [k for k, log in self._admitted.items() if not log or now - log[-1] >= WINDOW_SECONDS]:
            del self._admitted[key]
        if len(self._admitted) >= MAX_TRACKED_CUSTOMERS:  # all busy: drop the oldest-tracked
            del self._admitted[next(iter(self._admitted))]

    def reset(self) -> None:
        """Forget every customer's window (the admin reset)."""
        with self._lock:
            self._admitted.clear()
