"""The current reference's transport over real sockets: HMAC-SHA256 signing per attempt, clock skew
explained, domain failover, and the process-wide rate limit.

Agora is the project's emulator (``--auth hmac`` verifies every signature independently of the client's
code); a second emulator, or a closed port, stands in for the failing first domain.
"""

from __future__ import annotations

import socket
import time
from typing import Any, Iterator

import pytest

from agora_pulumi import errors
from agora_pulumi.client import AgoraClient
from agora_pulumi.client_config import DEFAULT_ENDPOINTS, ClientConfig
from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.ratelimit import TokenBucket
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from tests.support import APP_ID

SETTING = SettingIdentity(APP_ID, "live", "cn")
BODY: dict[str, Any] = {"enabled": True, "snapshotInterval": 30, "enableModeration": False}


@pytest.fixture(scope="module")
def hmac_emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(auth="hmac") as handle:
        yield handle


@pytest.fixture
def hemu(hmac_emulator: EmulatorHandle) -> EmulatorHandle:
    hmac_emulator.reset()
    return hmac_emulator


@pytest.fixture(scope="module")
def second_emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(auth="hmac") as handle:
        yield handle


@pytest.fixture
def first(second_emulator: EmulatorHandle) -> EmulatorHandle:
    """The first domain of a failover pair (reset for each test)."""
    second_emulator.reset()
    return second_emulator


def client(**fields: Any) -> AgoraClient:
    config: dict[str, Any] = {
        "customer_id": DEFAULT_CUSTOMER_ID,
        "customer_secret": DEFAULT_CUSTOMER_SECRET,
        "backoff_factor": 0.01,
        "backoff_jitter": 0,
        "max_retry_after": 0.2,
        **fields,
    }
    clock = config.pop("clock", time.time)
    limiter = config.pop("limiter", None)
    return AgoraClient(ClientConfig(**config), clock=clock, limiter=limiter)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# --- HMAC ------------------------------------------------------------------------------------------------


def test_hmac_is_the_default_and_the_emulator_accepts_it(hemu: EmulatorHandle) -> None:
    c = client(endpoint=hemu.url)
    c.patch_setting(SETTING, BODY)
    assert c.get_setting(SETTING) == BODY
    seen = hemu.api_requests()
    assert [(r["method"], r["auth"], r["auth_scheme"]) for r in seen] == [("PATCH", "ok", "hmac"), ("GET", "ok", "hmac")]
    assert hemu.stored(APP_ID, "live", "cn") == BODY


def test_basic_is_kept_for_the_seed_api() -> None:
    with running_emulator(auth="basic") as basic_only:
        client(endpoint=basic_only.url, auth_scheme="basic").patch_setting(SETTING, BODY)
        assert [(r["auth"], r["auth_scheme"]) for r in basic_only.api_requests()] == [("ok", "basic")]


def test_wrong_secret_is_a_clear_401_without_the_secret(hemu: EmulatorHandle) -> None:
    with pytest.raises(errors.AuthenticationError) as err:
        client(endpoint=hemu.url, customer_secret="not-the-right-secret-42").patch_setting(SETTING, BODY)
    text = str(err.value)
    assert "HTTP 401" in text and "signature does not match" in text and "agora:customerSecret" in text
    assert "not-the-right-secret-42" not in text and "signature=" not in text
    assert hemu.stored(APP_ID, "live", "cn") is None


def test_a_local_clock_far_off_is_named_in_the_401(hemu: EmulatorHandle) -> None:
    """The signature is right but dated 20 minutes ago: the gateway refuses it, and the error says why."""
    with pytest.raises(errors.AuthenticationError) as err:
        client(endpoint=hemu.url, clock=lambda: time.time() - 1200).get_setting(SETTING)
    text = str(err.value)
    assert "The local clock is 1200 seconds behind Agora's" in text or "The local clock is 1199 seconds behind" in text
    assert "synchronise the clock" in text


def test_a_clock_within_the_window_gets_no_skew_note(hemu: EmulatorHandle) -> None:
    with pytest.raises(errors.AuthenticationError) as err:
        client(endpoint=hemu.url, customer_secret="wrong-secret-0000").get_setting(SETTING)
    assert "local clock" not in str(err.value)


def test_every_attempt_is_signed_afresh(hemu: EmulatorHandle) -> None:
    """After a 503 the retry carries a new Date (the injected clock moved on) and a signature the emulator
    accepts for it; the bytes sent are the bytes digested (the emulator checks Digest against the body)."""
    hemu.set_faults(queue=[{"status": 503, "method": "PATCH"}])
    start = time.time()
    moments = iter((start, start + 61))  # the retry is signed a minute later, within the ±300 s window
    c = client(endpoint=hemu.url, clock=lambda: next(moments))
    c.patch_setting(SETTING, BODY)
    seen = hemu.api_requests("PATCH")
    assert [r["status"] for r in seen] == [503, 200]
    assert seen[1]["auth"] == "ok" and seen[1]["auth_scheme"] == "hmac"
    assert seen[0]["date"] != seen[1]["date"]
    assert hemu.stored(APP_ID, "live", "cn") == BODY


# --- failover --------------------------------------------------------------------------------------------


def test_default_endpoints_are_agoras_two_domains() -> None:
    config = ClientConfig("id", "secret-0001")
    assert config.origins == DEFAULT_ENDPOINTS == ("https://api.agora.io", "https://api.sd-rtn.com")


