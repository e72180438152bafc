"""``adopt`` round trip: settings stored at the emulator → ``agora-pulumi adopt`` → fleet YAML → keys filled as
the printed commands say → the program (under mocks) → the engine's check → create through the SDK's real
dynamic-provider server → the PATCH bodies Agora receives equal what it already held: adopting changes nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pulumi.runtime import rpc
from stack_test_support import PROJECT, REPO, run_program, set_path, to_runtime_config

from agora_pulumi import cli
from agora_pulumi.client import AgoraClient
from agora_pulumi.client_config import ClientConfig
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import ProviderServer, provider_blob
from tests.support import clean_env, stack_config

APP = "0123456789abcdef0123456789abcdef"
AK_CN, SK_CN = "LTAI5tAdoptAccessCn01", "adoptSecretCnValue0001xyz"
AK_AP, SK_AP = "AKIDadoptAccessAp0002", "adoptSecretApValue0002xyz"
AK_EU, SK_EU = "azureAdoptAccount0003", "azureAdoptAccountKey0003xyz"
KEYS = [AK_CN, SK_CN, AK_AP, SK_AP, AK_EU, SK_EU]

LIVE: dict[tuple[str, str], dict[str, Any]] = {
    ("live", "cn"): {
        "enabled": True, "snapshotInterval": 30, "enableModeration": True,
        "storageConfig": {"vendor": 2, "region": 1, "bucket": "acme-snaps-cn", "accessKey": AK_CN, "secretKey": SK_CN},
    },
    ("live", "ap"): {  # disabled at Agora: adopted as enabled: false
        "enabled": False, "snapshotInterval": 60, "enableModeration": False,
        "storageConfig": {"vendor": 3, "region": 10, "bucket": "acme-1250000000", "accessKey": AK_AP, "secretKey": SK_AP},
    },
    ("live", "eu"): {
        "enabled": True, "snapshotInterval": 30, "enableModeration": True,
        "storageConfig": {"vendor": 5, "bucket": "acmesnaps", "accessKey": AK_EU, "secretKey": SK_EU},
    },
    ("sports", "cn"): {  # the same bucket and keys as live/cn: one profile
        "enabled": True, "snapshotInterval": 5, "enableModeration": False,
        "storageConfig": {"vendor": 2, "region": 1, "bucket": "acme-snaps-cn", "accessKey": AK_CN, "secretKey": SK_CN},
    },
    ("sports", "ap"): {"enabled": True, "snapshotInterval": 300, "enableModeration": True},  # no storage
    # sports/eu is never configured: GET answers the defaults, adopted as such.
}


def env_for(emu: EmulatorHandle) -> dict[str, str]:
    return {
        **clean_env(),
        "AGORA_ENDPOINT": emu.url,
        "AGORA_CUSTOMER_ID": "demo-customer-id",
        "AGORA_CUSTOMER_SECRET": "demo-customer-secret",
        "AGORA_RETRY_BACKOFF_SECONDS": "0.01",
        "AGORA_RETRY_JITTER_SECONDS": "0",
    }


def store(emu: EmulatorHandle) -> None:
    client = AgoraClient(ClientConfig.from_sources(lambda _k: None, env_for(emu)))
    for (entry_point, region), body in LIVE.items():
        client.patch_setting(SettingIdentity(APP, entry_point, region), body)
    client.close()


@pytest.fixture
def emu() -> Iterator[EmulatorHandle]:
    with running_emulator(auth="hmac", entry_points=[f"{APP}/live", f"{APP}/sports"]) as handle:
        store(handle)
        handle.clear_requests()
        yield handle


ADOPT = ["adopt", "--app-id", APP, "--entry-point", "live", "--entry-point", "sports", "--entry-point", "retired",
         "--regions", "cn,ap,eu"]
COMMAND = re.compile(r"^#\s+pulumi config set --secret --path '([^']+)'", re.M)


def as_a_user_in_the_repo(emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command run as a user would: only the AGORA_* variables pointing at ``emu``, from the repository
    (whose Pulumi.yaml names the config namespace)."""
    for key in [k for k in os.environ if k.startswith("AGORA_")]:
        monkeypatch.delenv(key)
    for key, value in env_for(emu).items():
        if key.startswith("AGORA_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(REPO)


def pieces(secret: str, size: int = 8) -> set[str]:
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


def assert_no_key(*texts: str) -> None:
    for text in texts:
        for key in KEYS:
            leaked = [p for p in pieces(key) if p in text]
            assert not leaked, f"a piece of a storage key is in the output: {leaked[:3]}"


def fill_keys(config: dict[str, Any], commands: list[str], emu: EmulatorHandle) -> None:
    """Do what the printed commands say, with the values stored at the emulator (what Agora returned)."""
    profiles = config[f"{PROJECT}:storageProfiles"]
    for key in commands:
        assert key.startswith(f"{PROJECT}:storageProfiles.")
        _, name, which = key.split(":", 1)[1].split(".")
        bucket = profiles[name]["bucket"]
        value = next(
            body["storageConfig"][which] for body in LIVE.values() if body.get("storageConfig", {}).get("bucket") == bucket
        )
        set_path(config, PROJECT, key, value)


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        if rpc.is_rpc_secret(value):
            return plain(rpc.unwrap_rpc_secret(value))
        return {k: plain(v) for k, v in value.items() if k != "__provider"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_adopt_then_up_sends_exactly_what_agora_holds(
    emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_a_user_in_the_repo(emu, monkeypatch)

    assert cli.main(ADOPT) == 0
    out, err = capsys.readouterr()
    assert_no_key(out, err)
    assert "entry point 'retired'" in err and "404" in err and "skipped" in err
    assert "storage keys NOT returned by Agora (0)" in err

    before = {(ep, r): emu.stored(APP, ep, r) for ep in ("live", "sports") for r in ("cn", "ap", "eu")}
    assert before[("sports", "eu")] is None  # never configured
    gets = emu.api_requests("GET")
    assert len(gets) == 7 and not emu.api_requests("PATCH")  # adopt only reads; 1 GET for the gone entry point

    config = yaml.safe_load(out)["config"]
    commands = COMMAND.findall(out)
    assert len(commands) == 6  # three profiles (cn shared by live and sports) × two keys
    fill_keys(config, commands, emu)
    flat, secret = to_runtime_config(config, extra_secret_keys=[f"{PROJECT}:storageProfiles"])
    run = run_program(flat, secret)
    assert sorted(run.names) == sorted(f"{APP}/{ep}/{r}" for ep, r in before)

    emu.reset()  # a fresh Agora: what `pulumi up` sends must recreate exactly what was there
    with ProviderServer(env=clean_env()) as server:
        server.configure(stack_config(emu.url))
        for registration in run.mocks.registered:
            inputs, failures = server.check(plain(registration.inputs), name=registration.name)
            assert failures == []
            server.create(inputs, name=registration.name)

    patches = emu.api_requests("PATCH")
    assert len(patches) == len(before)
    unconfigured = {"enabled": False, "enableModeration": False, "snapshotInterval": 10}
    for (ep, region), held in before.items():
        expected = held if held is not None else unconfigured
        assert emu.stored(APP, ep, region) == expected, (ep, region)
        body = next(p["body"] for p in patches if p["path"].endswith(f"/entry_points/{ep}/settings/snapshot/regions/{region}"))
        redacted = dict(expected)
        if "storageConfig" in redacted:
            redacted["storageConfig"] = {
                k: ("***" if k in ("accessKey", "secretKey") else v) for k, v in redacted["storageConfig"].items()
            }
        assert body == redacted, (ep, region)


def test_adopt_as_a_subprocess_writes_files_and_keys_only_to_the_0600_keys_file(
    emu: EmulatorHandle, tmp_path: Path
) -> None:
    output, keys = tmp_path / "adopted.yaml", tmp_path / "keys.sh"
    result = subprocess.run(
        [sys.executable, "-m", "agora_pulumi", *ADOPT, "--output", str(output), "--keys-file", str(keys)],
        capture_output=True, text=True, env=env_for(emu), cwd=REPO, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert_no_key(result.stdout, result.stderr, text)
    assert result.stdout == ""
    assert f"wrote {keys} (mode 0600)" in result.stderr
    assert "Traceback" not in result.stderr
    assert (keys.stat().st_mode & 0o777) == 0o600
    script = keys.read_text()
    for key in KEYS:
        assert f"printf '%s' '{key}' | pulumi config set --secret --path" in script
    # Every key the YAML asks for is set by the script, under the same config path.
    assert sorted(COMMAND.findall(text)) == sorted(re.findall(r"--path '([^']+)' \"\$@\"", script))

    again = subprocess.run(
        [sys.executable, "-m", "agora_pulumi", *ADOPT, "--keys-file", str(keys)],
        capture_output=True, text=True, env=env_for(emu), cwd=REPO, timeout=60,
    )
    assert again.returncode == 2
    assert "already exists" in again.stderr and "Traceback" not in again.stderr
    assert again.stdout == ""


PY_COMMAND = re.compile(r"^#\s+pulumi config set --secret '([^']+)'", re.M)


def test_python_format_round_trip_sends_exactly_what_agora_holds(
    emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same with ``--format python``: the generated module runs as the program (under mocks)."""
    import pulumi
    import pulumi.runtime
    from stack_test_support import RecordingMocks

    as_a_user_in_the_repo(emu, monkeypatch)
    assert cli.main([*ADOPT, "--format", "python"]) == 0
    source, err = capsys.readouterr()
    assert_no_key(source, err)
    before = {(ep, r): emu.stored(APP, ep, r) for ep in ("live", "sports") for r in ("cn", "ap", "eu")}

    # Fill the keys as the commands say: the value is the one stored for the bucket the key's resource names.
    config: dict[str, str] = {}
    for key in PY_COMMAND.findall(source):
        name = key.split(":", 1)[1]
        bucket = re.search(rf"bucket='([^']+)',\n\s+access_key=cfg.require_secret\('{name[:-9]}AccessKey'\)", source)
        assert bucket is not None, name
        which = "accessKey" if name.endswith("AccessKey") else "secretKey"
        config[key] = next(b["storageConfig"][which] for b in LIVE.values()
                           if b.get("storageConfig", {}).get("bucket") == bucket.group(1))
    assert len(config) == 6

    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="dev", preview=False)
    pulumi.runtime.set_all_config(config, sorted(config))

    @pulumi.runtime.test
    def program() -> pulumi.Output[int]:
        exec(compile(source, "adopted.py", "exec"), {"__name__": "__main__"})
        return pulumi.Output.from_input(0)

    program()
    assert sorted(r.name for r in mocks.registered) == sorted(f"{APP}/{ep}/{r}" for ep, r in before)

    emu.reset()
    with ProviderServer(env=clean_env()) as server:
        server.configure(stack_config(emu.url))
        for registration in mocks.registered:
            inputs, failures = server.check(plain(registration.inputs), name=registration.name)
            assert failures == []
            server.create(inputs, name=registration.name)
    unconfigured = {"enabled": False, "enableModeration": False, "snapshotInterval": 10}
    for (ep, region), held in before.items():
        assert emu.stored(APP, ep, region) == (held if held is not None else unconfigured), (ep, region)


def test_adopt_custom_settings_over_http_round_trips_to_the_custom_path(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The current API's custom path, end to end: a Huawei (vendor 7) setting stored at the emulator is adopted
    with ``--api custom`` and the program's CustomSnapshotSetting sends back exactly what Agora holds."""
    from agora_pulumi.kinds import CUSTOM

    held = {"enabled": True, "snapshotInterval": 20, "enableModeration": False,
            "storageConfig": {"vendor": 7, "region": 6, "bucket": "acme-obs-ap", "accessKey": AK_AP, "secretKey": SK_AP}}
    with running_emulator(auth="hmac") as emu:
        client = AgoraClient(ClientConfig.from_sources(lambda _k: None, env_for(emu)))
        client.patch_setting(SettingIdentity(APP, "live", "ap"), held, CUSTOM)
        emu.clear_requests()
        as_a_user_in_the_repo(emu, monkeypatch)
        assert cli.main(["adopt", "--app-id", APP, "--entry-point", "live", "--regions", "ap", "--api", "custom"]) == 0
        out, err = capsys.readouterr()
        assert_no_key(out, err)
        assert [r["path"].split("/settings/")[1] for r in emu.api_requests()] == ["snapshot/custom/regions/ap"]

        config = yaml.safe_load(out)["config"]
        fill = {"accessKey": AK_AP, "secretKey": SK_AP}
        for key in COMMAND.findall(out):
            set_path(config, PROJECT, key, fill[key.rsplit(".", 1)[1]])
        flat, secret = to_runtime_config(config, extra_secret_keys=[f"{PROJECT}:storageProfiles"])
        run = run_program(flat, secret)
        [registration] = run.mocks.registered
        assert registration.typ == CUSTOM.type_token

        emu.reset()
        with ProviderServer(env=clean_env(), provider=provider_blob("custom"), type_token=CUSTOM.type_token) as server:
            server.configure(stack_config(emu.url))
            inputs, failures = server.check(plain(registration.inputs), name=registration.name)
            assert failures == []
            server.create(inputs, name=registration.name)
        assert emu.stored(APP, "live", "ap", kind="custom") == held
        assert emu.stored(APP, "live", "ap") is None  # the seed's setting was not touched
