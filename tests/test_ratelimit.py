"""The rate limiter on a fake clock: nothing here sleeps or measures real time (but one lower bound)."""

from __future__ import annotations

import math
import threading
import time

import pytest

from agora_pulumi.ratelimit import (
    ARRIVAL_MARGIN,
    DECREASE,
    LOWEST_ADAPTIVE_RATE,
    OPENING_SPACING,
    RECOVERY_SCALE,
    SHORT_PAUSE,
    TokenBucket,
    shared_bucket,
)


class FakeClock:
    """Integer nanoseconds behind a lock; ``sleep`` advances the clock (rounded up, so never short).

    Each thread's last reading is kept: the last clock read inside ``acquire`` is the one that granted, so it
    is the grant time even when other threads' sleeps move the shared clock on before the test looks.
    """

    def __init__(self) -> None:
        self._ns = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def __call__(self) -> float:
        with self._lock:
            value = self._ns / 1e9
        self._local.last = value
        return value

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        with self._lock:
            self._ns += math.ceil(seconds * 1e9)

    @property
    def last(self) -> float:
        value: float = self._local.last
        return value


def bucket(rate: float, burst: float | None = None) -> tuple[TokenBucket, FakeClock]:
    clock = FakeClock()
    return TokenBucket(rate, burst, clock=clock, sleep=clock.sleep), clock


