"""The emulator as a process: start line, signals, persistence, logging without secrets, CLI flags."""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional

import pytest
import requests

from agora_pulumi.testing.emulator import running_emulator

from .support import APP, ENTRY, new_session, settings_path

LISTENING = re.compile(r"^listening on (http://127\.0\.0\.1:(\d+))\n$")


def spawn(*args: str, executable: Optional[List[str]] = None) -> subprocess.Popen[str]:
    command = executable or [sys.executable, "-m", "agora_pulumi.emulator"]
    return subprocess.Popen(
        [*command, "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_start_line(process: subprocess.Popen[str]) -> str:
    """The first stdout line, read while the process keeps running (proving it was flushed, not buffered
    until exit)."""
    assert process.stdout is not None
    line = process.stdout.readline()
    assert process.poll() is None, "the emulator must still be running after printing its URL"
    match = LISTENING.match(line)
    assert match, f"unexpected start line {line!r}"
    return match.group(1)


def finish(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=10)
    return process.returncode, stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_start_line_is_flushed_and_signals_stop_cleanly(sig: int) -> None:
    process = spawn()
    try:
        url = read_start_line(process)
        assert new_session().get(url + settings_path()).status_code == 200
    finally:
        code, stderr = finish(process, sig)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert "stopped" in stderr


def test_console_script_runs_the_same_cli() -> None:
    script = shutil.which("agora-fls-emulator", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("console script not installed in this environment")
    process = spawn(executable=[script])
    try:
        url = read_start_line(process)
        assert new_session().get(url + settings_path()).status_code == 200
    finally:
        code, _ = finish(process)
    assert code == 0


def test_sigterm_lets_a_request_in_flight_finish() -> None:
    process = spawn("--fault", "delay,seconds=0.5")
    url = read_start_line(process)
    result: List[int] = []

    def call() -> None:
        result.append(new_session().patch(url + settings_path(), json={"enabled": True}).status_code)

    worker = threading.Thread(target=call)
    worker.start()
    deadline = time.monotonic() + 5
    while (
        new_session(auth=None).get(url + "/_emulator/faults").json()["queue"] and time.monotonic() < deadline
    ):
        time.sleep(0.01)  # until the request has consumed the delay fault: it is now sleeping inside
    code, stderr = finish(process)
    worker.join(5)
    assert result == [200]
    assert code == 0, stderr


def test_settings_persist_across_restart_and_sigkill(tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.sqlite")
    with running_emulator(in_process=False, db=db) as emu:
        http = new_session()
        assert (
            http.patch(emu.url + settings_path(), json={"enabled": True, "snapshotInterval": 33}).status_code
            == 200
        )
        url = emu.url
        emu.restart()  # clean SIGTERM restart
        assert emu.url == url, "restart keeps the port"
        assert http.get(emu.url + settings_path()).json()["snapshotInterval"] == 33
        assert (
            http.patch(
                emu.url + settings_path(region="eu"), json={"enabled": True, "snapshotInterval": 44}
            ).status_code
            == 200
        )
        assert emu.process is not None
        emu.process.kill()  # SIGKILL right after the acknowledged write: nothing may be lost
        emu.process.wait()
        emu.restart()
        assert http.get(emu.url + settings_path()).json()["snapshotInterval"] == 33
        assert http.get(emu.url + settings_path(region="eu")).json()["snapshotInterval"] == 44
        assert emu.stored(APP, ENTRY, "eu") == {
            "enabled": True,
            "enableModeration": False,
            "snapshotInterval": 44,
        }


def test_without_db_state_is_lost_on_restart() -> None:
    with running_emulator(in_process=False) as emu:
        http = new_session()
        assert http.patch(emu.url + settings_path(), json={"enabled": True}).status_code == 200
        emu.restart()
        assert emu.stored(APP, ENTRY, "cn") is None


def test_log_has_one_line_per_request_and_never_a_secret() -> None:
    customer_secret = "cust-secret-XYZZY-7781"
    access_key = "AK-PLUGH-5521"
    secret_key = "SK-FROBOZZ-9930"
    wrong_password = "wrong-pw-QUUX-1234"
    with running_emulator(in_process=False, customer_id="cid-1", customer_secret=customer_secret) as emu:
        http = new_session(auth=("cid-1", customer_secret))
        storage = {"vendor": 1, "region": 0, "bucket": "b", "accessKey": access_key, "secretKey": secret_key}
        ok = http.patch(emu.url + settings_path(), json={"enabled": True, "storageConfig": storage})
        bad = http.patch(emu.url + settings_path(), json={"enabled": "yes", "storageConfig": storage})
        broken = http.patch(
            emu.url + settings_path(),
            data=f'{{"accessKey": "{access_key}", "secretKey": "{secret_key}"'.encode(),
        )
        get = http.get(emu.url + settings_path())
        assert get.json()["storageConfig"]["secretKey"] == secret_key  # the API itself returns it (per doc)
        denied = new_session(auth=("cid-1", wrong_password)).get(emu.url + settings_path())
        assert [r.status_code for r in (ok, bad, broken, get, denied)] == [200, 400, 400, 200, 401]
        emu.requests()
        stderr = emu.stderr_text()
    api_lines = [line for line in stderr.splitlines() if "/v1/projects/" in line]
    assert len(api_lines) == 5
    for response, line in zip((ok, bad, broken, get, denied), api_lines):
        assert str(response.request.method) in line
        assert settings_path() in line
        assert f" {response.status_code} " in line
        assert response.headers["X-Request-Id"] in line
        assert re.search(r" \d+\.\dms", line)
    for secret in (customer_secret, access_key, secret_key, wrong_password):
        assert secret not in stderr
        assert base64.b64encode(f"cid-1:{secret}".encode()).decode() not in stderr


def test_cli_fault_flags() -> None:
    args = ["--fault", "429,retry_after=1", "--fault", "reset,method=PATCH", "--latency-ms", "50"]
    with running_emulator(in_process=False, extra_args=args) as emu:
        http = new_session()
        assert emu.faults()["latency_ms"] == 50.0
        first = http.get(emu.url + settings_path())
        assert (first.status_code, first.headers["Retry-After"]) == (429, "1")
        started = time.monotonic()
        assert http.get(emu.url + settings_path()).status_code == 200
        assert time.monotonic() - started >= 0.05
        with pytest.raises(requests.ConnectionError):
            http.patch(emu.url + settings_path(), json={"enabled": True})
    with running_emulator(in_process=False, extra_args=["--fail-rate", "1", "--fail-status", "502"]) as emu:
        assert new_session().get(emu.url + settings_path()).status_code == 502


def test_entry_point_flag_restricts_entry_points() -> None:
    with running_emulator(in_process=False, entry_points=[f"{APP}/{ENTRY}"]) as emu:
        http = new_session()
        assert http.get(emu.url + settings_path()).status_code == 200
        assert http.get(emu.url + settings_path(entry_point="other")).status_code == 404
        assert f"{APP}/{ENTRY}" in emu.stderr_text()


@pytest.mark.parametrize(
    "args",
    [
        ["--entry-point", "no-slash"],
        ["--entry-point", "/name"],
        ["--fail-rate", "1.5"],
        ["--fail-status", "200"],
        ["--fault", "boom"],
        ["--socket-timeout", "0"],
        ["--port", "70000"],
        ["--bogus"],
    ],
)
def test_bad_arguments_exit_2(args: List[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agora_pulumi.emulator", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stdout == ""


def test_port_in_use_exits_1_with_a_message() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "agora_pulumi.emulator", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert "cannot start" in result.stderr
    assert result.stdout == ""


def test_help_documents_defaults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agora_pulumi.emulator", "--help"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    for text in ("--customer-id", "demo-customer-id", "--entry-point", "--db", "--fault", "--socket-timeout"):
        assert text in result.stdout
