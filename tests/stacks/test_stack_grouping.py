"""``agora-snapshots:grouping``: one resource per setting (default) or one SnapshotSettingSet per App ID."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc

from agora_pulumi.fleet import FleetConfigError, parse_fleet
from agora_pulumi.names import type_token
from tests.stacks.stack_test_support import (
    PROJECT,
    load_stack_config,
    plaintext_hits,
    run_program,
    storage_key_values,
    to_runtime_config,
)

DEV = Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.dev.yaml"
SET_TYPE = type_token("SnapshotSettingSet")


def grouped_run(grouping: str) -> Any:
    config = load_stack_config(DEV)
    config[f"{PROJECT}:grouping"] = grouping
    flat, secret = to_runtime_config(config)
    return run_program(flat, secret), config


def test_app_grouping_registers_one_set_per_app_id_holding_every_setting() -> None:
    run, config = grouped_run("app")
    [registration] = run.mocks.registered
    assert registration.typ == SET_TYPE and registration.name == "demo-app-id"
    # The SDK's mock monitor lifts nested secrets to the whole object when it decodes a registration; the
    # engine receives them nested (tests/test_setting_set_protocol.py checks the registration itself).
    members = registration.inputs["settings"]
    members = rpc.unwrap_rpc_secret(members) if rpc.is_rpc_secret(members) else members
    assert sorted(members) == sorted([
        "demo-app-id/live/cn", "demo-app-id/live/ap", "demo-app-id/sports/na", "demo-app-id/sports/eu",
        "demo-app-id/webinar/eu", "demo-app-id/webinar/na", "standard:demo-app-id/live/cn",
        "custom:demo-app-id/live/ap",
    ])
    assert members["custom:demo-app-id/live/ap"]["api"] == "custom"
    assert "storageConfig" not in members["standard:demo-app-id/live/cn"]
    keys = storage_key_values(config)
    assert plaintext_hits(registration.inputs, keys) == []
    assert members["demo-app-id/sports/eu"]["snapshotInterval"] == 60


def test_app_grouping_outputs_are_the_same_shape_and_hold_no_key() -> None:
    run, config = grouped_run("app")
    setting_run, _ = grouped_run("setting")
    assert sorted(run.outputs["settingIds"]) == sorted(setting_run.outputs["settingIds"])
    assert run.outputs["settings"] == setting_run.outputs["settings"]
    text = json.dumps(run.outputs)
    for needle in [*storage_key_values(config), "accessKey", "secretKey", "storageConfig", "bucket"]:
        assert needle not in text


def test_setting_grouping_is_the_default() -> None:
    run, _ = grouped_run("setting")
    assert SET_TYPE not in {r.typ for r in run.mocks.registered}
    assert len(run.mocks.registered) == 8


def test_a_bad_grouping_is_listed() -> None:
    with pytest.raises(FleetConfigError) as info:
        parse_fleet({"appId": "a", "regions": ["cn"]}, None, ["live"], grouping="per-region")
    assert info.value.errors == [
        'grouping: must be setting (one resource per setting) or app (one SnapshotSettingSet per App ID), '
        'got "per-region"'
    ]
