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
spaces calls evenly ``1 / rate`` apart instead, for servers that also dislike bursts. A fractional rate above 1
cannot keep both promises (at most 2 calls in every second means at most 2 per second in the long run), so
the window holds ``floor(rate)`` calls per second: 2.5 gives at most 2 in any second, never 3 or 4.

The configured rate is a ceiling, not a quota: the account's budget is shared with every other process using
the same customer ID (parallel CI jobs, one stack per App ID), which no process can see. So the bucket is also
*adaptive*, the way the AWS SDKs' adaptive retry mode and TCP's CUBIC (RFC 9438) are: a 429
(:meth:`TokenBucket.throttled`) lowers the process's rate to :data:`DECREASE` times what the server admitted from
it in the last second and spaces calls evenly at that rate, after pausing every caller of the process; the rate
then climbs back along CUBIC's curve (:data:`RECOVERY_SCALE`): quickly to where it was throttled, slowly past it
while the others are still there, then faster and faster once nothing more is refused, up to the ceiling.
Processes that share an account thus settle on shares that add up to about the limit, and one left alone is
back at the ceiling within seconds, without talking to each other.

The pause is the whole ``Retry-After`` for a process that thought it was alone (at its ceiling: the opening
collision, when every process's first second fills the server's window at once) or when the server asks for
more than a second; a process already sharing pauses only :data:`SHORT_PAUSE` of a one-second ``Retry-After``
(the refused call itself waits all of it, see ``client.py``). And the shared bucket paces its first window
(``paced_start``, :data:`OPENING_SPACING`): processes starting together each put their first calls out
over half a second instead of all at once, so fewer of them are refused when the account first overflows.
Measured with ``python -m benchmarks.shared_account`` against the emulator's limit; figures in
docs/configuration.md.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable, Optional

_MIN_SLEEP = 1e-6
"""Shortest sleep: ensures progress when a wake-up lands a rounding error short of the deadline."""

DECREASE = 0.8
"""After a 429 the process's rate becomes this fraction of what the server admitted from it in the last second
(sent minus refused). Gentle, as CUBIC's 0.7 is: under a shared budget a 429 usually means the sum is a little
over, not twice over. Halving (the first version) left a quarter of the budget unused on average, and the
shared_account benchmark took 1.22-1.43 x its floor (docs/configuration.md)."""

RECOVERY_SCALE = 0.008
"""The climb back after a 429 is CUBIC's (RFC 9438, and the AWS SDKs' adaptive mode): ``W + C (t - k)**3`` with
``C`` this fraction of the ceiling per second cubed (0.4, the AWS SDKs' constant, at 50/s) and ``k`` the time it
takes to get back to ``W``, the rate it was throttled at. So the rate returns to ``W`` quickly (1.4 s from 6/s
at 50/s), stays near it while the others are there too, then accelerates once nothing more is refused: a
process left alone at 12/s is back at 50/s within 7 s, where the earlier linear climb of 1/s each second took
38 s, and the processes throttled most, which finish last, no longer finish alone at a crawl."""

OPENING_SPACING = 0.5
"""The shared bucket's first window (``paced_start``) spaces its grants this fraction of ``window / burst``
apart: its first ``burst`` calls go out over half the window instead of at once. Processes starting together
then put fewer calls in flight when the account first overflows (8 processes, simulated: 12% of requests
refused without it, 9% with), while a process alone loses half a second once instead of the whole window's
burst (the benchmark, 500 calls: 10.5 s instead of 10.0 s; 11.0 s with 1.0)."""

SHORT_PAUSE = 0.25
"""A 429 whose ``Retry-After`` is at most :data:`THROTTLE_WINDOW` (the per-second limit's answer, rounded up to
whole seconds) pauses a process already sharing the account (its rate lowered) for this fraction of it; the
refused call itself still waits all of it before it is sent again. The server's one-second window frees
gradually, and the lowered rate already gives the overshoot back: a whole second's pause of every process that
was one request over cost more of the budget than the overshoot. A process at its ceiling (it thought it was
alone: the first collision, when every process's opening second fills the window at once) and any longer
``Retry-After`` pause all of it."""

LOWEST_ADAPTIVE_RATE = 2.0
"""However often it is throttled, a process keeps sending at least this many requests per second (or its
ceiling, if lower), so a call always makes progress within its deadline. Two, not one: CUBIC's climb starts
flat, and a trickle of calls (a call or two a second, refused because others fill the account) would otherwise
stay spaced nearly a second apart for seconds. 25 processes at their lowest still fit 50/s."""

THROTTLE_WINDOW = 1.0
"""How long a 429 without a usable ``Retry-After`` pauses the process: the limit is per second."""

ARRIVAL_MARGIN = 0.1
"""Seconds added to the window of the process's shared buckets. Grants are spaced at the client, but
requests reach the server a little later, each by its own delay (scheduling, connection reuse, TLS): measured
here, a window of exactly one second let 52-54 requests arrive within one second at the server. The margin
absorbs delay differences up to 100 ms, for about 9% of throughput at the default 50/s."""


