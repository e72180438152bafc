"""The Pulumi program (``__main__.py`` -> ``agora_pulumi.program.main``) under ``pulumi.runtime.set_mocks``,
fed the committed stack files the way the CLI feeds them: ``pulumi.runtime.set_all_config`` with full keys
(``agora-snapshots:defaults``), JSON text for structured values, and the secret key list."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc
from stack_test_support import (
    PROJECT,
    REPO,
    STACKS,
    load_stack_config,
    plaintext_hits,
    project_name,
    run_program,
    set_path,
    storage_key_values,
    to_runtime_config,
)

from agora_pulumi import TYPE_TOKEN
from agora_pulumi.kinds import CUSTOM, STANDARD

DEV = STACKS / "Pulumi.dev.yaml"
PROD_EXAMPLE = STACKS / "Pulumi.prod.example.yaml"

DEV_NAMES = [
    "demo-app-id/live/cn",
    "demo-app-id/live/ap",
    "demo-app-id/sports/na",
    "demo-app-id/sports/eu",
    "demo-app-id/webinar/eu",
    "demo-app-id/webinar/na",
    "standard:demo-app-id/live/cn",
    "custom:demo-app-id/live/ap",
]


def test_project_file_uses_pip_with_a_local_venv_and_stacks_dir() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert project["stackConfigDir"] == "stacks"
    assert "main" not in project  # __main__.py at the root is the program
    assert (REPO / "__main__.py").read_text().strip().endswith("main()")


def test_project_name_is_the_config_namespace() -> None:
    assert project_name() == PROJECT
    keys = load_stack_config(DEV)
    assert {k for k in keys if k.startswith(f"{PROJECT}:")} == {
        f"{PROJECT}:defaults",
        f"{PROJECT}:storageProfiles",
        f"{PROJECT}:entryPoints",
    }


# --- dev ----------------------------------------------------------------------------------------------------


def _dev_run() -> Any:
    flat, secret = to_runtime_config(load_stack_config(DEV))
    return run_program(flat, secret)


def test_dev_registers_one_setting_per_entry_point_and_region() -> None:
    run = _dev_run()
    assert sorted(run.names) == sorted(DEV_NAMES)  # registrations are concurrent: order is not defined
    assert len(set(run.names)) == len(run.names)
    assert {r.typ for r in run.mocks.registered} == {TYPE_TOKEN, STANDARD.type_token, CUSTOM.type_token}
    assert TYPE_TOKEN == "pulumi-python:dynamic/agora:SnapshotSetting"
    by_name = {r.name: r.typ for r in run.mocks.registered}
    assert by_name["standard:demo-app-id/live/cn"] == "pulumi-python:dynamic/agora:StandardSnapshotSetting"
    assert by_name["custom:demo-app-id/live/ap"] == "pulumi-python:dynamic/agora:CustomSnapshotSetting"
    assert all(r.custom for r in run.mocks.registered)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        if rpc.is_rpc_secret(value):
            return _plain(rpc.unwrap_rpc_secret(value))
        return {k: _plain(v) for k, v in value.items() if k != "__provider"}
    return value


def test_dev_inputs_follow_the_layers() -> None:
    run = _dev_run()
    live_cn = _plain(run.inputs("demo-app-id/live/cn"))
    assert live_cn["appId"] == "demo-app-id" and live_cn["entryPoint"] == "live" and live_cn["region"] == "cn"
    assert live_cn["enabled"] is True and live_cn["enableModeration"] is False
    assert live_cn["snapshotInterval"] == 10
    assert live_cn["storageConfig"]["vendor"] == 2 and live_cn["storageConfig"]["region"] == 1

    sports_na = _plain(run.inputs("demo-app-id/sports/na"))
    sports_eu = _plain(run.inputs("demo-app-id/sports/eu"))
    assert sports_na["snapshotInterval"] == 30 and sports_na["enableModeration"] is False
    assert sports_eu["snapshotInterval"] == 60 and sports_eu["enableModeration"] is True
    assert sports_eu["storageConfig"]["region"] == 7  # s3-eu via defaults.overrides.eu

    for name in ("demo-app-id/webinar/eu", "demo-app-id/webinar/na"):
        storage = _plain(run.inputs(name))["storageConfig"]
        assert storage["vendor"] == 5  # the entry's own storage beats defaults.overrides.<region>
        assert storage.get("region") is None  # Azure takes no region


def test_dev_storage_keys_are_secret_although_the_config_is_plain() -> None:
    config = load_stack_config(DEV)
    flat, secret = to_runtime_config(config)
    assert secret == []  # the dev file holds its demo keys in plain text on purpose...
    run = run_program(flat, secret)
    keys = storage_key_values(config)
    assert len(keys) == 12
    for registration in run.mocks.registered:
        if registration.typ == STANDARD.type_token:  # the standard API takes no storage at all
            assert "storageConfig" not in registration.inputs
            assert plaintext_hits(registration.inputs, keys) == [], registration.name
            continue
        storage = registration.inputs["storageConfig"]
        # ...and still every registered storage config is a secret on the wire (hence in state)...
        assert rpc.is_rpc_secret(storage), registration.name
        assert plaintext_hits(registration.inputs, keys) == [], registration.name
    # ...and as a resource output.
    with_storage = {name: flags for name, flags in run.secret_flags.items() if not name.startswith("standard:")}
    assert with_storage and all(flags["resource"] for flags in with_storage.values())
    assert not any(flags["enabled"] for flags in run.secret_flags.values())


def test_setting_args_wrap_each_key_in_a_secret_output() -> None:
    from agora_pulumi import program
    from agora_pulumi.fleet import parse_fleet

    config = load_stack_config(DEV)
    fleet = parse_fleet(
        config[f"{PROJECT}:defaults"], config[f"{PROJECT}:storageProfiles"], config[f"{PROJECT}:entryPoints"]
    )
    flags: list[bool] = []

    @pulumi.runtime.test
    def check() -> pulumi.Output[Any]:
        outs = []
        for spec in fleet.settings:
            if spec.kind is STANDARD:
                continue
            storage = program.setting_args(spec).storage_config
            assert storage is not None and not isinstance(storage, (dict, pulumi.Output))
            outs += [
                pulumi.Output.from_input(storage.access_key).is_secret(),  # type: ignore[union-attr]
                pulumi.Output.from_input(storage.secret_key).is_secret(),
            ]  # type: ignore[union-attr]
        return pulumi.Output.all(*outs).apply(flags.extend)

    check()
    assert len(flags) == 14 and all(flags)


def test_dev_outputs_are_ids_and_enabled_interval_only() -> None:
    config = load_stack_config(DEV)
    run = _dev_run()
    assert set(run.outputs) == {"settingIds", "settings"}
    assert run.outputs["settingIds"] == DEV_NAMES
    assert set(run.outputs["settings"]) == set(DEV_NAMES)
    for values in run.outputs["settings"].values():
        assert set(values) == {"enabled", "snapshotInterval"}
    assert run.outputs["settings"]["demo-app-id/sports/eu"] == {"enabled": True, "snapshotInterval": 60}
    text = json.dumps(run.outputs)
    for needle in [*storage_key_values(config), "accessKey", "secretKey", "storageConfig", "bucket"]:
        assert needle not in text


def test_resource_names_are_stable_and_independent_of_order() -> None:
    config = load_stack_config(DEV)
    first = sorted(_dev_run().names)
    assert sorted(_dev_run().names) == first
    config[f"{PROJECT}:entryPoints"] = list(reversed(config[f"{PROJECT}:entryPoints"]))
    flat, secret = to_runtime_config(config)
    assert sorted(run_program(flat, secret).names) == first


# --- prod example -------------------------------------------------------------------------------------------

_SECRET_PATH_COMMAND = re.compile(r"pulumi config set --stack prod --secret --path '([^']+)'")


def _documented_secret_paths() -> list[str]:
    return _SECRET_PATH_COMMAND.findall(PROD_EXAMPLE.read_text())


def test_prod_example_holds_no_secret_values() -> None:
    config = load_stack_config(PROD_EXAMPLE)
    assert "agora:customerSecret" not in config and "agora:customerId" not in config
    for profile in config[f"{PROJECT}:storageProfiles"].values():
        assert "accessKey" not in profile and "secretKey" not in profile


def test_prod_example_documents_a_secret_command_for_every_storage_key() -> None:
    config = load_stack_config(PROD_EXAMPLE)
    expected = {
        f"storageProfiles.{name}.{key}"
        for name in config[f"{PROJECT}:storageProfiles"]
        for key in ("accessKey", "secretKey")
    }
    assert set(_documented_secret_paths()) == expected
    assert "pulumi config set --stack prod --secret agora:customerSecret" in PROD_EXAMPLE.read_text()


def test_prod_example_without_its_secrets_lists_each_missing_key_and_registers_nothing() -> None:
    flat, secret = to_runtime_config(load_stack_config(PROD_EXAMPLE))
    with pytest.raises(pulumi.RunError) as info:
        run_program(flat, secret, stack="prod")
    message = str(info.value)
    for path in _documented_secret_paths():
        assert (
            f"{path}: is required; set it with `pulumi config set --secret --path '{path}' <value>`"
            in message
        )
    assert info.value.run.mocks.registered == []  # type: ignore[attr-defined]


def test_prod_example_with_secrets_set_as_documented() -> None:
    config = load_stack_config(PROD_EXAMPLE)
    secret_keys = {"agora:customerSecret"}
    config["agora:customerId"] = "prod-customer-id"
    config["agora:customerSecret"] = "prod-customer-secret"
    values = []
    for i, path in enumerate(_documented_secret_paths()):
        values.append(f"PRODKEY{i:02d}")
        secret_keys.add(set_path(config, PROJECT, path, values[-1]))
    assert secret_keys == {"agora:customerSecret", f"{PROJECT}:storageProfiles"}

    flat, secret = to_runtime_config(config, secret_keys)
    run = run_program(flat, secret, stack="prod")

    entry_points = config[f"{PROJECT}:entryPoints"]
    assert len(run.names) == 5 * 4 + 2 + 2 == 24 and len(entry_points) == 7
    assert len(set(run.names)) == 24
    assert {r.typ for r in run.mocks.registered} == {TYPE_TOKEN}
    for registration in run.mocks.registered:
        assert rpc.is_rpc_secret(registration.inputs["storageConfig"])
        assert plaintext_hits(registration.inputs, values) == []
    assert not any(v in json.dumps(run.outputs) for v in values)
    paused = _plain(run.inputs("fedcba9876543210fedcba9876543210/partner-live/eu"))
    assert paused["enabled"] is False
    kids_cn = _plain(run.inputs("0123456789abcdef0123456789abcdef/kids/cn"))
    assert kids_cn["snapshotInterval"] == 5 and kids_cn["enableModeration"] is True


# --- bad config ---------------------------------------------------------------------------------------------


def test_bad_config_lists_every_bad_path_in_one_run_error_and_registers_nothing() -> None:
    config = load_stack_config(DEV)
    profiles = config[f"{PROJECT}:storageProfiles"]
    profiles["s3-eu"]["region"] = 18  # S3 has no 18
    profiles["azure"]["vendor"] = 9
    config[f"{PROJECT}:defaults"]["regions"] = ["cn", "mars"]
    config[f"{PROJECT}:entryPoints"] += [
        {"name": "x", "regions": ["eu"], "overrides": {"eu": {"snapshotInterval": 3}}},
        {"name": "sports", "regions": ["na"]},
    ]
    flat, secret = to_runtime_config(config)
    with pytest.raises(pulumi.RunError) as info:
        run_program(flat, secret)
    message = str(info.value)
    expected = [
        "storageProfiles.s3-eu.region: must be a region code of Amazon S3",
        "storageProfiles.azure.vendor: must be one of 0 (Qiniu Cloud)",
        "defaults.regions[1]: must be a push region",
        "entryPoints[5].overrides.eu.snapshotInterval: must be a whole number of seconds in [5, 300] (default 10), got 3",
        "entryPoints[6].regions[0]: duplicates entryPoints[1]",
    ]
    for line in expected:
        assert f"  - {line}" in message
    assert message.startswith("invalid snapshot fleet config (5 problems)")
    assert info.value.run.mocks.registered == []  # type: ignore[attr-defined]
    assert "Traceback" not in message


def test_a_plain_string_where_an_object_belongs_is_listed_not_raised_alone() -> None:
    flat, secret = to_runtime_config(load_stack_config(DEV))
    flat[f"{PROJECT}:defaults"] = "not json"
    flat[f"{PROJECT}:storageProfiles"] = "[1, 2]"
    with pytest.raises(pulumi.RunError) as info:
        run_program(flat, secret)
    message = str(info.value)
    assert '  - defaults: must be an object, got "not json"' in message
    assert "  - storageProfiles: must be an object of named storage profiles, got a list" in message
    assert info.value.run.mocks.registered == []  # type: ignore[attr-defined]


def test_missing_entry_points_is_an_error() -> None:
    with pytest.raises(pulumi.RunError, match=r"entryPoints: is required"):
        run_program({}, [])


def test_config_from_the_pulumi_config_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The other way a language host hands config over: JSON in ``PULUMI_CONFIG`` (+ ``..._SECRET_KEYS``)."""
    flat, _ = to_runtime_config(load_stack_config(DEV))
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(flat))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps([f"{PROJECT}:storageProfiles"]))
    run = run_program({}, [])  # nothing set explicitly: the SDK falls back to the environment
    assert sorted(run.names) == sorted(DEV_NAMES)
