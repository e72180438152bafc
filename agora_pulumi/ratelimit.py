"""A client-side rate limit, so the provider's worker threads stay under Agora's per-second call limit.

The Media Broadcast reference caps calls at 50 requests per second and answers 429 above it. The server's
way of counting is not documented, so the limiter keeps the strictest reading: never more than ``rate`` calls
in *any* one-second window (true of a fixed-window counter, a sliding window and a bucket of at least that
size alike).

A classic continuously-refilled token bucket with ``burst = rate`` does not give that: it spends ``rate``
tokens at once, refills ``rate - 1`` more within the same second, and lets nearly ``2 * rate`` calls through
one window. So here a spent token comes back exactly ``burst / rate`` seconds after it was spent (a sliding
log of the last ``burst`` grants): at most ``burst`` grants in any ``burst / rate``-second window, and still
``rate`` per second in the long run. With the default ``burst`` (``rate`` for whole rates of at least 1) that
is at most ``rate`` calls in any second, all of them available at once after an idle second; ``burst=1``
spaces calls evenly ``1 / rate`` apart instead, for servers that also dislike bursts.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable, Optional

_MIN_SLEEP = 1e-6
"""Shortest sleep: ensures progress when a wake-up lands a rounding error short of the deadline."""

ARRIVAL_MARGIN = 0.1
"""Seconds added to the window of the process's shared buckets. Grants are spaced at the client, but
requests reach the server a little later, each by its own delay (scheduling, connection reuse, TLS): measured
here, a window of exactly one second let 52-54 requests arrive within one second at the server. The margin
absorbs delay differences up to 100 ms, for about 9% of throughput at the default 50/s."""


class TokenBucket:
    """At most ``burst`` grants in any ``burst / rate`` seconds; thread-safe, shared by all callers.

    ``clock`` and ``sleep`` are injectable so tests can run on a fake clock without waiting. ``clock`` must be
    monotonic. Grants are decided under a lock at a clock reading taken under that lock, so the guarantee holds
    for the moments the decisions are made, whatever the number of threads; waiting happens outside the lock.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.0,
    ) -> None:
        if not (isinstance(rate_per_second, (int, float)) and math.isfinite(rate_per_second) and rate_per_second > 0):
            raise ValueError(f"rate_per_second must be a finite number > 0, got {rate_per_second!r}")
        if burst is None:
            burst = max(1, math.floor(rate_per_second))
        if not (isinstance(burst, (int, float)) and math.isfinite(burst) and burst >= 1 and burst == int(burst)):
            raise ValueError(f"burst must be a whole number >= 1, got {burst!r}")
        self._rate = float(rate_per_second)
        self._burst = int(burst)
        if not (math.isfinite(margin) and margin >= 0):
            raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
        self._window = self._burst / self._rate + margin
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._grants: deque[float] = deque(maxlen=self._burst)

    @property
    def rate(self) -> float:
        """Grants per second in the long run."""
        return self._rate

    @property
    def burst(self) -> int:
        """Grants available at once after an idle window."""
        return self._burst

    @property
    def window(self) -> float:
        """Seconds after which a spent token is available again (``burst / rate``, plus the margin)."""
        return self._window

    def acquire(self) -> float:
        """Block until a token is available and take it; return the seconds waited (by ``clock``)."""
        start: Optional[float] = None
        while True:
            with self._lock:
                now = self._clock()
                if start is None:
                    start = now
                if len(self._grants) < self._burst or now - self._grants[0] >= self._window:
                    self._grants.append(now)
                    return now - start
                wait = self._grants[0] + self._window - now
            self._sleep(max(wait, _MIN_SLEEP))


_shared: dict[float, TokenBucket] = {}
_shared_lock = threading.Lock()


def shared_bucket(rate: float) -> TokenBucket:
    """The process's one bucket for ``rate``: every thread and resource that asks with the same rate shares it.

    The limit is the API's (per account), not per resource or per worker thread, so the provider's concurrent
    operations must draw from one bucket. It is keyed by rate so a caller configured for a different limit
    gets its own bucket instead of silently inheriting another's. Look it up when calling rather than keeping
    it on an object the engine pickles (the dynamic provider is): a lock cannot be pickled, and an unpickled
    copy would no longer be shared.
    """
    key = float(rate)
    with _shared_lock:
        bucket = _shared.get(key)
        if bucket is None:
            bucket = _shared[key] = TokenBucket(key, margin=ARRIVAL_MARGIN)
        return bucket
