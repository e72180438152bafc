"""Fault injection: every kind, its effect on the stored state, and the ``--fault`` spec syntax."""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest
import requests

from agora_pulumi.emulator import FaultItem, parse_fault_spec
from agora_pulumi.testing.emulator import EmulatorHandle

from .support import APP, ENTRY, new_session, settings_path

BODY = {"enabled": True, "snapshotInterval": 99}
APPLIED = {"enabled": True, "enableModeration": False, "snapshotInterval": 99}


def target(emu: EmulatorHandle) -> str:
    return emu.url + settings_path()


def test_status_queue_is_consumed_in_order_with_retry_after(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    open_emu.set_faults(
        queue=[
            {"status": 429, "retry_after": 3},
            {"status": 503},
            {"status": 500, "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT"},
        ]
    )
    first = http.get(target(open_emu))
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "3"
    assert first.json()["requestId"] == first.headers["X-Request-Id"]
    second = http.get(target(open_emu))
    assert second.status_code == 503
    assert "Retry-After" not in second.headers
    third = http.get(target(open_emu))
    assert third.status_code == 500
    assert third.headers["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert http.get(target(open_emu)).status_code == 200
    assert [e["fault"] for e in open_emu.requests()] == ["status:429", "status:503", "status:500", None]
    assert open_emu.faults()["queue"] == []


def test_fractional_retry_after_is_sent_as_given(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=[{"status": 429, "retry_after": 0.25}])
    assert http.get(target(open_emu)).headers["Retry-After"] == "0.25"


def test_status_fault_does_not_apply_the_patch(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=[{"status": 503}])
    assert http.patch(target(open_emu), json=BODY).status_code == 503
    assert open_emu.stored(APP, ENTRY, "cn") is None


def test_apply_true_stores_the_patch_then_fails(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=[{"status": 500, "apply": True}])
    response = http.patch(target(open_emu), json=BODY)
    assert response.status_code == 500
    assert open_emu.stored(APP, ENTRY, "cn") == APPLIED
    assert open_emu.requests()[0]["fault"] == "status:500+apply"


def test_method_filter_only_matching_requests_consume_the_fault(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    open_emu.set_faults(queue=[{"status": 502, "method": "PATCH"}, {"status": 504}])
    assert http.get(target(open_emu)).status_code == 504, "GET skips the PATCH-only item and takes the next"
    assert http.get(target(open_emu)).status_code == 200
    assert http.patch(target(open_emu), json=BODY).status_code == 502
    assert open_emu.stored(APP, ENTRY, "cn") is None
    assert http.patch(target(open_emu), json=BODY).status_code == 200
    assert open_emu.stored(APP, ENTRY, "cn") == APPLIED


def test_faults_apply_to_unauthenticated_and_unknown_paths_too(open_emu: EmulatorHandle) -> None:
    open_emu.set_faults(queue=[{"status": 503}, {"status": 502}])
    assert new_session(auth=None).get(target(open_emu)).status_code == 503
    assert new_session().get(open_emu.url + "/nope").status_code == 502


def test_reset_closes_the_connection_without_a_response(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    open_emu.set_faults(queue=[{"action": "reset"}])
    with pytest.raises(requests.ConnectionError):
        http.patch(target(open_emu), json=BODY)
    assert open_emu.stored(APP, ENTRY, "cn") is None
    assert http.get(target(open_emu)).status_code == 200, "the next request is served normally"
    entry = open_emu.requests()[0]
    assert (entry["status"], entry["fault"]) == (0, "reset")


def test_reset_with_apply_simulates_a_lost_response(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=["reset,apply"])
    with pytest.raises(requests.ConnectionError):
        http.patch(target(open_emu), json=BODY)
    assert open_emu.stored(APP, ENTRY, "cn") == APPLIED


def test_delay_times_out_the_client_but_still_applies(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    open_emu.set_faults(queue=[{"action": "delay", "seconds": 0.4}])
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        http.patch(target(open_emu), json=BODY, timeout=0.1)
    assert time.monotonic() - started < 0.4
    deadline = time.monotonic() + 3
    while open_emu.stored(APP, ENTRY, "cn") is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert open_emu.stored(APP, ENTRY, "cn") == APPLIED


def test_delay_then_normal_response(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=[{"action": "delay", "seconds": 0.2}])
    started = time.monotonic()
    response = http.get(target(open_emu))
    assert response.status_code == 200 and response.json()["snapshotInterval"] == 10
    assert time.monotonic() - started >= 0.2


def test_garbage_is_a_200_html_body_and_not_applied(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=[{"action": "garbage"}])
    response = http.patch(target(open_emu), json=BODY)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    assert response.content == b"<html>oops"
    with pytest.raises(ValueError):
        response.json()
    assert open_emu.stored(APP, ENTRY, "cn") is None


def test_truncated_is_a_200_with_malformed_json(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=[{"action": "truncated"}])
    response = http.get(target(open_emu))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == b'{"enabled": tr'
    with pytest.raises(ValueError):
        response.json()


def test_fail_rate_one_fails_everything_with_fail_status(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    open_emu.set_faults(fail_rate=1.0, fail_status=503)
    for _ in range(10):
        assert http.patch(target(open_emu), json=BODY).status_code == 503
    assert open_emu.stored(APP, ENTRY, "cn") is None
    assert {e["fault"] for e in open_emu.requests()} == {"fail_rate:503"}
    open_emu.set_faults()
    assert http.patch(target(open_emu), json=BODY).status_code == 200


def test_fail_rate_half_fails_some_and_passes_some(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(fail_rate=0.5)
    statuses = {http.get(target(open_emu)).status_code for _ in range(60)}
    assert statuses == {200, 500}


def test_queue_takes_precedence_over_fail_rate(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(queue=[{"status": 429}], fail_rate=1.0, fail_status=502)
    assert http.get(target(open_emu)).status_code == 429
    assert http.get(target(open_emu)).status_code == 502


def test_latency_delays_api_requests_but_not_admin(open_emu: EmulatorHandle, http: requests.Session) -> None:
    open_emu.set_faults(latency_ms=150)
    started = time.monotonic()
    assert http.get(target(open_emu)).status_code == 200
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    open_emu.faults()
    assert time.monotonic() - started < 0.15


SPECS: Dict[str, Dict[str, Any]] = {
    "503": {"status": 503},
    "429,retry_after=2": {"status": 429, "retry_after": "2"},
    "429,retry_after=0.5,method=patch": {"status": 429, "retry_after": "0.5", "method": "PATCH"},
    "500,apply": {"status": 500, "apply": True},
    "reset": {"action": "reset"},
    "reset,apply,method=PATCH": {"action": "reset", "apply": True, "method": "PATCH"},
    "delay,seconds=1.5": {"action": "delay", "seconds": 1.5},
    "garbage": {"action": "garbage"},
    "truncated,method=GET": {"action": "truncated", "method": "GET"},
    '{"status": 502, "method": "GET"}': {"status": 502, "method": "GET"},
}


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_fault_spec_syntax(spec: str) -> None:
    item = parse_fault_spec(spec)
    assert isinstance(item, FaultItem)
    assert item.to_json() == SPECS[spec]
    assert FaultItem.from_json(item.to_json()) == item


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "boom",
        "200",
        "99",
        "503,colour=red",
        "delay",
        "delay,seconds=x",
        "reset,seconds=1",
        "{bad json",
        "503,apply=yes",
    ],
)
def test_bad_fault_spec_is_rejected(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fault_spec(spec)
