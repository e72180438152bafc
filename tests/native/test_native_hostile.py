"""Hostile input through the native provider: the same failures, word for word, as the dynamic provider's.

Both front ends must be thin adapters over one core; a rule that one applies and the other does not would
show here as a different failure list for the same input. The inputs are the hostile-input suite's kinds:
invisible characters, path characters, wrong types, huge and fractional numbers, keys in the wrong place,
vendors and regions from the wrong table, a set member listed twice.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from pulumi.provider.experimental.provider import Provider

from agora_pulumi.native.provider import AgoraProvider
from agora_pulumi.testing.check_lines import said
from agora_pulumi.testing.engine import ProviderServer, provider_blob
from agora_pulumi.testing.native import NativeProviderServer, unwrap
from tests.support import clean_env, setting_inputs, stack_config

NO_STORAGE = {"storageConfig": None}

HOSTILE: list[tuple[str, str, dict[str, Any]]] = [
    ("legacy", "SnapshotSetting", {"entryPoint": "live\u200b"}),
    ("legacy", "SnapshotSetting", {"entryPoint": "a/b", "appId": "app?x=1"}),
    ("legacy", "SnapshotSetting", {"entryPoint": "."}),
    ("legacy", "SnapshotSetting", {"appId": "standard:app7"}),
    ("legacy", "SnapshotSetting", {"appId": "x" * 70000}),
    ("legacy", "SnapshotSetting", {"region": "mars", "enabled": "true"}),
    ("legacy", "SnapshotSetting", {"snapshotInterval": 1e300}),
    ("legacy", "SnapshotSetting", {"snapshotInterval": 30.5, "enableModeration": 1.0}),
    ("legacy", "SnapshotSetting", {"storageConfig": {"vendor": 7.0, "bucket": "b", "accessKey": "a", "secretKey": "s"}}),
    ("legacy", "SnapshotSetting", {"storageConfig": {"vendor": 1.0, "region": 18.0, "bucket": "b..c", "accessKey": " AK ",
                                                     "secretKey": "SK", "sasToken": "x"}}),
    ("legacy", "SnapshotSetting", {"storageConfig": "AKIA-a-key-in-the-wrong-place"}),
    ("legacy", "SnapshotSetting", {"accessKey": "AKIA-at-the-top"}),
    ("standard", "StandardSnapshotSetting", {"storageConfig": {"vendor": 1.0}}),
    ("custom", "CustomSnapshotSetting", {"storageConfig": {"vendor": 7.0, "region": 99.0, "bucket": "a..b",
                                                           "accessKey": "AK", "secretKey": "SK"}}),
    ("custom", "CustomSnapshotSetting", {"storageConfig": {"vendor": 9.0, "bucket": "b", "accessKey": "AK", "secretKey": ""}}),
]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Any]]:
    dynamic: dict[str, ProviderServer] = {}
    with NativeProviderServer(env=clean_env()) as native:
        native.configure({}, stack_config("http://127.0.0.1:9"))
        try:
            for kind in ("legacy", "standard", "custom"):
                server = ProviderServer(env=clean_env(), provider=provider_blob(kind))
                server.start()
                server.configure(stack_config("http://127.0.0.1:9"))
                dynamic[kind] = server
            yield {"native": native, **dynamic}
        finally:
            for server in dynamic.values():
                server.close()


@pytest.mark.parametrize(("kind", "resource", "overrides"), HOSTILE, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(HOSTILE)])
def test_native_check_fails_exactly_like_the_dynamic_check(
    servers: dict[str, Any], kind: str, resource: str, overrides: dict[str, Any]
) -> None:
    props = setting_inputs(**overrides)
    if kind == "standard" and "storageConfig" not in overrides:
        props.pop("storageConfig")
    dynamic_inputs, dynamic_failures = servers[kind].check(props)
    native_inputs, native_failures = servers["native"].check(resource, props)
    assert dynamic_failures, "a hostile input must be refused"
    assert sorted(native_failures) == sorted(dynamic_failures)
    assert unwrap(native_inputs) == {k: v for k, v in dynamic_inputs.items() if not k.startswith("__")}


def test_a_set_member_listed_twice_or_hostile_is_named_by_its_place(servers: dict[str, Any]) -> None:
    member = {"appId": "app", "entryPoint": "live", "region": "na", "enabled": True}
    news = {"settings": [member, {**member, "region": "NA"}, {**member, "entryPoint": "live\u200b"}, "not-a-member"]}
    _, failures = servers["native"].check("SnapshotSettingSet", news)
    places = sorted(said(news, failures))
    assert places == sorted(["settings[1]", "settings[3]", 'settings["app/live\u200b/na"].entryPoint'])


def test_diff_config_is_left_to_the_sdk_whose_override_is_broken() -> None:
    """pulumi 3.259-3.272 sends an overridden diff_config's changes as DIFF_NONE and crashes on a detailed
    diff; the provider must keep the base class's."""
    assert AgoraProvider.diff_config is Provider.diff_config
