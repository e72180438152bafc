"""The schema says what the dynamic resources do: same properties, types, secrecy and replaces."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agora_pulumi.client_config import SETTINGS
from agora_pulumi.kinds import CUSTOM, KINDS, LEGACY, SettingKind
from agora_pulumi.model import check_props, diff_props
from agora_pulumi.names import SECRET_STORAGE_FIELDS
from agora_pulumi.testing.native import NativeProviderServer
from tests.support import clean_env, setting_inputs

TYPES = {bool: "boolean", int: "integer", str: "string"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    with NativeProviderServer(env=clean_env()) as srv:  # as `pulumi package get-schema` asks for it
        return dict(json.loads(srv.get_schema()))


def _inputs(kind: SettingKind) -> dict[str, Any]:
    props = setting_inputs()
    if not kind.takes_storage:
        del props["storageConfig"]
    return props


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
def test_every_dynamic_property_is_in_the_schema_with_its_type_and_replace(kind: SettingKind, schema: dict[str, Any]) -> None:
    resource = schema["resources"][f"agora:fls:{kind.resource}"]
    checked, failures = check_props(_inputs(kind), kind=kind)
    assert failures == []
    assert set(resource["inputProperties"]) == set(checked) == set(resource["properties"])
    for name, value in checked.items():
        spec = resource["inputProperties"][name]
        if name == "storageConfig":
            assert spec["$ref"].endswith("StorageConfig")
        else:
            assert spec["type"] == TYPES[type(value)], name
        changed = {**checked, name: {"appId": "other", "entryPoint": "other", "region": "eu"}.get(name, value)}
        _, replaces = diff_props(checked, changed, kind=kind)
        assert bool(spec.get("replaceOnChanges")) == (name in replaces), name
        assert spec.get("description"), name


@pytest.mark.parametrize("kind", [LEGACY, CUSTOM], ids=["legacy", "custom"])
def test_storage_keys_are_secret_and_every_vendor_is_described(kind: SettingKind, schema: dict[str, Any]) -> None:
    ref = schema["resources"][f"agora:fls:{kind.resource}"]["inputProperties"]["storageConfig"]["$ref"]
    storage = schema["types"][ref.removeprefix("#/types/")]
    checked, _ = check_props(_inputs(kind), kind=kind)
    assert set(storage["properties"]) == set(checked["storageConfig"])
    assert {k for k, v in storage["properties"].items() if v.get("secret")} == set(SECRET_STORAGE_FIELDS)
    assert kind.catalog is not None
    for vendor, name in kind.catalog.vendor_names.items():
        assert f"`{int(vendor)}` {name}" in storage["properties"]["vendor"]["description"]


def test_provider_configuration_is_every_agora_config_key(schema: dict[str, Any]) -> None:
    keys = {key.split(":", 1)[1] for key, *_ in SETTINGS}
    assert set(schema["config"]["variables"]) == keys == set(schema["provider"]["inputProperties"])
    secrets = {k for k, v in schema["provider"]["inputProperties"].items() if v.get("secret")}
    assert secrets == {"customerSecret"}


def test_module_layout_gives_agora_fls_in_generated_sdks(schema: dict[str, Any]) -> None:
    assert schema["name"] == "agora"
    assert set(schema["resources"]) == {
        "agora:fls:SnapshotSetting", "agora:fls:StandardSnapshotSetting", "agora:fls:CustomSnapshotSetting",
        "agora:fls:SnapshotSettingSet",
    }
    assert set(schema["functions"]) == {
        "agora:fls:getSnapshotSetting", "agora:fls:getStandardSnapshotSetting", "agora:fls:getCustomSnapshotSetting",
    }
    assert schema["language"]["python"]["packageName"] == "pulumi_agora"
    for ref in json.dumps(schema).split('"$ref": "')[1:]:
        assert ref.split('"')[0].removeprefix("#/types/") in schema["types"]
