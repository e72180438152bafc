"""What authenticating one request costs the client, in CPU microseconds: HMAC-SHA256 against Basic.

The client signs every attempt afresh (:func:`agora_pulumi.signing.hmac_headers` after
:func:`~agora_pulumi.signing.http_date`: the ``Date``, the body's SHA-256 ``Digest``, the HMAC over host,
date, request line and digest, and the header text), so that is timed per request with the benchmark's own
PATCH body. Basic is timed as :func:`~agora_pulumi.signing.basic_authorization` per request for comparison,
although the client computes it once per client and then only reuses the string.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.signing import basic_authorization, hmac_headers, http_date

from . import workload

HOST = "127.0.0.1:8080"


def _time_per_call(fn: Callable[[], Any], iterations: int, repeats: int) -> list[float]:
    """Microseconds per call, one figure per repeat (each the mean over ``iterations`` calls)."""
    samples: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(iterations):
            fn()
        samples.append((time.perf_counter() - started) * 1e6 / iterations)
    return samples


def measure(iterations: int = 20_000, repeats: int = 5) -> dict[str, Any]:
    """Median (and best) µs per request for HMAC and Basic, with the PATCH body of setting 0."""
    body = workload.encode(workload.body(0, workload.CREATE_INTERVAL))
    path = workload.path(0)

    def hmac_request() -> dict[str, str]:
        return hmac_headers(
            customer_id=DEFAULT_CUSTOMER_ID, customer_secret=DEFAULT_CUSTOMER_SECRET, method="PATCH", host=HOST,
            path=path, body=body, date=http_date(time.time()),
        )

    def basic_request() -> str:
        return basic_authorization(DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET)

    out: dict[str, Any] = {"iterations": iterations, "repeats": repeats, "body_bytes": len(body)}
    for scheme, fn in (("hmac", hmac_request), ("basic", basic_request)):
        fn()  # warm-up
        samples = _time_per_call(fn, iterations, repeats)
        out[scheme] = {
            "us_per_request": round(statistics.median(samples), 2),
            "best_us_per_request": round(min(samples), 2),
            "samples": [round(s, 2) for s in samples],
        }
    return out
