"""The ``/_emulator/...`` admin endpoints and the ``EmulatorHandle`` helpers built on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

from .support import APP, CREDS, DOC_EXAMPLE, ENTRY, basic, new_session, settings_path

LOG_KEYS = {
    "seq",
    "method",
    "path",
    "status",
    "request_id",
    "date",
    "user_agent",
    "auth",
    "auth_scheme",
    "body",
    "fault",
    "throttled",
}


def test_request_log_records_api_requests_in_order_with_secrets_redacted(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    target = open_emu.url + settings_path()
    first = http.patch(target, json=DOC_EXAMPLE, headers={"User-Agent": "agora-test/1.0"})
    second = http.get(target)
    third = new_session(auth=None).get(target, headers={"Authorization": basic("x", "y")})
    fourth = new_session(auth=None).get(target)
    broken = b'{"enabled": tr "secretKey": "SK-LEAK"'
    fifth = http.patch(target, data=broken, headers={"Content-Type": "application/json"})
    open_emu.admin("GET", "/faults")  # admin requests are not logged

    log = open_emu.requests()
    assert [e["seq"] for e in log] == [1, 2, 3, 4, 5]
    assert all(set(e) == LOG_KEYS for e in log)
    responses = [first, second, third, fourth, fifth]
    assert [e["request_id"] for e in log] == [r.headers["X-Request-Id"] for r in responses]
    assert [e["status"] for e in log] == [200, 200, 401, 401, 400]
    assert [e["method"] for e in log] == ["PATCH", "GET", "GET", "GET", "PATCH"]
    assert {e["path"] for e in log} == {settings_path()}
    assert [e["auth"] for e in log] == ["ok", "ok", "bad", "missing", "ok"]
    assert [e["auth_scheme"] for e in log] == ["basic", "basic", "basic", "none", "basic"]
    assert log[0]["user_agent"] == "agora-test/1.0"
    assert log[1]["user_agent"].startswith("python-requests/")
    assert log[0]["body"] == {
        **DOC_EXAMPLE,
        "storageConfig": {**DOC_EXAMPLE["storageConfig"], "accessKey": "***", "secretKey": "***"},
    }
    assert log[1]["body"] is None
    assert log[4]["body"] == f"<invalid json, {len(broken)} bytes>"
    assert all(e["fault"] is None for e in log)
    assert not any(e["throttled"] for e in log)
    dumped = json.dumps(log)
    for secret in ("test access key", "test secret key", "SK-LEAK", CREDS[1], basic(*CREDS)):
        assert secret not in dumped
    assert [e["seq"] for e in open_emu.api_requests("patch")] == [1, 5]
    assert [e["seq"] for e in open_emu.api_requests("GET")] == [2, 3, 4]


def test_secrets_are_redacted_wherever_they_appear_in_a_body(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    body = {
        "enabled": True,
        "secretKey": "TOP-LEVEL-SK",
        "storageConfig": {"accessKey": "AK-1", "nested": {"SecretKey": "x"}},
    }
    assert http.patch(open_emu.url + settings_path(), json=body).status_code == 400
    logged = open_emu.requests()[0]["body"]
    assert logged == {
        "enabled": True,
        "secretKey": "***",
        "storageConfig": {"accessKey": "***", "nested": {"SecretKey": "***"}},
    }


def test_delete_requests_clears_the_log_only(open_emu: EmulatorHandle, http: requests.Session) -> None:
    http.patch(open_emu.url + settings_path(), json={"enabled": True})
    open_emu.clear_requests()
    assert open_emu.requests() == []
    assert open_emu.stored(APP, ENTRY, "cn") is not None
    http.get(open_emu.url + settings_path())
    assert len(open_emu.requests()) == 1


def test_reset_clears_settings_faults_and_log(open_emu: EmulatorHandle, http: requests.Session) -> None:
    http.patch(open_emu.url + settings_path(), json={"enabled": True})
    open_emu.set_faults(queue=[{"status": 503}], fail_rate=0.5, latency_ms=1, fail_status=502)
    open_emu.reset()
    assert open_emu.stored(APP, ENTRY, "cn") is None
    assert open_emu.requests() == []
    assert open_emu.faults() == {"queue": [], "fail_rate": 0.0, "latency_ms": 0.0, "fail_status": 500}
    assert http.get(open_emu.url + settings_path()).json()["enabled"] is False


def test_stored_returns_unredacted_state_or_none(open_emu: EmulatorHandle, http: requests.Session) -> None:
    assert open_emu.stored(APP, ENTRY, "cn") is None
    http.patch(open_emu.url + settings_path(), json=DOC_EXAMPLE)
    assert open_emu.stored(APP, ENTRY, "cn") == DOC_EXAMPLE
    assert open_emu.stored(APP, ENTRY, "eu") is None
    weird = "entry point/with%"
    assert open_emu.stored(APP, weird, "cn") is None


def test_faults_round_trip_and_replace(open_emu: EmulatorHandle) -> None:
    config = open_emu.set_faults(
        queue=[
            {"status": 429, "retry_after": 2, "method": "patch"},
            {"status": 500, "apply": True},
            {"action": "reset"},
            {"action": "delay", "seconds": 0.25},
            {"action": "garbage"},
            "truncated,method=GET",
        ],
        fail_rate=0.25,
        latency_ms=5,
        fail_status=503,
    )
    expected = {
        "queue": [
            {"status": 429, "retry_after": "2", "method": "PATCH"},
            {"status": 500, "apply": True},
            {"action": "reset"},
            {"action": "delay", "seconds": 0.25},
            {"action": "garbage"},
            {"action": "truncated", "method": "GET"},
        ],
        "fail_rate": 0.25,
        "latency_ms": 5.0,
        "fail_status": 503,
    }
    assert config == expected
    assert open_emu.faults() == expected
    open_emu.set_faults(queue=[{"status": 504}])
    assert open_emu.faults() == {
        "queue": [{"status": 504}],
        "fail_rate": 0.0,
        "latency_ms": 0.0,
        "fail_status": 500,
    }


@pytest.mark.parametrize(
    "config",
    [
        {"queue": [{"status": 200}]},
        {"queue": [{"status": "500"}]},
        {"queue": [{"action": "explode"}]},
        {"queue": [{"action": "delay"}]},
        {"queue": [{"action": "delay", "seconds": -1}]},
        {"queue": [{"status": 500, "action": "reset"}]},
        {"queue": [{"status": 500, "colour": "red"}]},
        {"queue": [{"status": 500, "apply": "yes"}]},
        {"queue": [{"status": 429, "retry_after": -5}]},
        {"queue": [{}]},
        {"queue": ["oops"]},
        {"queue": {"status": 500}},
        {"fail_rate": 1.5},
        {"fail_rate": "0.5"},
        {"latency_ms": -1},
        {"fail_status": 200},
        {"unknown": 1},
        [],
    ],
)
def test_invalid_fault_config_is_400_and_keeps_the_old_one(open_emu: EmulatorHandle, config: object) -> None:
    open_emu.set_faults(queue=[{"status": 503}])
    status, body = open_emu.admin("POST", "/faults", config)
    assert status == 400
    assert "fault" in body["message"] or "queue" in body["message"]
    assert open_emu.faults()["queue"] == [{"status": 503}]


def test_admin_unknown_path_is_404_and_wrong_method_405(open_emu: EmulatorHandle) -> None:
    session = new_session(auth=None)
    assert session.get(open_emu.url + "/_emulator/nope").status_code == 404
    assert session.get(open_emu.url + "/_emulator").status_code == 404
    for method, path, allow in [
        ("POST", "/requests", "GET, DELETE"),
        ("GET", "/reset", "POST"),
        ("DELETE", "/faults", "GET, POST"),
        ("PATCH", f"/settings/{APP}/{ENTRY}/cn", "GET"),
    ]:
        response = session.request(method, open_emu.url + "/_emulator" + path)
        assert response.status_code == 405
        assert response.headers["Allow"] == allow
    assert open_emu.requests() == [], "admin requests are never logged as API requests"


def test_health_endpoint(open_emu: EmulatorHandle) -> None:
    assert open_emu.admin("GET", "/health") == (200, {"ok": True, "entry_points": "any"})


def test_handle_restart_in_process_keeps_port_and_db(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    with running_emulator(db=db) as emu:
        url = emu.url
        assert new_session().patch(emu.url + settings_path(), json={"enabled": True}).status_code == 200
        emu.restart()
        assert emu.url == url
        assert emu.stored(APP, ENTRY, "cn") == {
            "enabled": True,
            "enableModeration": False,
            "snapshotInterval": 10,
        }
        assert emu.requests() == [], "the request log is not persisted"
        assert "PATCH" in emu.stderr_text()


def test_an_answered_request_is_already_in_the_log(emu: EmulatorHandle, http: requests.Session) -> None:
    """The entry is written before the answer leaves: a client that reads the log (or resets it) right
    after its answer never misses its own request, nor sees it arrive after the reset."""
    target = emu.url + settings_path()
    for _ in range(100):
        answer = http.get(target)
        assert emu.api_requests()[-1]["request_id"] == answer.headers["X-Request-Id"]
        emu.reset()
        assert emu.api_requests() == []
