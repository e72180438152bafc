"""SnapshotSettingSet through the SDK's ``python -m pulumi.dynamic`` server, against the emulator.

The set's promise: one PATCH per member that differs from the state and none for the others; removal
disables exactly the removed members; refresh reads every member and a 404 drops only that member; a partial
failure leaves the rest applied and the next ``up`` converges; every member keeps its single kind's rules.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

import grpc
import pulumi
import pytest

from agora_pulumi import SettingSetMember, SnapshotSettingSet, StorageConfigArgs
from agora_pulumi.names import type_token
from agora_pulumi.testing.check_lines import said
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import UNKNOWN, ProviderServer, provider_blob
from tests.mock_monitor import RecordingMonitor, is_secret, registered
from tests.support import APP_ID, clean_env, stack_config

SET_TYPE = type_token("SnapshotSettingSet")
SET_ID = f"set:{APP_ID}"


def set_server(url: str) -> ProviderServer:
    srv = ProviderServer(env=clean_env(), provider=provider_blob("set"), type_token=SET_TYPE)
    srv.start()
    srv.configure(stack_config(url))
    return srv


@pytest.fixture
def sets(emu: EmulatorHandle) -> Iterator[ProviderServer]:
    srv = set_server(emu.url)
    yield srv
    srv.close()


def storage(n: int, vendor: float = 2.0, region: float = 3.0) -> dict[str, Any]:
    return {"vendor": vendor, "region": region, "bucket": f"snaps-{n}", "accessKey": f"AK-set-{n:04d}",
            "secretKey": f"SK-set-{n:04d}"}


def member(entry_point: str, region: str = "cn", api: str = "legacy", **fields: Any) -> tuple[str, dict[str, Any]]:
    props: dict[str, Any] = {"api": api, "appId": APP_ID, "entryPoint": entry_point, "region": region,
                             "enabled": True, "snapshotInterval": 30.0, "enableModeration": False}
    if api != "standard":
        props["storageConfig"] = storage(len(entry_point))
    props.update(fields)
    key = f"{APP_ID}/{entry_point}/{region}" if api == "legacy" else f"{api}:{APP_ID}/{entry_point}/{region}"
    return key, props


def settings(*members: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"settings": dict(members)}


def plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}


def checked(srv: ProviderServer, props: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    inputs, failures = srv.check(props, olds=olds)
    assert failures == []
    return plain(inputs)


def patches(emu: EmulatorHandle) -> Counter[str]:
    return Counter(e["path"].split("/entry_points/")[1] for e in emu.api_requests("PATCH"))


THREE = settings(member("live"), member("live", api="custom", storageConfig=storage(7, vendor=7.0, region=1.0)),
                 member("sports", "eu", api="standard"))


def test_create_sends_one_patch_per_member_to_its_own_path(sets: ProviderServer, emu: EmulatorHandle) -> None:
    id_, outs = sets.create(checked(sets, THREE))
    assert id_ == SET_ID
    assert patches(emu) == Counter({
        "live/settings/snapshot/regions/cn": 1,
        "live/settings/snapshot/custom/regions/cn": 1,
        "sports/settings/snapshot/standard/regions/eu": 1,
    })
    members = outs["settings"]
    assert set(members) == {f"{APP_ID}/live/cn", f"custom:{APP_ID}/live/cn", f"standard:{APP_ID}/sports/eu"}
    assert members[f"custom:{APP_ID}/live/cn"]["storageConfig"]["vendor"] == 7
    assert emu.stored(APP_ID, "live", "cn")["snapshotInterval"] == 30
    assert emu.stored(APP_ID, "live", "cn", kind="custom")["storageConfig"]["vendor"] == 7
    assert emu.stored(APP_ID, "sports", "eu", kind="standard") == {
        "enabled": True, "snapshotInterval": 30, "enableModeration": False
    }


def test_an_unchanged_set_is_no_diff_and_no_request(sets: ProviderServer, emu: EmulatorHandle) -> None:
    _, outs = sets.create(checked(sets, THREE))
    emu.clear_requests()
    news = checked(sets, THREE, olds=plain(outs))
    assert sets.diff(SET_ID, plain(outs), news).changes == 1  # DIFF_NONE
    assert emu.api_requests() == []


def test_update_patches_only_changed_added_and_removed_members(sets: ProviderServer, emu: EmulatorHandle) -> None:
    many = settings(*(member(f"ep{i:02d}") for i in range(10)))
    _, outs = sets.create(checked(sets, many))
    emu.clear_requests()
    changed = dict(many["settings"])
    changed[f"{APP_ID}/ep03/cn"] = {**changed[f"{APP_ID}/ep03/cn"], "snapshotInterval": 60.0}
    changed[f"{APP_ID}/ep05/cn"] = {**changed[f"{APP_ID}/ep05/cn"], "storageConfig": storage(99)}
    del changed[f"{APP_ID}/ep07/cn"]
    key, added = member("new")
    changed[key] = added
    news = checked(sets, {"settings": changed}, olds=plain(outs))
    diff = sets.diff(SET_ID, plain(outs), news)
    assert diff.changes == 2 and list(diff.replaces) == []  # DIFF_SOME, never a replace
    with ProviderServer(env=clean_env(), provider=provider_blob("set"), type_token=SET_TYPE) as later:
        later.configure(stack_config(emu.url))  # the next `pulumi up`: a new provider process
        outs2 = later.update(SET_ID, plain(outs), news)
    assert patches(emu) == Counter({
        "ep03/settings/snapshot/regions/cn": 1, "ep05/settings/snapshot/regions/cn": 1,
        "ep07/settings/snapshot/regions/cn": 1, "new/settings/snapshot/regions/cn": 1,
    })
    assert emu.stored(APP_ID, "ep07", "cn")["enabled"] is False  # removed: disabled
    assert emu.stored(APP_ID, "ep03", "cn")["snapshotInterval"] == 60
    assert emu.stored(APP_ID, "ep05", "cn")["storageConfig"]["secretKey"] == "SK-set-0099"
    assert set(outs2["settings"]) == set(changed)
    assert outs2["settings"][f"{APP_ID}/ep01/cn"] == outs["settings"][f"{APP_ID}/ep01/cn"]


def test_refresh_reports_drift_per_member(sets: ProviderServer, emu: EmulatorHandle) -> None:
    _, outs = sets.create(checked(sets, THREE))
    from agora_pulumi.client import AgoraClient
    from agora_pulumi.client_config import ClientConfig
    from agora_pulumi.identity import SettingIdentity
    from agora_pulumi.kinds import STANDARD

    console = AgoraClient(ClientConfig("demo-customer-id", "demo-customer-secret", endpoint=emu.url))
    console.patch_setting(SettingIdentity(APP_ID, "sports", "eu"), {"enabled": True, "snapshotInterval": 120}, STANDARD)
    read_id, read_outs, _ = sets.read(SET_ID, plain(outs))
    assert read_id == SET_ID
    before, after = outs["settings"], read_outs["settings"]
    drifted = [key for key in before if before[key] != after[key]]
    assert drifted == [f"standard:{APP_ID}/sports/eu"]
    assert after[f"standard:{APP_ID}/sports/eu"]["snapshotInterval"] == 120


def test_a_404_on_refresh_drops_only_that_member() -> None:
    with running_emulator(auth="hmac", entry_points=[f"{APP_ID}/live", f"{APP_ID}/sports"]) as emu:
        srv = set_server(emu.url)
        try:
            props = settings(member("live"), member("sports"))
            _, outs = srv.create(checked(srv, props))
            outs["settings"][f"{APP_ID}/gone/cn"] = {**member("gone")[1], "snapshotInterval": 30, "api": "legacy"}
            _, read_outs, _ = srv.read(SET_ID, plain(outs))
            assert set(read_outs["settings"]) == {f"{APP_ID}/live/cn", f"{APP_ID}/sports/cn"}
        finally:
            srv.close()


def test_a_partial_failure_applies_the_rest_and_the_next_up_converges() -> None:
    with running_emulator(auth="hmac", entry_points=[f"{APP_ID}/ep0", f"{APP_ID}/ep1", f"{APP_ID}/ep2"]) as emu:
        srv = set_server(emu.url)
        try:
            props = settings(member("ep0"), member("ep1"), member("ep2"), member("missing"))
            with pytest.raises(grpc.RpcError) as err:
                srv.create(checked(srv, props))
            last = err.value.details().strip().splitlines()[-1]
            assert last.startswith(f"Creating the SnapshotSettingSet of App ID {APP_ID} failed for 1 of 4 settings that "
                                   f"needed a request: {APP_ID}/missing/cn (HTTP 404); the other 3 were applied, and")
            assert all(emu.stored(APP_ID, f"ep{i}", "cn")["enabled"] is True for i in range(3))
            # The next `up` without the bad member: the applied ones converge (PATCH is idempotent).
            del props["settings"][f"{APP_ID}/missing/cn"]
            _, outs = srv.create(checked(srv, props))
            assert len(outs["settings"]) == 3
        finally:
            srv.close()


def test_delete_disables_every_member(emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env(), provider=provider_blob("set"), type_token=SET_TYPE) as first:
        first.configure(stack_config(emu.url))
        _, outs = first.create(checked(first, THREE))
    with ProviderServer(env=clean_env(), provider=provider_blob("set"), type_token=SET_TYPE) as later:
        later.configure(stack_config(emu.url))
        later.delete(SET_ID, plain(outs))
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is False
    assert emu.stored(APP_ID, "live", "cn", kind="custom")["enabled"] is False
    assert emu.stored(APP_ID, "sports", "eu", kind="standard")["enabled"] is False


def test_each_member_keeps_its_kinds_rules(sets: ProviderServer) -> None:
    bad = settings(
        member("live", snapshotInterval=3.0),
        member("live", api="custom", storageConfig=storage(1, vendor=1.0, region=26.0)),
        member("sports", api="standard", storageConfig=storage(2)),
        member("x y"),
    )
    _, failures = sets.check(bad)
    props = said(bad, failures)
    assert "must be a whole number of seconds in [5, 300]" in props[f'settings["{APP_ID}/live/cn"].snapshotInterval']
    assert "current Media Broadcast API's table" in props[f'settings["custom:{APP_ID}/live/cn"].storageConfig.region']
    assert "CustomSnapshotSetting" in props[f'settings["standard:{APP_ID}/sports/cn"].storageConfig']
    assert "cannot be part of Agora's URL path" in props[f'settings["{APP_ID}/x y/cn"].entryPoint']


def test_a_member_keyed_by_another_setting_is_refused(sets: ProviderServer) -> None:
    _, props = member("live")
    news = {"settings": {f"{APP_ID}/other/cn": props}}
    _, failures = sets.check(news)
    assert list(said(news, failures)) == [f'settings["{APP_ID}/other/cn"]']


def test_unknowns_at_preview_are_kept(sets: ProviderServer) -> None:
    key, props = member("live", enabled=UNKNOWN)
    inputs, failures = sets.check({"settings": {key: props}})
    assert failures == []
    assert sets.diff(SET_ID, {"settings": {}}, plain(inputs)).changes == 2


def test_moving_settings_between_a_set_and_single_resources_disables_nothing(emu: EmulatorHandle) -> None:
    """grouping: setting -> app in one deployment: the set is created (claiming its members), then the
    single resources are deleted; the rename guard leaves the settings enabled."""
    from agora_pulumi.testing.engine import provider_blob as blob
    from tests.support import setting_inputs

    with ProviderServer(env=clean_env()) as before:
        before.configure(stack_config(emu.url))
        single, _ = before.check(setting_inputs())
        _, single_outs = before.create(plain(single))
    with ProviderServer(env=clean_env(), provider=blob("set"), type_token=SET_TYPE) as up:  # one `pulumi up`
        up.configure(stack_config(emu.url))
        key, props = member("live", storageConfig={**storage(4), "accessKey": "AK-test-0001"})
        up.create(checked(up, {"settings": {key: props}}))
        up.provider, up.type_token = blob("legacy"), type_token("SnapshotSetting")
        up.delete(f"{APP_ID}/live/cn", plain(single_outs))
        assert "left enabled rather than disabled" in up.stderr_text()
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is True


def test_the_resource_keys_members_and_keeps_each_key_secret(monitor: RecordingMonitor) -> None:
    """Registered as a program does: members keyed by id, keys wrapped as secrets, the rest visible."""

    @pulumi.runtime.test
    def program() -> None:
        SnapshotSettingSet("app", [
            SettingSetMember(app_id=APP_ID, entry_point="live", region="CN", enabled=True,
                             storage_config=StorageConfigArgs(vendor=2, region=3, bucket="snaps",
                                                              access_key="AK-plain-1", secret_key="SK-plain-1")),
            SettingSetMember(app_id=APP_ID, entry_point="live", region="eu", enabled=False, api="standard"),
        ])

    program()
    [props] = registered(monitor)
    members = props["settings"]
    assert set(members) == {f"{APP_ID}/live/cn", f"standard:{APP_ID}/live/eu"}
    legacy = members[f"{APP_ID}/live/cn"]
    assert not is_secret(props["settings"]) and legacy["storageConfig"]["bucket"] == "snaps"
    assert is_secret(legacy["storageConfig"]["accessKey"]) and is_secret(legacy["storageConfig"]["secretKey"])


def test_the_resource_refuses_a_setting_listed_twice() -> None:
    twice = [SettingSetMember(app_id=APP_ID, entry_point="live", region="cn", enabled=True)] * 2
    with pytest.raises(TypeError, match="listed twice"):
        SnapshotSettingSet("app", twice)


def test_a_member_key_must_be_plain_strings_and_is_normalised_like_check() -> None:
    with pytest.raises(TypeError, match="app_id must be a plain string"):
        SettingSetMember(app_id=pulumi.Output.from_input(APP_ID), entry_point="live", region="cn", enabled=True)  # type: ignore[arg-type]
    member = SettingSetMember(app_id=APP_ID, entry_point="live", region=" CN ", enabled=True)
    assert member.key == f"{APP_ID}/live/cn" and member.to_props()["region"] == "cn"


def test_after_a_401_the_other_members_are_not_sent() -> None:
    """Wrong credentials fail every request: the set stops sending and says which members were not tried."""
    with running_emulator(auth="hmac") as emu:
        srv = ProviderServer(env=clean_env(), provider=provider_blob("set"), type_token=SET_TYPE)
        srv.start()
        try:
            srv.configure(stack_config(emu.url, **{"agora:customerSecret": "wrong-secret-value-9999"}))
            props = settings(*(member(f"ep{i:02d}") for i in range(40)))
            with pytest.raises(grpc.RpcError) as err:
                srv.create(checked(srv, props))
            last = err.value.details().strip().splitlines()[-1]
            assert "failed for 40 of 40 settings" in last and "(HTTP 401)" in last and "(not attempted)" in last
            assert len(emu.api_requests()) < 40
        finally:
            srv.close()
