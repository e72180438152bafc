"""``stacks/up-dev.sh``, the main job, run for real by bash against fakes.

The script is copied into a scratch "repository" so that nothing it creates (.venv, .emulator,
.pulumi-state) can touch the real one. ``pulumi`` and ``.venv/bin/python`` are recording fakes: the real CLI
is not needed, no package is installed, and the fake emulator behaves like the real one's contract
(prints ``listening on ...``, stops on SIGTERM).
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from stack_test_support import REPO

BASH = shutil.which("bash")
PYTHON3 = shutil.which("python3")
pytestmark = pytest.mark.skipif(BASH is None or PYTHON3 is None, reason="needs bash and python3")


def _write_exe(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@dataclass
class Sandbox:
    root: Path  # the scratch repository
    rec: Path  # where the fakes record what happened
    fakebin: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, path: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {
            "HOME": str(self.root),
            "PATH": path if path is not None else f"{self.fakebin}{os.pathsep}{os.environ['PATH']}",
            "FAKE_REC": str(self.rec),
            "PULUMI_CONFIG_PASSPHRASE_FILE": "/should/be/unset",
        }
        full_env.update(env or {})
        return subprocess.run(
            [str(BASH), "stacks/up-dev.sh", *args]
            if cwd is None
            else [str(BASH), str(self.root / "stacks/up-dev.sh"), *args],
            cwd=cwd or self.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def lines(self, name: str) -> list[str]:
        path = self.rec / name
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    root, rec, fakebin = tmp_path / "repo", tmp_path / "rec", tmp_path / "fakebin"
    (root / "stacks").mkdir(parents=True)
    rec.mkdir()
    shutil.copy2(REPO / "stacks" / "up-dev.sh", root / "stacks" / "up-dev.sh")
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    return Sandbox(root, rec, fakebin)


FAKE_PULUMI = """#!{bash}
{{
  printf 'args:%s\\n' "$*"
  printf 'cwd:%s\\n' "$PWD"
  printf 'backend:%s\\n' "${{PULUMI_BACKEND_URL-<unset>}}"
  printf 'passphrase:%s\\n' "${{PULUMI_CONFIG_PASSPHRASE-<unset>}}"
  printf 'passphrase_file:%s\\n' "${{PULUMI_CONFIG_PASSPHRASE_FILE-<unset>}}"
  if kill -0 "$(cat "$FAKE_REC/emulator.pid" 2>/dev/null)" 2>/dev/null; then echo emulator:alive; else echo emulator:dead; fi
}} >>"$FAKE_REC/pulumi.log"
case "$1" in
  up) exit "${{FAKE_PULUMI_UP_EXIT:-0}}" ;;
  stack) exit "${{FAKE_PULUMI_SELECT_EXIT:-0}}" ;;
esac
"""

FAKE_VENV_PYTHON = """#!{bash}
printf '%s\\n' "$*" >>"$FAKE_REC/python.log"
case " $* " in
  *" agora_pulumi.emulator "*)
    echo $$ >"$FAKE_REC/emulator.pid"
    trap 'echo stopped >"$FAKE_REC/emulator.stopped"; exit 0' TERM
    case "${{FAKE_EMULATOR:-ok}}" in
      ok) echo "listening on http://127.0.0.1:8787" ;;
      crash) echo "OSError: [Errno 98] Address already in use"; exit 1 ;;
      silent) ;;
    esac
    while :; do sleep 0.05; done ;;
  *" pip "*) echo "pip must not run in this test" >&2; exit 99 ;;
