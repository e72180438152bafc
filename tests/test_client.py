"""The HTTP client over real sockets against the emulator: auth, retries, error mapping, redaction."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from agora_pulumi import errors
from agora_pulumi.client import (
    USER_AGENT,
    AgoraClient,
    AgoraRetry,
    ClientConfig,
    build_retry,
    settings_path,
    worst_case_seconds,
)
from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.ratelimit import TokenBucket
from agora_pulumi.testing.emulator import EmulatorHandle
from tests.support import APP_ID

BODY = {
    "enabled": True,
    "snapshotInterval": 30,
    "enableModeration": False,
    "storageConfig": {"vendor": 2, "region": 3, "bucket": "snaps", "accessKey": "AK-client-01", "secretKey": "SK-client-01"},
}


def client(url: str, **overrides: object) -> AgoraClient:
    fields: dict[str, object] = {
        "customer_id": DEFAULT_CUSTOMER_ID,
        "customer_secret": DEFAULT_CUSTOMER_SECRET,
        "endpoint": url,
        "backoff_factor": 0.01,
        "backoff_jitter": 0.0,
        "max_retry_after": 0.3,
        "read_timeout": 2.0,
    }
    fields.update(overrides)
    return AgoraClient(ClientConfig(**fields))  # type: ignore[arg-type]


def test_patch_then_get_round_trip_with_basic_auth_and_user_agent(emu: EmulatorHandle) -> None:
    c = client(emu.url)
    c.patch_setting(SettingIdentity(APP_ID, "live", "cn"), BODY)
    assert c.get_setting(SettingIdentity(APP_ID, "live", "cn")) == BODY
    requests_seen = emu.api_requests()
    assert [r["auth"] for r in requests_seen] == ["ok", "ok"]
    assert {r["user_agent"] for r in requests_seen} == {USER_AGENT}
    assert USER_AGENT.startswith("agora-pulumi/")


def test_path_segments_are_encoded_so_inputs_cannot_reshape_the_path() -> None:
    assert settings_path(SettingIdentity("a/b", "x?y", "cn")) == "/v1/projects/a%2Fb/fls/entry_points/x%3Fy/settings/snapshot/regions/cn"


def test_transient_failures_are_retried_until_success(emu: EmulatorHandle) -> None:
    emu.set_faults(queue=[{"status": 500}, {"status": 503}, {"status": 429, "retry_after": 1}])
    client(emu.url).patch_setting(SettingIdentity(APP_ID, "live", "cn"), BODY)
    statuses = [r["status"] for r in emu.api_requests()]
    assert statuses == [500, 503, 429, 200]
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is True


def test_retry_after_is_honoured_up_to_the_configured_ceiling(emu: EmulatorHandle) -> None:
    emu.set_faults(queue=[{"status": 429, "retry_after": 1}])
    started = time.monotonic()
    client(emu.url, max_retry_after=0.5).patch_setting(SettingIdentity(APP_ID, "live", "cn"), BODY)
    assert time.monotonic() - started >= 0.5
    assert AgoraRetry().parse_retry_after("3600") == 30  # the default ceiling
    capped = build_retry(ClientConfig(DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET, max_retry_after=3))
    assert capped.parse_retry_after("3600") == 3
    assert capped.new().parse_retry_after("3600") == 3


def test_a_refused_call_waits_all_of_retry_after_though_its_process_pauses_less(emu: EmulatorHandle) -> None:
    """Already sharing the account (its rate lowered by an earlier 429), the process pauses only 0.25 s for a
    Retry-After of 1; the refused call itself is not sent again before the whole second has passed."""
    limiter = TokenBucket(50)
    for _ in range(40):
        limiter.acquire()
    limiter.throttled(0.01)  # an earlier 429: sharing now, at 0.8 x 39/s
    time.sleep(0.05)
    emu.set_faults(queue=[{"status": 429, "retry_after": 1}])
    c = AgoraClient(client(emu.url, max_retry_after=5).config, limiter=limiter)
    started = time.monotonic()
    c.patch_setting(SettingIdentity(APP_ID, "live", "cn"), BODY)
    assert time.monotonic() - started >= 1.0
    assert [r["status"] for r in emu.api_requests()] == [429, 200]


def test_exhausted_retries_raise_server_error_with_attempts_and_request_id(emu: EmulatorHandle) -> None:
    emu.set_faults(queue=[{"status": 502}] * 3)
    with pytest.raises(errors.ServerError) as err:
        client(emu.url, max_retries=2).patch_setting(SettingIdentity(APP_ID, "live", "cn"), BODY)
    assert err.value.status == 502 and err.value.attempts == 3
    assert err.value.request_id == emu.api_requests()[-1]["request_id"]
    assert "after 3 attempts" in str(err.value)
    assert len(emu.api_requests()) == 3
    assert emu.stored(APP_ID, "live", "cn") is None


@pytest.mark.parametrize(("status", "cls"), [(400, errors.BadRequestError), (401, errors.AuthenticationError),
                                             (404, errors.NotFoundError)])
def test_client_errors_are_not_retried_and_map_to_one_class_each(
    emu: EmulatorHandle, status: int, cls: type[errors.APIError]
) -> None:
    emu.set_faults(queue=[{"status": status}])
    with pytest.raises(cls) as err:
        client(emu.url).patch_setting(SettingIdentity(APP_ID, "live", "cn"), BODY)
    assert len(emu.api_requests()) == 1
    assert isinstance(err.value, errors.AgoraError) and err.value.status == status
    assert errors.error_class_for(status) is cls


def test_status_table_covers_5xx_and_unknown_codes() -> None:
    assert errors.error_class_for(504) is errors.ServerError
    assert errors.error_class_for(418) is errors.APIError


def test_real_validation_error_carries_agoras_message_without_secrets(emu: EmulatorHandle) -> None:
    bad = {**BODY, "snapshotInterval": 3}
    with pytest.raises(errors.BadRequestError) as err:
        client(emu.url).patch_setting(SettingIdentity(APP_ID, "live", "cn"), bad)
    assert "snapshotInterval" in str(err.value)
    assert "AK-client-01" not in str(err.value) and "SK-client-01" not in str(err.value)


def test_refused_connection_is_a_transport_error_naming_the_endpoint() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(errors.TransportError) as err:
        client(url, max_retries=1).get_setting(SettingIdentity(APP_ID, "live", "cn"))
    assert url in str(err.value) and "refused" in str(err.value)
    assert DEFAULT_CUSTOMER_SECRET not in str(err.value)


def test_redact_replaces_every_secret() -> None:
    assert errors.redact("key AKxyz and SKabc", ["AKxyz", "SKabc", None, ""]) == "key [redacted] and [redacted]"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"customer_id": ""}, "agora:customerId"),
        ({"customer_secret": ""}, "--secret agora:customerSecret"),
        ({"endpoint": "ftp://x"}, "agora:endpoint"),
        ({"endpoint": "http://api.agora.io"}, "https"),
        ({"max_retries": -1}, "agora:maxRetries must be >= 0, got -1"),
        ({"connect_timeout": 0}, "agora:connectTimeoutSeconds must be > 0, got 0"),
        ({"read_timeout": 0}, "agora:timeoutSeconds must be > 0, got 0"),
    ],
)
def test_bad_configuration_is_a_clear_error(fields: dict[str, object], words: str) -> None:
    base: dict[str, object] = {"customer_id": "id", "customer_secret": "secret-value-999"}
    with pytest.raises(errors.ConfigurationError) as err:
        ClientConfig(**{**base, **fields})  # type: ignore[arg-type]
    assert words in str(err.value)
    assert "secret-value-999" not in repr(ClientConfig("id", "secret-value-999"))


def test_worst_case_bound_is_computable_from_the_config() -> None:
    config = ClientConfig("id", "s", max_retries=2, connect_timeout=1, read_timeout=2, backoff_max=4,
                          max_retry_after=5)
    assert worst_case_seconds(config) == 3 * 3 + 2 * 5


def test_loopback_endpoint_bypasses_proxies_from_the_environment(
    emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    client(emu.url).patch_setting(SettingIdentity(APP_ID, "live", "cn"), BODY)
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is True


def test_remote_endpoint_goes_through_the_environments_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Corporate egress: HTTPS_PROXY is honoured (the proxy here records the CONNECT line and hangs up)."""
    received: list[bytes] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(10)

        def proxy() -> None:
            for _ in range(2):
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    received.append(conn.recv(4096))

        thread = threading.Thread(target=proxy, daemon=True)
        thread.start()
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with pytest.raises(errors.TransportError):
            client("https://api.agora.example", max_retries=1).get_setting(SettingIdentity(APP_ID, "live", "cn"))
        thread.join(timeout=10)
    assert received and received[0].startswith(b"CONNECT api.agora.example:443")
    assert DEFAULT_CUSTOMER_SECRET.encode() not in b"".join(received)
