"""``agora-snapshots:resources: native``: the same fleet as the native package's resources, same names, inputs
and outputs; each resource declares an alias to the other provider's type, which is what moves a stack between
the two without a request to Agora (``docs/migration.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc

from agora_pulumi.fleet import FleetConfigError, parse_fleet
from agora_pulumi.names import native_type_token, type_token
from tests.stacks.stack_test_support import (
    PROJECT,
    ProgramRun,
    load_stack_config,
    plaintext_hits,
    run_program,
    storage_key_values,
    to_runtime_config,
)

DEV = Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.dev.yaml"
DYNAMIC_TYPES = {type_token(r) for r in ("SnapshotSetting", "StandardSnapshotSetting", "CustomSnapshotSetting")}
NATIVE_TYPES = {native_type_token(r) for r in ("SnapshotSetting", "StandardSnapshotSetting", "CustomSnapshotSetting")}


def dev_run(resources: str, grouping: str = "setting") -> tuple[ProgramRun, dict[str, Any]]:
    config = load_stack_config(DEV)
    config[f"{PROJECT}:grouping"] = grouping
    if resources:
        config[f"{PROJECT}:resources"] = resources
    flat, secret = to_runtime_config(config)
    return run_program(flat, secret), config


def plain(value: Any) -> Any:
    """A registration's inputs with secret wrappers removed (the values, whatever their secrecy)."""
    if rpc.is_rpc_secret(value):
        return plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "__provider"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_dynamic_is_the_default_and_native_registers_the_same_names_with_native_types() -> None:
    default, _ = dev_run("")
    native, _ = dev_run("native")
    assert {r.typ for r in default.mocks.registered} == DYNAMIC_TYPES
    assert {r.typ for r in native.mocks.registered} == NATIVE_TYPES
    assert sorted(native.names) == sorted(default.names)
    by_name = {r.name: r for r in native.mocks.registered}
    for dynamic_reg in default.mocks.registered:
        native_reg = by_name[dynamic_reg.name]
        # Same settings, same values: the dynamic ones carry storageConfig: null where there is none.
        want = {k: v for k, v in plain(dynamic_reg.inputs).items() if v is not None}
        assert plain(native_reg.inputs) == want, native_reg.name
        assert native_reg.typ == dynamic_reg.typ.replace("pulumi-python:dynamic/agora:", "agora:fls:")


def test_native_outputs_equal_the_dynamic_ones_and_hold_no_key() -> None:
    for grouping in ("setting", "app"):
        native, config = dev_run("native", grouping)
        dynamic, _ = dev_run("dynamic", grouping)
        assert native.outputs == dynamic.outputs, grouping
        text = json.dumps(native.outputs)
        for needle in [*storage_key_values(config), "accessKey", "secretKey", "storageConfig", "bucket"]:
            assert needle not in text


def test_native_storage_keys_stay_secret() -> None:
    native, config = dev_run("native")
    keys = storage_key_values(config)
    with_storage = [r for r in native.mocks.registered if r.inputs.get("storageConfig") is not None]
    assert with_storage
    for registration in native.mocks.registered:
        assert plaintext_hits(registration.inputs, keys) == [], registration.name
    for key, flags in native.secret_flags.items():
        has_storage = plain(by_name(native, key).inputs).get("storageConfig") is not None
        assert flags == {"resource": has_storage, "enabled": False}, key  # public fields are not made secret


def by_name(run: ProgramRun, name: str) -> Any:
    return next(r for r in run.mocks.registered if r.name == name)


def test_native_app_grouping_registers_one_set_per_app_id_with_a_list_of_members() -> None:
    native, config = dev_run("native", "app")
    [registration] = native.mocks.registered
    assert registration.typ == native_type_token("SnapshotSettingSet") and registration.name == "demo-app-id"
    members = plain(registration.inputs)["settings"]
    assert isinstance(members, list) and len(members) == 8
    assert {m["api"] for m in members} == {"legacy", "standard", "custom"}
    assert plaintext_hits(registration.inputs, storage_key_values(config)) == []


def test_each_resource_declares_an_alias_to_the_other_providers_type() -> None:
    for grouping in ("setting", "app"):
        for resources in ("dynamic", "native"):
            run, _ = dev_run(resources, grouping)
            for registration in run.mocks.registered:
                other = (
                    registration.typ.replace("agora:fls:", "pulumi-python:dynamic/agora:")
                    if resources == "native"
                    else registration.typ.replace("pulumi-python:dynamic/agora:", "agora:fls:")
                )
                assert alias_types(run, registration.name) == [other], (grouping, resources, registration.name)


def alias_types(run: ProgramRun, name: str) -> list[str]:
    """The types of the aliases a registration declares (the SDK sends them as specs: same name, same parent)."""
    assert run.monitor is not None
    request = run.monitor.requests[name]
    assert not request.aliasURNs
    return [alias.spec.type for alias in request.aliases if not alias.spec.name]


def test_a_bad_resources_value_is_listed_with_the_fix() -> None:
    with pytest.raises(FleetConfigError) as info:
        parse_fleet({"appId": "a", "regions": ["cn"]}, None, ["live"], resources="natve")
    assert info.value.errors == [
        'resources: must be dynamic (the Python dynamic resources) or native (the agora package\'s resources; see '
        'docs/migration.md), got "natve"'
    ]
