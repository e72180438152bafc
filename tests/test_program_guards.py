"""What a program refuses before anything is registered: credentials held in plain text in the stack config
(they would land unencrypted in state as the provider's inputs) and two owners of one setting."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pulumi
import pytest

from agora_pulumi import SettingSetMember, SnapshotSetting, SnapshotSettingSet, StandardSnapshotSetting
from agora_pulumi.config_secrets import plaintext_credentials
from tests.mock_monitor import RecordingMonitor

APP = "0123456789abcdef"


@pytest.fixture
def stack_config() -> Iterator[Any]:
    """Set the program's stack config as the language host does (values, and which keys are secret)."""

    def set_config(config: dict[str, Any], secret_keys: list[str]) -> None:
        pulumi.runtime.set_all_config({k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()},
                                      secret_keys)

    yield set_config
    pulumi.runtime.set_all_config({}, [])


def setting(name: str, **overrides: Any) -> SnapshotSetting:
    fields: dict[str, Any] = {"app_id": APP, "entry_point": "live", "region": "cn", "enabled": True, **overrides}
    return SnapshotSetting(name, **fields)


AGORA = {"agora:endpoint": "https://api.agora.io", "agora:customerId": "1a2b3c"}


def test_a_plaintext_customer_secret_is_refused_with_the_command(monitor: RecordingMonitor, stack_config: Any) -> None:
    stack_config({**AGORA, "agora:customerSecret": "s3cr3t-value", "infra:ossAccessKey": "AKplain"}, [])
    with pytest.raises(pulumi.RunError) as failure:
        setting("live-cn")
    message = str(failure.value)
    assert "2 credentials are set in plain text in the stack config" in message
    assert "stored unencrypted in the state" in message
    assert "  pulumi config set --secret agora:customerSecret\n" in message
    assert "  pulumi config set --secret infra:ossAccessKey\n" in message
    assert message.endswith("Nothing was registered; run the command again afterwards.")
    assert "s3cr3t-value" not in message and "AKplain" not in message
    assert monitor.requests == []


def test_secret_config_passes(monitor: RecordingMonitor, stack_config: Any) -> None:
    stack_config({**AGORA, "agora:customerSecret": "s3cr3t-value", "infra:ossAccessKey": "AK"},
                 ["agora:customerSecret", "infra:ossAccessKey"])
    setting("live-cn")


def test_nested_storage_keys_get_a_path_command() -> None:
    profiles = {"s3-eu": {"vendor": 1, "bucket": "b", "accessKey": "AK", "secretKey": ""}, "odd name": {"secretKey": "x"}}
    assert plaintext_credentials({"agora-snapshots:storageProfiles": json.dumps(profiles)}, lambda _k: False) == [
        "pulumi config set --secret --path 'agora-snapshots:storageProfiles.s3-eu.accessKey'",
        "pulumi config set --secret --path 'agora-snapshots:storageProfiles[\"odd name\"].secretKey'",
    ]
    assert plaintext_credentials({"agora-snapshots:storageProfiles": json.dumps(profiles)}, lambda _k: True) == []


def test_against_the_emulator_it_is_a_warning(monitor: RecordingMonitor, stack_config: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    stack_config({"agora:endpoint": "http://127.0.0.1:8787", "agora:customerSecret": "demo-customer-secret"}, [])
    warnings: list[str] = []
    original = pulumi.log.warn
    pulumi.log.warn = lambda msg, *a, **k: warnings.append(msg)  # type: ignore[assignment]
    try:
        setting("live-cn")
    finally:
        pulumi.log.warn = original  # type: ignore[assignment]
    [warning] = warnings
    assert "pulumi config set --secret agora:customerSecret" in warning
    assert "every agora endpoint is a loopback address" in warning


def test_two_resources_for_one_setting_fail_naming_both(monitor: RecordingMonitor) -> None:
    setting("live-cn")
    StandardSnapshotSetting("live-cn-standard", app_id=APP, entry_point="live", region="cn", enabled=True)  # another path
    with pytest.raises(pulumi.RunError) as failure:
        setting("live-cn-copy", region="CN")
    assert str(failure.value).startswith(
        f"live-cn-copy and live-cn both manage the snapshot setting {APP}/live/cn: they would overwrite each other"
    )
    assert "aliases" in str(failure.value)


def test_a_set_member_and_a_resource_for_one_setting_fail_naming_both(monitor: RecordingMonitor) -> None:
    setting("live-cn")
    members = [SettingSetMember(app_id=APP, entry_point=f"ep{i}", region="cn", enabled=True) for i in range(3)]
    SnapshotSettingSet("fleet", members)
    with pytest.raises(pulumi.RunError) as failure:
        SnapshotSettingSet("fleet-2", [SettingSetMember(app_id=APP, entry_point="ep1", region="cn", enabled=True)])
    assert str(failure.value).startswith(
        f'fleet-2.settings["{APP}/ep1/cn"] and fleet.settings["{APP}/ep1/cn"] both manage the snapshot setting'
    )
    with pytest.raises(pulumi.RunError, match=r'^fleet-3.settings\["0123456789abcdef/live/cn"\] and live-cn both'):
        SnapshotSettingSet("fleet-3", [SettingSetMember(app_id=APP, entry_point="live", region="cn", enabled=True)])


def test_an_identity_known_only_later_is_left_to_the_policy_pack(monitor: RecordingMonitor) -> None:
    setting("live-cn")
    setting("live-cn-later", app_id=pulumi.Output.from_input(APP))
