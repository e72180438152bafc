"""The SnapshotSetting resource as a program registers it (pulumi.runtime.set_mocks, the SDK's own monitor)."""

from __future__ import annotations

import base64
import pickletools
from typing import Any

import dill
import pulumi
import pytest
from google.protobuf import json_format

from agora_pulumi import TYPE_TOKEN, SnapshotSetting, SnapshotSettingArgs, StorageConfigArgs, Vendor
from agora_pulumi.provider import SnapshotSettingProvider
from tests.mock_monitor import RecordingMonitor, is_secret, registered


def issue_example() -> SnapshotSetting:
    return SnapshotSetting(
        "live-cn",
        app_id="0123456789abcdef",
        entry_point="live",
        region="cn",
        enabled=True,
        snapshot_interval=30,
        enable_moderation=True,
        storage_config=StorageConfigArgs(
            vendor=Vendor.ALIYUN, region=3, bucket="snapshots", access_key="AK-plain-in-code", secret_key="SK-plain-in-code"
        ),
    )


@pulumi.runtime.test
def test_registers_type_token_camel_case_state_and_secret_keys(monitor: RecordingMonitor) -> Any:
    setting = issue_example()

    def verify(_: Any) -> None:
        [request] = monitor.requests
        assert request.type == TYPE_TOKEN == "pulumi-python:dynamic/agora:SnapshotSetting"
        assert request.custom is True
        assert "storageConfig" in list(request.additionalSecretOutputs)
        props = registered(monitor)[0]
        assert set(props) == {
            "appId", "entryPoint", "region", "enabled", "snapshotInterval", "enableModeration", "storageConfig",
            "__provider",
        }
        storage = props["storageConfig"]
        assert storage["vendor"] == 2 and storage["region"] == 3 and storage["bucket"] == "snapshots"
        # Keys given as plain strings are still marked secret on the wire, so state encrypts them.
        assert is_secret(storage["accessKey"]) and storage["accessKey"]["value"] == "AK-plain-in-code"
        assert is_secret(storage["secretKey"])
        assert is_secret(props["__provider"])

    return setting.urn.apply(verify)


@pulumi.runtime.test
def test_python_attributes_are_snake_case_outputs_and_storage_is_secret(monitor: RecordingMonitor) -> Any:
    setting = issue_example()

    def verify(args: list[Any]) -> None:
        interval, app_id, storage_secret = args
        assert interval == 30 and app_id == "0123456789abcdef"
        assert storage_secret is True

    storage_is_secret = pulumi.Output.from_input(setting.storage_config).is_secret()  # type: ignore[attr-defined]
    return pulumi.Output.all(setting.snapshot_interval, setting.app_id, pulumi.Output.from_input(storage_is_secret)).apply(verify)


@pulumi.runtime.test
def test_args_object_outputs_and_dict_storage_all_end_up_secret(monitor: RecordingMonitor) -> Any:
    later = pulumi.Output.from_input({"vendor": 5, "bucket": "snapshots", "access_key": "AK-late", "secret_key": "SK-late"})
    from_args = SnapshotSetting(
        "from-args",
        SnapshotSettingArgs(app_id="a1", entry_point="live", region="na", enabled=False, storage_config=later),
        opts=pulumi.ResourceOptions(additional_secret_outputs=["enabled"]),
    )
    dict_style = SnapshotSetting(
        "from-dict",
        app_id="a1", entry_point="live", region="eu", enabled=True,
        storage_config={"vendor": 1, "region": 4, "bucket": "snaps", "accessKey": "AK-dict", "secretKey": "SK-dict"},
    )

    def verify(_: Any) -> None:
        objects = {r.name: json_format.MessageToDict(r.object) for r in monitor.requests}
        first, second = objects["from-args"], objects["from-dict"]
        # An Output storage config is secret as a whole (its keys are inside); names are translated.
        assert is_secret(first["storageConfig"])
        assert first["storageConfig"]["value"]["accessKey"] == "AK-late"
        by_name = {r.name: r for r in monitor.requests}
        assert set(by_name["from-args"].additionalSecretOutputs) == {"enabled", "storageConfig"}
        assert is_secret(second["storageConfig"]["secretKey"])

    return pulumi.Output.all(from_args.urn, dict_style.urn).apply(verify)


@pulumi.runtime.test
def test_serialised_provider_holds_no_credential(monitor: RecordingMonitor, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AGORA_CUSTOMER_ID", "cust-id-XYZ123")
    monkeypatch.setenv("AGORA_CUSTOMER_SECRET", "cust-secret-XYZ123")
    # A provider that has been configured and used in this process still pickles empty.
    provider = SnapshotSettingProvider()
    provider._client()
    assert vars(provider) == {}
    setting = issue_example()

    def verify(_: Any) -> None:
        blob = registered(monitor)[0]["__provider"]["value"]
        raw = base64.b64decode(blob)
        for needle in (b"cust-secret-XYZ123", b"cust-id-XYZ123", b"AK-plain-in-code", b"SK-plain-in-code"):
            assert needle not in raw
        # By reference: the pickle names the class in the installed package and carries no state.
        listing = "\n".join(str(op[1]) for op in pickletools.genops(raw))
        assert "agora_pulumi.provider" in listing and "SnapshotSettingProvider" in listing
        assert len(raw) < 200
        assert type(dill.loads(raw)) is SnapshotSettingProvider

    return setting.urn.apply(verify)


def test_misplaced_arguments_are_a_clear_type_error(monitor: RecordingMonitor) -> None:
    with pytest.raises(TypeError, match="opts=pulumi.ResourceOptions"):
        SnapshotSetting("x", pulumi.ResourceOptions(), app_id="a")  # type: ignore[arg-type]
    args = SnapshotSettingArgs(app_id="a", entry_point="live", region="cn", enabled=True)
    with pytest.raises(TypeError, match="not both"):
        SnapshotSetting("y", args, region="eu")
    assert monitor.requests == []
