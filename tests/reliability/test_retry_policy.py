"""The retry policy's promises: it backs off (from the first retry) with jitter, honours Retry-After up to a
ceiling, stops after agora:maxRetries, and never takes longer than the documented bound.

The bound, per call (``client.worst_case_seconds``), with R = agora:maxRetries, C = connectTimeoutSeconds,
T = timeoutSeconds, b = retryBackoffSeconds, J = retryJitterSeconds, A = maxRetryAfterSeconds, B = 8 s::

    (R + 1) * (C + T)  +  sum over n = 1..R of  max(min(B, b * 2**(n-1) + J), A)
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import grpc
import pytest
from urllib3.util.retry import RequestHistory

from agora_pulumi.client import AgoraClient, ClientConfig, build_retry, worst_case_seconds
from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.model import check_props
from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.engine import ProviderServer
from tests.support import APP_ID, clean_env, setting_inputs, stack_config

from .helpers import api_path, client_config, direct_client, settle, stored, stored_setting, without_provider


def failed(n: int) -> tuple[RequestHistory, ...]:
    return tuple(RequestHistory("GET", "/", None, 503, None) for _ in range(n))


def checked(entry_point: str) -> dict[str, Any]:
    inputs, failures = check_props(setting_inputs(entryPoint=entry_point))
    assert failures == []
    return inputs


def test_every_retry_backs_off_exponentially_including_the_first() -> None:
    retry = build_retry(ClientConfig("id", "secret", backoff_factor=0.5, backoff_jitter=0.0, backoff_max=8.0))
    waits = [retry.new(history=failed(n)).get_backoff_time() for n in range(0, 7)]
    # no wait before the first attempt; 0.5, 1, 2, 4 s before retries 1-4; then the 8 s cap
    assert waits == [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_jitter_is_applied_when_configured_and_stays_within_its_bounds() -> None:
    retry = build_retry(ClientConfig("id", "secret", backoff_factor=0.5, backoff_jitter=0.5, backoff_max=8.0))
    for n, base in ((1, 0.5), (2, 1.0), (3, 2.0)):
        samples = [retry.new(history=failed(n)).get_backoff_time() for _ in range(200)]
        assert all(base <= s <= base + 0.5 for s in samples)
        assert len(set(samples)) > 150  # really random, not a constant offset
        assert statistics.pstdev(samples) > 0.1  # spread over the jitter window (uniform: 0.144)
    capped = [retry.new(history=failed(6)).get_backoff_time() for _ in range(20)]
    assert capped == [8.0] * 20  # jitter never pushes a wait past the cap


def test_jitter_spreads_real_sleeps(emu: EmulatorHandle) -> None:
    """Measured loosely over real sockets: with b=0 and J=0.3 each single retry sleeps a different 0-0.3 s."""
    client = AgoraClient(ClientConfig(DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET, endpoint=emu.url,
                                      backoff_factor=0.0, backoff_jitter=0.3))
    durations = []
    for _ in range(6):
        emu.set_faults(queue=[{"status": 503}])
        started = time.monotonic()
        client.get_setting(SettingIdentity(APP_ID, "jitter", "cn"))
        durations.append(time.monotonic() - started)
    assert max(durations) - min(durations) > 0.03
    assert max(durations) < 0.3 + 0.5


def test_the_first_retry_is_not_immediate(emu: EmulatorHandle) -> None:
    """A 503 is not hammered: the first retry waits retryBackoffSeconds (urllib3 alone would not wait)."""
    client = AgoraClient(ClientConfig(DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET, endpoint=emu.url,
                                      backoff_factor=0.3, backoff_jitter=0.0))
    emu.set_faults(queue=[{"status": 503}])
    started = time.monotonic()
    client.get_setting(SettingIdentity(APP_ID, "first-retry", "cn"))
    assert time.monotonic() - started >= 0.3
    assert [e["status"] for e in settle(emu, api_path("first-retry"), 2)] == [503, 200]


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_max_retries_is_the_users_ceiling_on_attempts(emu: EmulatorHandle, max_retries: int) -> None:
    config = stack_config(emu.url, **{"agora:maxRetries": str(max_retries)})
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(config)
        emu.set_faults(queue=[{"status": 503}] * 10)
        with pytest.raises(grpc.RpcError) as err:
            srv.create(checked("ceiling"))
    attempts = max_retries + 1
    assert len(settle(emu, api_path("ceiling"), attempts)) == attempts
    assert "HTTP 503" in err.value.details()
    assert (f"after {attempts} attempts" in err.value.details()) == (attempts > 1)
    assert stored(emu, "ceiling") is None


def test_a_huge_retry_after_is_capped_by_max_retry_after_seconds(emu: EmulatorHandle) -> None:
    config = stack_config(emu.url, **{"agora:maxRetryAfterSeconds": "0.3"})
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(config)
        emu.set_faults(queue=[{"status": 429, "retry_after": 3600}, {"status": 503, "retry_after": 86400}])
        started = time.monotonic()
        id_, outs = srv.create(checked("retry-after"))
        elapsed = time.monotonic() - started
    assert 0.6 <= elapsed < 3.0  # two capped waits, not an hour
    assert [e["status"] for e in settle(emu, api_path("retry-after"), 3)] == [429, 503, 200]
    assert stored_setting(emu, "retry-after")["enabled"] is True
    assert id_ == f"{APP_ID}/retry-after/cn" and without_provider(outs)["enabled"] is True


def test_the_worst_case_bound_holds_when_every_attempt_fails_as_slowly_as_possible(emu: EmulatorHandle) -> None:
    """Timeouts and capped Retry-After waits combined: still inside worst_case_seconds."""
    config = stack_config(emu.url, **{
        "agora:maxRetries": "3", "agora:timeoutSeconds": "0.3", "agora:maxRetryAfterSeconds": "0.2",
        "agora:retryBackoffSeconds": "0.05", "agora:retryJitterSeconds": "0.05",
    })
    bound = worst_case_seconds(client_config(config))
    slow = {"action": "delay", "seconds": 0.6, "method": "GET"}
    # A 503 with Retry-After: a 429 is waited out (uncounted) while the deadline allows, see test_shared_account.py
    throttled = {"status": 503, "retry_after": 60, "method": "GET"}
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(config)
        direct_client(emu.url).patch_setting(SettingIdentity(APP_ID, "worst", "cn"), {"enabled": True})
        emu.set_faults(queue=[slow, throttled, slow, slow])
        outs = {**checked("worst"), "storageConfig": None}
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as err:
            srv.read(f"{APP_ID}/worst/cn", outs)
        elapsed = time.monotonic() - started
    assert "after 4 attempts" in err.value.details() and "timeoutSeconds (0.3 s)" in err.value.details()
    assert 3 * 0.3 + 0.2 <= elapsed <= bound + 1.0
    settle(emu, api_path("worst"), 5)


def test_default_bound_is_what_the_readme_documents() -> None:
    config = ClientConfig("id", "secret")
    assert (config.max_retries, config.connect_timeout, config.read_timeout) == (4, 5.0, 30.0)
    assert (config.backoff_factor, config.backoff_jitter, config.max_retry_after, config.backoff_max) == (
        0.5, 0.5, 30.0, 8.0)
    assert worst_case_seconds(config) == 5 * (5 + 30) + 4 * 30 == 295
    # With Retry-After waits shortened (agora:maxRetryAfterSeconds=0), the waits are the backoff alone.
    no_retry_after = ClientConfig("id", "secret", max_retry_after=0)
    assert worst_case_seconds(no_retry_after) == 175 + (1.0 + 1.5 + 2.5 + 4.5)
