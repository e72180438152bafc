"""Several Agora accounts in one stack (explicit providers), sets, parallelism and configuration types."""

from __future__ import annotations

import json
import threading
from typing import Any

import grpc
import pytest

from agora_pulumi.testing.check_lines import engine_lines
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.native import NativeProviderServer, is_secret, secret, unwrap
from tests.native.conftest import configure
from tests.support import APP_ID, FAST_RETRIES, StandInHandler, clean_env, stand_in

SET = "SnapshotSettingSet"


def member(entry_point: str, region: str = "na", **extra: Any) -> dict[str, Any]:
    return {"appId": APP_ID, "entryPoint": entry_point, "region": region, "enabled": True, **extra}


def test_two_explicit_providers_write_to_two_accounts_with_their_own_credentials() -> None:
    with running_emulator(auth="hmac", customer_id="cn-account", customer_secret="cn-secret-0001") as cn, \
            running_emulator(auth="hmac", customer_id="global-acct", customer_secret="gl-secret-0002") as glob:
        for emu, cid, sec in ((cn, "cn-account", "cn-secret-0001"), (glob, "global-acct", "gl-secret-0002")):
            # An explicit provider's inputs, as `new agora.Provider("cn", {customerId, customerSecret, endpoint})`.
            with NativeProviderServer(env=clean_env()) as provider:
                provider.configure({"customerId": cid, "customerSecret": secret(sec), "endpoint": emu.url, **{
                    k.split(":")[1]: v for k, v in FAST_RETRIES.items()}})
                checked, _ = provider.check("StandardSnapshotSetting", member("live", region="cn" if emu is cn else "eu"))
                provider.create("StandardSnapshotSetting", checked)
        assert [(r["auth"], r["path"].rsplit("/", 1)[1]) for r in cn.requests()] == [("ok", "cn")]
        assert [(r["auth"], r["path"].rsplit("/", 1)[1]) for r in glob.requests()] == [("ok", "eu")]


def test_configuration_arrives_typed_numbers_as_floats(emu: EmulatorHandle) -> None:
    from tests.native.conftest import provider_args

    with NativeProviderServer(env=clean_env()) as srv:
        srv.configure({**provider_args(emu.url), "maxRetries": 2.0, "maxRequestsPerSecond": 25.0})
        checked, _ = srv.check("SnapshotSetting", member("live"))
        assert srv.create("SnapshotSetting", checked)[0] == f"{APP_ID}/live/na"
    with NativeProviderServer(env=clean_env()) as srv:
        srv.configure({**provider_args(emu.url), "maxRetries": 2.5})
        checked, _ = srv.check("SnapshotSetting", member("live"))
        with pytest.raises(grpc.RpcError) as caught:
            srv.create("SnapshotSetting", checked)
    assert caught.value.details().startswith("agora:maxRetries must be a whole number")


def test_endpoints_list_fails_over(emu: EmulatorHandle) -> None:
    from tests.native.conftest import provider_args

    args = provider_args(emu.url)
    del args["endpoint"]
    args["endpoints"] = ["http://127.0.0.1:9", emu.url]
    with NativeProviderServer(env=clean_env()) as srv:
        srv.configure(args)
        checked, _ = srv.check("SnapshotSetting", member("live"))
        assert srv.create("SnapshotSetting", checked)[0] == f"{APP_ID}/live/na"
    assert len(emu.api_requests("PATCH")) == 1