class TokenBucket:
    """At most ``burst`` grants in any ``burst / rate`` seconds; thread-safe, shared by all callers.

    ``clock`` and ``sleep`` are injectable so tests can run on a fake clock without waiting. ``clock`` must be
    monotonic. ``paced_start`` spaces the first ``burst`` grants evenly over half the window instead of granting
    them at once (:data:`OPENING_SPACING`; the shared buckets do). Grants are decided under a lock at a clock
    reading taken under that lock, so the guarantee holds for the moments the decisions are made, whatever the
    number of threads; waiting happens outside the lock.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.0,
        paced_start: bool = False,
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
        # Whole calls per second: a fractional part cannot be spent in any one second (see the module doc).
        self._per_second = float(math.floor(self._rate)) if self._rate >= 1 else self._rate
        self._window = self._burst / self._per_second + margin
        self._clock = clock
        self._sleep = sleep
        self._paced_start = paced_start
        self._lock = threading.Lock()
        self._grants: deque[float] = deque(maxlen=self._burst)
        self._last_grant = -math.inf
        self._paused_until = -math.inf
        self._lowered_to: Optional[float] = None  # the rate after the last 429, None: at the ceiling
        self._recovering_from = 0.0  # when the climb back from ``_lowered_to`` started
        self._refusals: deque[float] = deque(maxlen=self._burst)  # when the last 429s came
        self._steady_until = -math.inf  # 429s before this say nothing new: calls in flight when it was lowered
        self._throttled_at = 0.0  # the rate it was admitted at when throttled: the climb's plateau

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
                adaptive = self._adaptive_rate(now)
                full = len(self._grants) >= self._burst and now - self._grants[0] < self._window
                if adaptive is not None:
                    spacing: Optional[float] = 1.0 / adaptive
                elif self._paced_start and len(self._grants) < self._burst:  # the first window: nothing known yet
                    spacing = OPENING_SPACING * self._window / self._burst
                else:
                    spacing = None
                paced = spacing is not None and now - self._last_grant < spacing
                if not (full or paced or now < self._paused_until):
                    self._grants.append(now)
                    self._last_grant = now
                    return now - start
                wait = self._paused_until - now
                if full:
                    wait = max(wait, self._grants[0] + self._window - now)
                if paced and spacing is not None:
                    wait = max(wait, self._last_grant + spacing - now)
            self._sleep(max(wait, _MIN_SLEEP))

    def throttled(self, retry_after: float) -> None:
        """The server answered 429: pause every caller (for ``retry_after`` seconds, :data:`THROTTLE_WINDOW`
        when it gave none, or :data:`SHORT_PAUSE` of it when already sharing, see there), and lower the rate
        unless it was just lowered (the other calls in flight then are answered 429 too, and say nothing new)."""
        pause = retry_after if math.isfinite(retry_after) and retry_after > 0 else THROTTLE_WINDOW
        with self._lock:
            now = self._clock()
            current = self._adaptive_rate(now)
            if pause <= THROTTLE_WINDOW and current is not None:
                pause *= SHORT_PAUSE
            self._paused_until = max(self._paused_until, now + pause)
            self._refusals.append(now)
            if now < self._steady_until:
                return
            sent = sum(1 for t in self._grants if now - t < 1.0)
            admitted = sent - sum(1 for t in self._refusals if now - t < 1.0)  # its share of the last second
            base = min(self._per_second if current is None else current, max(float(admitted), 1.0))
            self._lowered_to = max(min(LOWEST_ADAPTIVE_RATE, self._per_second), base * DECREASE)
            self._throttled_at = max(base, self._lowered_to)
            self._recovering_from = self._paused_until
            self._steady_until = max(self._paused_until, now + SHORT_PAUSE * THROTTLE_WINDOW)
            self._last_grant = -math.inf  # the pause spaced the next call already: it may go when the pause ends

    @property
    def current_rate(self) -> float:
        """Calls per second the bucket allows now: the ceiling, or less after a 429 (0 while paused)."""
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return 0.0
            adaptive = self._adaptive_rate(now)
            return self._per_second if adaptive is None else adaptive

    def _adaptive_rate(self, now: float) -> Optional[float]:
        """The lowered rate at ``now`` (called under the lock), or ``None`` once it has climbed back."""
        if self._lowered_to is None:
            return None
        # CUBIC (RFC 9438): W(t) = W_max + C (t - K)^3, K = cbrt((W_max - lowered) / C), so W(0) = lowered.
        scale = RECOVERY_SCALE * self._per_second
        plateau: float = ((self._throttled_at - self._lowered_to) / scale) ** (1.0 / 3.0)
        climbed: float = self._throttled_at + scale * (max(0.0, now - self._recovering_from) - plateau) ** 3
        if climbed >= self._per_second:
            self._lowered_to = None
            return None
        return climbed


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
            bucket = _shared[key] = TokenBucket(key, margin=ARRIVAL_MARGIN, paced_start=True)
        return bucket