def test_refused_first_endpoint_fails_over_to_the_second(hemu: EmulatorHandle) -> None:
    dead = closed_port_url()
    client(endpoints=(dead, hemu.url)).patch_setting(SETTING, BODY)
    assert [r["status"] for r in hemu.api_requests()] == [200]
    assert hemu.stored(APP_ID, "live", "cn") == BODY


def test_503_on_the_first_endpoint_fails_over_re_signed_for_the_second_host(
    first: EmulatorHandle, hemu: EmulatorHandle
) -> None:
    first.set_faults(fail_rate=1.0, fail_status=503)
    # The second endpoint is named "localhost": a signature made for the first host would not verify there.
    second = hemu.url.replace("127.0.0.1", "localhost")
    client(endpoints=(first.url, second)).patch_setting(SETTING, BODY)
    assert [r["status"] for r in first.api_requests()] == [503]
    assert [(r["status"], r["auth"]) for r in hemu.api_requests()] == [(200, "ok")]


def test_failover_alternates_until_the_budget_is_spent_and_names_every_endpoint(
    first: EmulatorHandle, hemu: EmulatorHandle
) -> None:
    first.set_faults(fail_rate=1.0, fail_status=503)
    hemu.set_faults(fail_rate=1.0, fail_status=503)
    with pytest.raises(errors.ServerError) as err:
        client(endpoints=(first.url, hemu.url), max_retries=3).get_setting(SETTING)
    assert len(first.api_requests()) == 2 and len(hemu.api_requests()) == 2
    assert f"endpoints tried: {first.url}, {hemu.url}" in str(err.value) and "after 4 attempts" in str(err.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_a_4xx_never_fails_over(first: EmulatorHandle, hemu: EmulatorHandle, status: int) -> None:
    first.set_faults(queue=[{"status": status}])
    with pytest.raises(errors.APIError) as err:
        client(endpoints=(first.url, hemu.url)).get_setting(SETTING)
    assert err.value.status == status
    assert len(first.api_requests()) == 1 and hemu.api_requests() == []


def test_transport_error_names_every_endpoint_tried() -> None:
    dead1, dead2 = closed_port_url(), closed_port_url()
    with pytest.raises(errors.TransportError) as err:
        client(endpoints=(dead1, dead2), max_retries=1).get_setting(SETTING)
    assert f"agora:endpoints {dead1}, {dead2} after 2 attempts" in str(err.value)


def test_single_endpoint_means_no_failover(hemu: EmulatorHandle) -> None:
    hemu.set_faults(queue=[{"status": 503}])
    client(endpoint=hemu.url).get_setting(SETTING)
    assert [r["status"] for r in hemu.api_requests()] == [503, 200]


# --- configuration ---------------------------------------------------------------------------------------


def test_endpoints_from_stack_config_and_environment() -> None:
    def config(values: dict[str, str]) -> Any:
        return lambda key: values.get(key)

    base = {"agora:customerId": "id", "agora:customerSecret": "secret-0001"}
    listed = ClientConfig.from_sources(
        config({**base, "agora:endpoints": '["https://api.sd-rtn.com", "https://api.agora.io"]'}), {}
    )
    assert listed.origins == ("https://api.sd-rtn.com", "https://api.agora.io")
    env = ClientConfig.from_sources(config(base), {"AGORA_ENDPOINTS": "https://a.example, https://b.example/"})
    assert env.origins == ("https://a.example", "https://b.example")
    # Stack config wins over the environment, even in the other spelling.
    single = ClientConfig.from_sources(
        config({**base, "agora:endpoint": "https://c.example"}), {"AGORA_ENDPOINTS": "https://a.example"}
    )
    assert single.origins == ("https://c.example",)
    assert ClientConfig.from_sources(config({**base, "agora:authScheme": "basic"}), {}).auth_scheme == "basic"
    assert ClientConfig.from_sources(config(base), {"AGORA_AUTH_SCHEME": "basic"}).auth_scheme == "basic"
    assert ClientConfig.from_sources(config(base), {}).max_requests_per_second == 50


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"endpoint": "https://a.example", "endpoints": ("https://b.example",)}, "both set"),
        ({"endpoints": ("https://a.example", "http://b.example")}, "agora:endpoints 'http://b.example' is plain http"),
        ({"auth_scheme": "digest"}, "agora:authScheme must be one of hmac, basic"),
        ({"max_requests_per_second": 0}, "agora:maxRequestsPerSecond must be >= 0.1"),
    ],
)
def test_bad_transport_configuration_is_a_clear_error(fields: dict[str, Any], words: str) -> None:
    with pytest.raises(errors.ConfigurationError) as err:
        ClientConfig("id", "secret-0001", **fields)
    assert words in str(err.value)


# --- rate limit ------------------------------------------------------------------------------------------


def test_every_attempt_draws_from_the_rate_limit(hemu: EmulatorHandle) -> None:
    """A fake clock: the limiter is consulted once per attempt, retries included, and spaces them out."""
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(2, clock=lambda: now[0], sleep=sleep)
    hemu.set_faults(queue=[{"status": 503}])
    c = client(endpoint=hemu.url, limiter=bucket)
    c.get_setting(SETTING)  # 2 attempts: the 503 and its retry
    c.get_setting(SETTING)  # the third request in one fake second must wait for the window
    assert len(hemu.api_requests()) == 3
    assert waits and sum(waits) == pytest.approx(1.0)


def test_one_bucket_per_process_for_every_client_of_a_rate(hemu: EmulatorHandle) -> None:
    a = client(endpoint=hemu.url, max_requests_per_second=37)
    b = client(endpoint=hemu.url, max_requests_per_second=37)
    assert a._limiter is b._limiter