def test_a_set_lists_members_keys_them_and_writes_one_patch_each(native: NativeProviderServer, emu: EmulatorHandle) -> None:
    listed = [
        member("live"),
        member("sports", snapshotInterval=30.0),
        {**member("news", region="EU"), "api": "standard"},
        {**member("cam", region="ap"), "api": "custom", "storageConfig": {
            "vendor": 6.0, "bucket": "my-bucket", "accessKey": "AK-set-0001", "secretKey": "SK-set-0001"}},
    ]
    checked, failures = native.check(SET, {"settings": listed})
    assert failures == []
    keys = set(checked["settings"])
    assert keys == {f"{APP_ID}/live/na", f"{APP_ID}/sports/na", f"standard:{APP_ID}/news/eu", f"custom:{APP_ID}/cam/ap"}
    cam = checked["settings"][f"custom:{APP_ID}/cam/ap"]["storageConfig"]
    assert is_secret(cam["accessKey"]) and is_secret(cam["secretKey"])

    set_id, state = native.create(SET, checked)
    assert set_id == f"set:{APP_ID}"
    assert len(emu.api_requests("PATCH")) == 4
    assert is_secret(state["settings"][f"custom:{APP_ID}/cam/ap"]["storageConfig"]["secretKey"])

    # One member changed, one removed: the diff names exactly those, and update sends exactly those requests.
    emu.clear_requests()
    new_list = [member("live"), member("sports", snapshotInterval=45.0), listed[2]]
    new_checked, _ = native.check(SET, {"settings": new_list}, olds=unwrap(checked))
    diff = native.diff(SET, set_id, unwrap(state), unwrap(new_checked))
    assert dict(diff.detailedDiff).keys() == {
        f'settings["{APP_ID}/sports/na"].snapshotInterval', f'settings["custom:{APP_ID}/cam/ap"]'}
    assert diff.detailedDiff[f'settings["custom:{APP_ID}/cam/ap"]'].kind == diff.detailedDiff[
        f'settings["custom:{APP_ID}/cam/ap"]'].DELETE
    assert not diff.replaces
    assert emu.requests() == []
    with NativeProviderServer(env=clean_env()) as next_deployment:  # a later `up`: its own provider process
        configure(next_deployment, emu.url)
        next_deployment.update(SET, set_id, unwrap(state), unwrap(new_checked))
        (_, note), = next_deployment.notes()  # the CLI shows it: the engine's Log, not stderr
    assert note == (f"the SnapshotSettingSet of App ID {APP_ID}: 1 member disabled at Agora (enabled: false; its "
                    f"storage config is kept, Agora has no delete): custom:{APP_ID}/cam/ap")
    bodies = sorted((r["path"].split("/entry_points/")[1].split("/")[0], r["body"]) for r in emu.api_requests("PATCH"))
    assert bodies == [("cam", {"enabled": False}), ("sports", {"enabled": True, "snapshotInterval": 45, "enableModeration": False})]


def test_a_set_listing_one_setting_twice_names_the_entry(native: NativeProviderServer) -> None:
    news = {"settings": [member("live"), member("live", region="NA")]}
    _, failures = native.check(SET, news)
    assert engine_lines(news, failures, "agora:fls:SnapshotSettingSet", "fleet") == [
        f"agora:fls:SnapshotSettingSet resource 'fleet' has a problem: settings[1] is the setting {APP_ID}/live/na "
        "again: list each setting once"
    ]


def test_a_set_member_with_an_unknown_identity_makes_the_members_unknown(native: NativeProviderServer) -> None:
    from agora_pulumi.testing.native import UNKNOWN

    checked, failures = native.check(SET, {"settings": [member("live"), member(UNKNOWN)]})
    assert failures == [] and checked["settings"] == UNKNOWN


def test_http_leaves_the_asyncio_loop_so_parallel_resources_stay_parallel() -> None:
    """Four creates at once must be in flight together: a stand-in answers only when all four have arrived
    (a barrier), so a provider that serialised its HTTP calls would time out instead."""
    barrier = threading.Barrier(4, timeout=10)

    class AllAtOnce(StandInHandler):
        def do_PATCH(self) -> None:  # noqa: N802
            self.request_body()
            barrier.wait()
            self.answer(200, headers={})

    with stand_in(AllAtOnce) as url, NativeProviderServer(env=clean_env()) as srv:
        configure(srv, url, **{"agora:authScheme": "basic", "agora:maxRetries": "0"})
        checked = [srv.check("SnapshotSetting", member(f"ep{i}"))[0] for i in range(4)]
        results: list[Any] = []

        def create(props: dict[str, Any]) -> None:
            results.append(srv.create("SnapshotSetting", props)[0])

        threads = [threading.Thread(target=create, args=(props,)) for props in checked]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(results) == sorted(f"{APP_ID}/ep{i}/na" for i in range(4))
    assert not barrier.broken


def test_no_secret_in_plaintext_in_the_provider_output_or_its_errors(emu: EmulatorHandle) -> None:
    with NativeProviderServer(env=clean_env()) as srv:
        configure(srv, emu.url)
        checked, _ = srv.check("SnapshotSetting", {**member("live"), "storageConfig": {
            "vendor": 1.0, "region": 0.0, "bucket": "b-bucket", "accessKey": "AK-leak-7777", "secretKey": "SK-leak-7777"}})
        emu.set_faults(["500"] * 10)
        try:
            srv.create("SnapshotSetting", checked)
        except Exception as exc:  # noqa: BLE001
            text = str(exc)
        stderr = srv.stderr_text()
        logs = json.dumps(srv.engine.logs)
    for blob in (text, stderr, logs):
        assert "AK-leak-7777" not in blob and "SK-leak-7777" not in blob and "test-secret" not in blob