esac
"""


def _install_fakes(box: Sandbox) -> None:
    _write_exe(box.fakebin / "pulumi", FAKE_PULUMI.format(bash=BASH))
    _write_exe(box.root / ".venv" / "bin" / "python", FAKE_VENV_PYTHON.format(bash=BASH))
    stamp = box.root / ".venv" / ".agora-pulumi-installed"
    stamp.write_text("")
    old = time.time() - 3600
    os.utime(box.root / "pyproject.toml", (old, old))  # installed after the last pyproject.toml change


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --- no Pulumi CLI ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("from_elsewhere", [False, True])
def test_without_pulumi_exits_127_before_creating_or_starting_anything(
    sandbox: Sandbox, tmp_path: Path, from_elsewhere: bool
) -> None:
    # PATH holds a python3 (a recording wrapper around the real one) and nothing else: no pulumi.
    onlypython = tmp_path / "onlypython"
    _write_exe(
        onlypython / "python3", f'#!{BASH}\necho "$*" >>"$FAKE_REC/python3.log"\nexec {PYTHON3} "$@"\n'
    )
    assert shutil.which("pulumi", path=str(onlypython)) is None

    result = sandbox.run(path=str(onlypython), cwd=tmp_path if from_elsewhere else None)

    assert result.returncode == 127, result.stderr
    assert result.stdout == "==> checking for the Pulumi CLI\n"
    assert "the Pulumi CLI is required" in result.stderr
    assert "curl -fsSL https://get.pulumi.com | sh" in result.stderr
    assert "brew install" in result.stderr
    assert "https://www.pulumi.com/docs/install/" in result.stderr
    # Nothing ran or was created: no python (so no venv, no pip, no emulator), no state, no emulator dir.
    assert not (sandbox.rec / "python3.log").exists()
    for made in (".venv", ".emulator", ".pulumi-state"):
        assert not (sandbox.root / made).exists(), made
    assert sorted(p.name for p in sandbox.root.iterdir()) == ["pyproject.toml", "stacks"]


# --- with (fake) Pulumi ------------------------------------------------------------------------------------


def test_full_run_starts_emulator_runs_pulumi_with_local_backend_and_stops_emulator(sandbox: Sandbox) -> None:
    _install_fakes(sandbox)
    result = sandbox.run("--diff", "--refresh")
    assert result.returncode == 0, result.stdout + result.stderr

    root = str(sandbox.root)
    log = sandbox.lines("pulumi.log")
    calls = [line for line in log if line.startswith("args:")]
    assert calls == [
        "args:stack select dev --create --secrets-provider passphrase",
        "args:up --yes --stack dev --diff --refresh",
    ]
    assert set(line for line in log if line.startswith("cwd:")) == {f"cwd:{root}"}
    assert set(line for line in log if line.startswith("backend:")) == {
        f"backend:file://{root}/.pulumi-state"
    }
    assert set(line for line in log if line.startswith("passphrase:")) == {"passphrase:"}  # set, and empty
    assert set(line for line in log if line.startswith("passphrase_file:")) == {"passphrase_file:<unset>"}
    assert set(line for line in log if line.startswith("emulator:")) == {"emulator:alive"}

    assert sandbox.lines("python.log") == [
        "-u -m agora_pulumi.emulator --host 127.0.0.1 --port 8787 --auth hmac --db .emulator/dev.sqlite"
    ]
    assert (sandbox.rec / "emulator.stopped").exists()
    assert not _alive(int((sandbox.rec / "emulator.pid").read_text()))
    assert (sandbox.root / ".pulumi-state").is_dir()

    steps = result.stdout.splitlines()
    assert all(line.startswith("==> ") for line in steps), steps
    assert steps[0] == "==> checking for the Pulumi CLI"
    assert "==> emulator ready: listening on http://127.0.0.1:8787" in steps
    assert steps[-1].startswith("==> stopping the emulator")


def test_pulumi_failure_is_the_exit_code_and_the_emulator_still_stops(sandbox: Sandbox) -> None:
    _install_fakes(sandbox)
    result = sandbox.run(env={"FAKE_PULUMI_UP_EXIT": "3"})
    assert result.returncode == 3
    assert [line for line in sandbox.lines("pulumi.log") if line.startswith("args:up")] == [
        "args:up --yes --stack dev"
    ]
    assert "pulumi up failed (exit 3)" in result.stderr
    assert (sandbox.rec / "emulator.stopped").exists()


def test_stack_init_is_the_fallback_when_select_create_fails(sandbox: Sandbox) -> None:
    _install_fakes(sandbox)
    result = sandbox.run(env={"FAKE_PULUMI_SELECT_EXIT": "1"})
    # The fake fails every `stack` subcommand, so init fails too: a clear error, emulator stopped, no `up`.
    assert result.returncode == 1
    calls = [line for line in sandbox.lines("pulumi.log") if line.startswith("args:")]
    assert calls == [
        "args:stack select dev --create --secrets-provider passphrase",
        "args:stack init dev --secrets-provider passphrase",
    ]
    assert "could not select or create the dev stack" in result.stderr
    assert (sandbox.rec / "emulator.stopped").exists()


def test_emulator_that_never_gets_ready_times_out_clearly(sandbox: Sandbox) -> None:
    _install_fakes(sandbox)
    result = sandbox.run(env={"FAKE_EMULATOR": "silent", "EMULATOR_START_TIMEOUT": "1"})
    assert result.returncode == 1
    assert "printed no 'listening on' line within 1s" in result.stderr
    assert sandbox.lines("pulumi.log") == []  # pulumi never ran
    assert not _alive(int((sandbox.rec / "emulator.pid").read_text()))


def test_emulator_that_dies_at_start_shows_its_log(sandbox: Sandbox) -> None:
    _install_fakes(sandbox)
    result = sandbox.run(env={"FAKE_EMULATOR": "crash"})
    assert result.returncode == 1
    assert "the emulator exited before it was ready" in result.stderr
    assert "Address already in use" in result.stderr
    assert sandbox.lines("pulumi.log") == []


def test_interrupt_stops_the_emulator(sandbox: Sandbox) -> None:
    _install_fakes(sandbox)
    # `pulumi up` that hangs until the script is interrupted.
    _write_exe(
        sandbox.fakebin / "pulumi",
        FAKE_PULUMI.format(bash=BASH).replace(
            'up) exit "${FAKE_PULUMI_UP_EXIT:-0}" ;;', 'up) touch "$FAKE_REC/up.started"; sleep 30 ;;'
        ),
    )
    env = {
        "HOME": str(sandbox.root),
        "PATH": f"{sandbox.fakebin}{os.pathsep}{os.environ['PATH']}",
        "FAKE_REC": str(sandbox.rec),
    }
    proc = subprocess.Popen(
        [str(BASH), "stacks/up-dev.sh"],
        cwd=sandbox.root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 20
        while not (sandbox.rec / "up.started").exists():
            assert time.time() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert (sandbox.rec / "emulator.stopped").exists()
    assert not _alive(int((sandbox.rec / "emulator.pid").read_text()))


def test_script_is_valid_bash() -> None:
    assert subprocess.run([str(BASH), "-n", str(REPO / "stacks" / "up-dev.sh")]).returncode == 0


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is not "in use"
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_with_the_real_emulator_the_dev_endpoint_and_demo_credentials_work(sandbox: Sandbox) -> None:
    """Contract check with the real emulator: the line the script waits for, the endpoint and demo pair in
    stacks/Pulumi.dev.yaml, the --db file, and a clean stop. Only `pulumi` is faked (it makes one request)."""
    import importlib.util
    import sys

    if importlib.util.find_spec("agora_pulumi.emulator.__main__") is None:
        pytest.skip("the emulator package is not available")
    if not _port_free(8787):
        pytest.skip("127.0.0.1:8787 is in use (an emulator already running?)")

    _install_fakes(sandbox)
    # The scratch repo's .venv/bin/python runs the real interpreter of this test run (which has the package).
    _write_exe(
        sandbox.root / ".venv" / "bin" / "python",
        f'#!{BASH}\necho $$ >"$FAKE_REC/emulator.pid"\nexec {sys.executable} "$@"\n',
    )
    probe = sandbox.root / "probe.py"
    probe.write_text(
        "import yaml\n"
        "from agora_pulumi.client import AgoraClient\n"
        "from agora_pulumi.client_config import ClientConfig\n"
        "from agora_pulumi.identity import SettingIdentity\n"
        f"cfg = yaml.safe_load(open({str(REPO / 'stacks' / 'Pulumi.dev.yaml')!r}))['config']\n"
        "client = AgoraClient(ClientConfig.from_sources(lambda k: cfg.get(k), {}))\n"
        "assert client.config.auth_scheme == 'hmac'\n"
        "client.get_setting(SettingIdentity('demo-app-id', 'live', 'cn'))\n"
        "print(200)\n"
    )
    fake = FAKE_PULUMI.format(bash=BASH).replace(
        'up) exit "${FAKE_PULUMI_UP_EXIT:-0}" ;;',
        f'up) {sys.executable} "{probe}" >"$FAKE_REC/probe.out" 2>&1; exit $? ;;',
    )
    _write_exe(sandbox.fakebin / "pulumi", fake)

    result = sandbox.run(env={"EMULATOR_START_TIMEOUT": "20"})

    assert result.returncode == 0, result.stdout + result.stderr + (sandbox.rec / "probe.out").read_text()
    assert (sandbox.rec / "probe.out").read_text().strip() == "200"
    assert "==> emulator ready: listening on http://127.0.0.1:8787" in result.stdout
    assert (sandbox.root / ".emulator" / "dev.sqlite").exists()
    assert not _alive(int((sandbox.rec / "emulator.pid").read_text()))  # stopped


def test_the_tracked_stack_file_stays_as_committed_and_the_salt_is_kept_for_the_next_run(sandbox: Sandbox) -> None:
    """Creating the stack makes Pulumi add an `encryptionsalt:` line to stacks/Pulumi.dev.yaml: git must stay
    clean, and the next run must give Pulumi the same salt (the state's secrets are encrypted with it)."""
    _install_fakes(sandbox)
    committed = "config:\n  agora:endpoint: http://127.0.0.1:8787\n"
    stack_file = sandbox.root / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(committed)
    fake = FAKE_PULUMI.format(bash=BASH).replace(
        'stack) exit "${FAKE_PULUMI_SELECT_EXIT:-0}" ;;',
        'stack) grep -q "^encryptionsalt:" stacks/Pulumi.dev.yaml || echo "encryptionsalt: v1:c2FsdA==:v1:x:y" '
        '>>stacks/Pulumi.dev.yaml; exit 0 ;;',
    ).replace(
        'up) exit "${FAKE_PULUMI_UP_EXIT:-0}" ;;',
        'up) grep "^encryptionsalt:" stacks/Pulumi.dev.yaml >>"$FAKE_REC/salt-seen-by-up"; exit 0 ;;',
    )
    _write_exe(sandbox.fakebin / "pulumi", fake)

    first = sandbox.run()
    assert first.returncode == 0, first.stdout + first.stderr
    assert stack_file.read_text() == committed
    assert (sandbox.root / ".pulumi-state" / "dev.encryptionsalt").read_text() == "encryptionsalt: v1:c2FsdA==:v1:x:y\n"

    second = sandbox.run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert stack_file.read_text() == committed
    assert sandbox.lines("salt-seen-by-up") == ["encryptionsalt: v1:c2FsdA==:v1:x:y"] * 2