def grant_times(limiter: TokenBucket, clock: FakeClock, n: int) -> list[float]:
    times = []
    for _ in range(n):
        limiter.acquire()
        times.append(clock.last)
    return times


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The largest number of grants in any half-open window [t, t + seconds) starting at a grant."""
    ordered = sorted(times)
    return max(sum(1 for u in ordered[i:] if u - t < seconds) for i, t in enumerate(ordered))


@pytest.mark.parametrize("rate", [0, -1, -0.5, math.nan, math.inf])
def test_rate_must_be_positive_and_finite(rate: float) -> None:
    with pytest.raises(ValueError, match="rate_per_second"):
        TokenBucket(rate)


@pytest.mark.parametrize("burst", [0, 0.5, 2.5, -1, math.inf])
def test_burst_must_be_a_whole_number_of_at_least_one(burst: float) -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(50, burst)


def test_defaults() -> None:
    limiter = TokenBucket(50)
    assert (limiter.rate, limiter.burst, limiter.window) == (50.0, 50, 1.0)
    assert TokenBucket(2.5).burst == 2
    slow = TokenBucket(0.5)
    assert (slow.burst, slow.window) == (1, 2.0)


def test_burst_is_free_then_callers_wait() -> None:
    limiter, clock = bucket(50)
    assert [limiter.acquire() for _ in range(50)] == [0.0] * 50
    waited = limiter.acquire()
    assert waited >= 1.0
    assert clock.last == waited


@pytest.mark.parametrize("n", [1, 50, 51, 120, 175])
def test_n_acquires_take_at_least_n_minus_burst_over_rate(n: int) -> None:
    limiter, clock = bucket(50)
    times = grant_times(limiter, clock, n)
    elapsed = times[-1] - times[0]
    assert elapsed >= (n - limiter.burst) / 50
    # and not needlessly slow: the next window opens as soon as the oldest grant is a second old
    assert elapsed <= (n - 1) // limiter.burst * limiter.window + 1e-6


@pytest.mark.parametrize(("rate", "burst"), [(50, None), (50, 1), (50, 10), (50, 25), (7, None), (1, None)])
def test_never_more_than_rate_in_any_second(rate: float, burst: float | None) -> None:
    limiter, clock = bucket(rate, burst)
    times = grant_times(limiter, clock, 4 * int(rate) + 3)
    assert most_in_any_window(times, 1.0) <= rate
    assert most_in_any_window(times, limiter.window) <= limiter.burst


def test_burst_of_one_spaces_grants_evenly() -> None:
    limiter, clock = bucket(50, 1)
    times = grant_times(limiter, clock, 60)
    assert all(b - a >= 1 / 50 for a, b in zip(times, times[1:]))


def test_sub_one_rate() -> None:
    limiter, clock = bucket(0.5)
    times = grant_times(limiter, clock, 4)
    assert all(b - a >= 2.0 for a, b in zip(times, times[1:]))


def test_idle_time_restores_the_burst() -> None:
    limiter, clock = bucket(50)
    grant_times(limiter, clock, 50)
    clock.sleep(1.0)
    assert [limiter.acquire() for _ in range(50)] == [0.0] * 50


def test_threads_share_the_limit() -> None:
    limiter, clock = bucket(50)
    times: list[float] = []
    times_lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                limiter.acquire()
                with times_lock:
                    times.append(clock.last)
        except BaseException as exc:  # surfaced below; a thread's exception would otherwise be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(times) == 400
    assert most_in_any_window(times, 1.0) <= 50
    assert max(times) - min(times) >= (400 - 50) / 50


def test_shared_bucket_is_one_per_rate() -> None:
    first = shared_bucket(1234.5)
    assert shared_bucket(1234.5) is first
    assert shared_bucket(1234.5).rate == 1234.5
    assert shared_bucket(987) is shared_bucket(987.0)
    assert shared_bucket(987) is not first


def test_shared_bucket_is_the_same_across_threads() -> None:
    seen: list[TokenBucket] = []
    threads = [threading.Thread(target=lambda: seen.append(shared_bucket(4321.0))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and all(b is seen[0] for b in seen)


def test_shared_bucket_refuses_a_bad_rate() -> None:
    with pytest.raises(ValueError):
        shared_bucket(0)


def test_the_shared_buckets_margin_keeps_delayed_arrivals_under_the_rate() -> None:
    """Requests reach the server a little after their grant, each by its own delay. Without a margin a
    one-second window at the server can hold more than ``rate`` of them; the shared buckets' margin absorbs
    delay differences up to ``ARRIVAL_MARGIN``."""
    clock = FakeClock()
    plain = TokenBucket(50, clock=clock, sleep=clock.sleep)
    granted = grant_times(plain, clock, 200)
    # The last grant of the first burst arrives late: with the next burst a window can then hold 51.
    late = [t + (0.099 if i == 49 else 0.0) for i, t in enumerate(granted)]
    assert most_in_any_window(sorted(late), 1.0) > 50

    clock = FakeClock()
    margined = TokenBucket(50, clock=clock, sleep=clock.sleep, margin=ARRIVAL_MARGIN)
    granted = grant_times(margined, clock, 200)
    late = [t + (0.099 if i == 49 else 0.0) for i, t in enumerate(granted)]
    assert most_in_any_window(sorted(late), 1.0) <= 50
    assert shared_bucket(50).window == pytest.approx(1.0 + ARRIVAL_MARGIN)


@pytest.mark.parametrize("rate", [2.5, 1.5, 7.9, 50.5])
def test_a_fractional_rate_is_never_exceeded_in_any_second(rate: float) -> None:
    """Issue 20 item 8/10: 2.5 per second used to let 4 calls through one second (burst 2, window 0.8 s)."""
    limiter, clock = bucket(rate)
    times = grant_times(limiter, clock, 4 * int(rate) + 5)
    assert most_in_any_window(times, 1.0) <= rate
    # and the rate is still used: a whole number of calls per second, floor(rate)
    assert most_in_any_window(times, 1.0) == math.floor(rate)


def test_a_429_at_the_ceiling_pauses_every_caller_for_all_of_retry_after_then_paces_at_four_fifths() -> None:
    """The first collision (the process thought it was alone): the whole Retry-After, then 0.8 x the 19/s the
    server admitted from it (20 sent, this one refused), evenly spaced."""
    limiter, clock = bucket(50)
    grant_times(limiter, clock, 20)  # sending 20 in the last second
    limiter.throttled(1.0)
    assert limiter.current_rate == 0.0
    first = grant_times(limiter, clock, 1)[0]
    assert first == pytest.approx(1.0)  # nobody went before Retry-After had passed
    assert limiter.current_rate == pytest.approx(15.2)
    times = grant_times(limiter, clock, 6)
    gaps = [b - a for a, b in zip([first, *times], times)]
    assert all(1 / 20 < gap <= 1 / 15.2 + 1e-6 for gap in gaps)  # evenly spaced (climbing back), no burst


def test_a_429_while_sharing_pauses_every_caller_a_quarter_of_a_one_second_retry_after() -> None:
    """Already lowered: Retry-After 1 pauses the process 0.25 s (the refused call itself waits all of it, see
    test_client.py), and the rate becomes 0.8 x what was admitted in the last second (10 sent, 1 refused)."""
    limiter, clock = bucket(50)
    grant_times(limiter, clock, 20)
    limiter.throttled(1.0)
    clock.sleep(3.0)  # back near the 19/s it was throttled at
    grant_times(limiter, clock, 10)
    limiter.throttled(1.0)
    start = clock()
    assert grant_times(limiter, clock, 1)[0] - start == pytest.approx(SHORT_PAUSE)
    assert limiter.current_rate == pytest.approx(0.8 * 9, abs=0.01)


def test_a_longer_retry_after_pauses_every_caller_for_all_of_it_even_while_sharing() -> None:
    limiter, clock = bucket(50)
    grant_times(limiter, clock, 20)
    limiter.throttled(1.0)
    clock.sleep(3.0)
    grant_times(limiter, clock, 10)
    limiter.throttled(5.0)
    start = clock()
    assert grant_times(limiter, clock, 1)[0] - start == pytest.approx(5.0)


def test_the_429s_of_calls_already_in_flight_do_not_lower_the_rate_again() -> None:
    limiter, clock = bucket(50)
    grant_times(limiter, clock, 40)
    limiter.throttled(1.0)
    lowered = 39 * DECREASE
    for _ in range(7):  # the rest of the burst, answered 429 during the pause
        limiter.throttled(1.0)
    clock.sleep(1.0)
    assert limiter.current_rate == pytest.approx(lowered)
    clock.sleep(0.5)
    grant_times(limiter, clock, 5)
    limiter.throttled(1.0)  # sharing now: 0.8 x the 4 admitted (5 sent, 1 refused), a quarter-second pause
    clock.sleep(SHORT_PAUSE / 2)
    limiter.throttled(1.0)  # in flight when it was lowered: extends the pause, does not lower again (to 2.4)
    clock.sleep(SHORT_PAUSE)
    plateau = ((4 - 3.2) / (RECOVERY_SCALE * 50)) ** (1 / 3)
    assert limiter.current_rate == pytest.approx(4 + RECOVERY_SCALE * 50 * (SHORT_PAUSE / 2 - plateau) ** 3)


def test_the_rate_climbs_back_cubically_plateauing_at_what_it_was_admitted_at() -> None:
    """Throttled with 11/s admitted: 8.8/s after the pause, back at 11/s after cbrt((11 - 8.8) / 0.4) = 1.77 s,
    where it stays a while (the others were there too), then accelerates to the ceiling: 50/s within 7 s, where
    the earlier linear climb of 1/s per second took 41 s."""
    limiter, clock = bucket(50)
    grant_times(limiter, clock, 12)
    limiter.throttled(1.0)
    clock.sleep(1.0)
    assert limiter.current_rate == pytest.approx(8.8)
    plateau = ((11 - 8.8) / (RECOVERY_SCALE * 50)) ** (1 / 3)
    assert plateau == pytest.approx(1.765, abs=0.001)
    clock.sleep(plateau - 0.6)
    assert 10.9 < limiter.current_rate < 11
    clock.sleep(0.6)
    assert limiter.current_rate == pytest.approx(11.0)
    clock.sleep(0.6)
    assert 11 < limiter.current_rate < 11.1
    clock.sleep(5 - plateau - 0.6)  # 5 s after the pause
    assert limiter.current_rate == pytest.approx(11 + 0.4 * (5 - plateau) ** 3)
    clock.sleep(2.0)
    assert limiter.current_rate == 50
    assert [limiter.acquire() for _ in range(50)] == [0.0] * 50  # the burst is back too


def test_a_trickle_throttled_at_one_call_a_second_is_lowered_to_two_and_climbs_back() -> None:
    """One call sent, that one refused: the lowest rate, 2/s (not 0.8/s), then CUBIC from there: 2.4/s a
    second later, 5.2/s two seconds later."""
    limiter, clock = bucket(50)
    limiter.acquire()
    limiter.throttled(1.0)
    clock.sleep(1.0)
    assert limiter.current_rate == pytest.approx(LOWEST_ADAPTIVE_RATE) == 2.0
    clock.sleep(1.0)
    assert limiter.current_rate == pytest.approx(2.4)
    clock.sleep(1.0)
    assert limiter.current_rate == pytest.approx(5.2)


def test_a_429_without_retry_after_pauses_a_quarter_second_and_the_rate_never_falls_below_the_lowest() -> None:
    limiter, clock = bucket(50)
    for _ in range(20):
        limiter.acquire()
        limiter.throttled(0.0)
        clock.sleep(1.0)
    assert limiter.current_rate >= LOWEST_ADAPTIVE_RATE
    limiter.throttled(0.0)
    start = clock()
    limiter.acquire()
    assert clock.last - start == pytest.approx(SHORT_PAUSE)


def test_a_paced_start_spaces_the_first_window_then_idle_time_restores_the_burst() -> None:
    """The shared bucket's first window is paced: K processes starting together each put at most one call in
    flight per 11 ms instead of their first 8 at once, so fewer of them are refused when the account overflows."""
    clock = FakeClock()
    limiter = TokenBucket(50, clock=clock, sleep=clock.sleep, margin=ARRIVAL_MARGIN, paced_start=True)
    times = grant_times(limiter, clock, 50)
    spacing = OPENING_SPACING * (1 + ARRIVAL_MARGIN) / 50
    assert [b - a for a, b in zip(times, times[1:])] == pytest.approx([spacing] * 49, abs=1e-5)
    clock.sleep(2.0)
    assert [limiter.acquire() for _ in range(50)] == [0.0] * 50


def test_the_shared_bucket_paces_its_start() -> None:
    shared = shared_bucket(47)  # a rate no other test uses: a fresh bucket
    start = time.monotonic()
    for _ in range(3):
        shared.acquire()
    assert time.monotonic() - start >= 2 * OPENING_SPACING * (1 + ARRIVAL_MARGIN) / 47
