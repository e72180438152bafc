"""Concurrency: 200 settings created, updated, refreshed and deleted with the provider server's 4 gRPC worker
threads busy at once (16 engine-side callers), while Agora is slow (40 ms a request) and randomly fails
5% of requests with a 503. Every setting must end exactly in its intended state, every write must reach
Agora exactly once with a 200, and the work must really run in parallel.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, TypeVar

import pytest

from agora_pulumi.regions import PUSH_REGIONS
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import ProviderServer
from tests.support import APP_ID, clean_env, setting_inputs, stack_config

from .helpers import api_path, wire_body, without_provider

N = 200
CALLERS = 16  # more than the server's 4 workers: the pool is always saturated
LATENCY_MS = 40
FAIL_RATE = 0.05
T = TypeVar("T")


def entry_point(i: int) -> str:
    return f"cc-{i:03d}"


def region(i: int) -> str:
    return PUSH_REGIONS[i % len(PUSH_REGIONS)]


def ident(i: int) -> str:
    return f"{APP_ID}/{entry_point(i)}/{region(i)}"


def inputs(i: int, version: int) -> dict[str, Any]:
    """Distinct values per setting and version, so a body sent for the wrong setting cannot go unnoticed."""
    return setting_inputs(
        entryPoint=entry_point(i),
        region=region(i).upper(),
        snapshotInterval=float(5 + (i * 7 + version * 13) % 296),
        enableModeration=(i + version) % 2 == 0,
        storageConfig={"vendor": 1.0, "region": float(i % 18), "bucket": f"bucket-{i}-v{version}",
                       "accessKey": f"AK-{i}-v{version}", "secretKey": f"SK-{i}-v{version}"},
    )


def in_parallel(fn: Callable[[int], T]) -> tuple[list[T], float]:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        results = list(pool.map(fn, range(N)))
    return results, time.monotonic() - started


@pytest.fixture
def slow_flaky_emu() -> Iterator[EmulatorHandle]:
    # Its own emulator without Agora's rate limit: the test lifts the client's too (see config below).
    with running_emulator(auth="hmac", rate_limit=0) as emu:
        emu.set_faults(latency_ms=LATENCY_MS, fail_rate=FAIL_RATE, fail_status=503)
        yield emu


def config(url: str) -> dict[str, str]:
    # 0.05**9: a lost write is not a flake. The rate limit (50/s by default) is lifted: this test is about
    # the parallelism of the provider's workers, not the limit (tested in tests/test_client_hmac_failover.py).
    return stack_config(url, **{"agora:maxRetries": "8", "agora:maxRequestsPerSecond": "10000"})


def stored_all(emu: EmulatorHandle) -> list[Any]:
    return [emu.stored(APP_ID, entry_point(i), region(i)) for i in range(N)]


def writes_per_setting(emu: EmulatorHandle, method: str) -> Counter[str]:
    return Counter(e["path"] for e in emu.api_requests(method) if e["status"] == 200)


def test_200_settings_through_4_busy_workers_end_exactly_as_intended(slow_flaky_emu: EmulatorHandle) -> None:
    emu = slow_flaky_emu
    paths = {api_path(entry_point(i), region(i)) for i in range(N)}
    serial_seconds = N * LATENCY_MS / 1000

    with ProviderServer(env=clean_env()) as up:  # `pulumi up` (create), then `pulumi up` (update) + refresh
        up.configure(config(emu.url))

        def create(i: int) -> dict[str, Any]:
            checked, failures = up.check(inputs(i, 1), name=entry_point(i))
            assert failures == []
            id_, outs = up.create(without_provider(checked), name=entry_point(i))
            assert id_ == ident(i)
            return without_provider(outs)

        created, elapsed = in_parallel(create)
        print(f"\n{N} creates: {elapsed:.2f}s (serially >= {serial_seconds:.1f}s)")
        assert elapsed < serial_seconds / 2, f"creates took {elapsed:.1f}s: not parallel"
        assert stored_all(emu) == [wire_body(outs) for outs in created]
        assert [o["storageConfig"]["secretKey"] for o in created] == [f"SK-{i}-v1" for i in range(N)]

        def update(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
            news, failures = up.check(inputs(i, 2), olds=created[i], name=entry_point(i))
            assert failures == []
            news = without_provider(news)
            assert list(up.diff(ident(i), created[i], news, name=entry_point(i)).replaces) == []
            outs = without_provider(up.update(ident(i), created[i], news, name=entry_point(i)))
            read_id, read_outs, _ = up.read(ident(i), outs, name=entry_point(i))
            assert read_id == ident(i)
            return outs, without_provider(read_outs)

        results, elapsed = in_parallel(update)
        print(f"{N} updates + reads: {elapsed:.2f}s (serially >= {2 * serial_seconds:.1f}s)")
        assert elapsed < 2 * serial_seconds / 2, f"updates and reads took {elapsed:.1f}s: not parallel"
        updated = [outs for outs, _ in results]
        assert [read for _, read in results] == updated
        assert stored_all(emu) == [wire_body(outs) for outs in updated]
        assert [o["snapshotInterval"] for o in updated] == [5 + (i * 7 + 26) % 296 for i in range(N)]

    with ProviderServer(env=clean_env()) as destroy:  # `pulumi destroy`
        destroy.configure(config(emu.url))
        _, elapsed = in_parallel(lambda i: destroy.delete(ident(i), updated[i], name=entry_point(i)))
        print(f"{N} deletes: {elapsed:.2f}s (serially >= {serial_seconds:.1f}s)")
        assert elapsed < serial_seconds / 2, f"deletes took {elapsed:.1f}s: not parallel"

    assert stored_all(emu) == [{**wire_body(outs), "enabled": False} for outs in updated]
    deadline = time.monotonic() + 5  # the emulator logs a request just after answering it
    while sum(writes_per_setting(emu, "PATCH").values()) < 3 * N and time.monotonic() < deadline:
        time.sleep(0.05)
    # Every write reached Agora exactly once with a 200 (create, update, delete), every refresh once.
    assert writes_per_setting(emu, "PATCH") == {path: 3 for path in paths}
    assert writes_per_setting(emu, "GET") == {path: 1 for path in paths}
    failed = [e for e in emu.api_requests() if e["status"] != 200]
    assert all(e["status"] == 503 and e["fault"] == "fail_rate:503" for e in failed)
    assert failed, "the random 503s should have hit some requests"
