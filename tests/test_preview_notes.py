"""What a user reads beside the engine's own output (the provider's stderr, which the engine shows): the
fields and members a preview changes, what a delete really does, drift and settings gone at refresh.

The dynamic protocol carries no detailed diff, so these lines are how a preview of a 20-member set names the
one member that changes, and how a key rotation names the key field (never its value).
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from agora_pulumi.client import AgoraClient
from agora_pulumi.client_config import ClientConfig
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.kinds import LEGACY
from agora_pulumi.set_model import member_diff
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import ProviderServer
from tests.support import APP_ID, clean_env, setting_inputs, stack_config
from tests.test_setting_set_protocol import SET_ID, checked, member, plain, set_server, settings, storage

SETTING_ID = f"{APP_ID}/live/cn"


def create(server: ProviderServer, **overrides: Any) -> dict[str, Any]:
    inputs = plain(server.check(setting_inputs(**overrides))[0])
    return server.create(inputs)[1]


def test_a_set_preview_names_only_the_changed_member_and_field(emu: EmulatorHandle) -> None:
    srv = set_server(emu.url)
    try:
        twenty = settings(*(member(f"ep{i:02d}") for i in range(20)))
        _, outs = srv.create(checked(srv, twenty))
        changed = {key: dict(m) for key, m in twenty["settings"].items()}
        changed[f"{APP_ID}/ep03/cn"]["snapshotInterval"] = 60.0
        changed[f"{APP_ID}/ep11/cn"]["storageConfig"] = {**storage(4), "accessKey": "AK-rotated-0001"}
        news = checked(srv, {"settings": changed}, olds=plain(outs))
        assert srv.diff(SET_ID, plain(outs), news).changes == 2  # DIFF_SOME
        [line] = [line for line in srv.stderr_text().splitlines() if "members change" in line]
        assert line == (
            f'the SnapshotSettingSet of App ID {APP_ID}: 2 of 20 members change: '
            f'settings["{APP_ID}/ep03/cn"].snapshotInterval, settings["{APP_ID}/ep11/cn"].storageConfig.accessKey'
        )
        assert "AK-rotated-0001" not in srv.stderr_text()
    finally:
        srv.close()


def test_the_detailed_diff_of_a_set_is_paths_only() -> None:
    """What a native provider returns as its detailed diff (the dynamic protocol has no field for it)."""
    olds = settings(member("a"), member("b"), member("c"))
    news = settings(member("a", snapshotInterval=45.0), member("b"), member("d"))
    assert member_diff(olds, news) == {
        f'settings["{APP_ID}/a/cn"].snapshotInterval': "update",
        f'settings["{APP_ID}/d/cn"]': "add",
        f'settings["{APP_ID}/c/cn"]': "delete",
    }


def test_a_key_rotation_names_the_key_field_never_its_value(server: ProviderServer) -> None:
    outs = create(server)
    rotated = setting_inputs(storageConfig={**setting_inputs()["storageConfig"], "secretKey": "SK-rotated-0002"})
    news = plain(server.check(rotated, olds=plain(outs))[0])
    assert server.diff(SETTING_ID, plain(outs), news).changes == 2
    assert f"snapshot setting {SETTING_ID}: changes storageConfig.secretKey\n" in server.stderr_text()
    assert "SK-rotated-0002" not in server.stderr_text()


def test_delete_and_replace_say_the_setting_is_disabled_and_its_storage_kept(
    server: ProviderServer, emu: EmulatorHandle
) -> None:
    outs = create(server)
    moved = plain(server.check(setting_inputs(region="eu", storageConfig=None))[0])
    server.diff(SETTING_ID, plain(outs), moved)
    assert (f"snapshot setting {SETTING_ID}: changes region, storageConfig; region names another setting, so "
            f"the new one is written, then {SETTING_ID} is disabled at Agora (enabled: false; its storage config "
            "is kept, Agora has no delete)") in server.stderr_text()
    with ProviderServer(env=clean_env()) as later:  # a later `pulumi destroy`
        later.configure(stack_config(emu.url))
        later.delete(SETTING_ID, plain(outs))
        stderr = later.stderr_text()
    assert (f"snapshot setting {SETTING_ID}: disabled at Agora (enabled: false; its storage config is kept, Agora "
            "has no delete)\n") in stderr


def test_removed_set_members_are_said_disabled_in_one_line(emu: EmulatorHandle) -> None:
    srv = set_server(emu.url)
    try:
        _, outs = srv.create(checked(srv, settings(member("a"), member("b"), member("c"))))
        news = checked(srv, settings(member("a")), olds=plain(outs))
        later = set_server(emu.url)  # the next `pulumi up`: a new provider process
        later.update(SET_ID, plain(outs), news)
        later.close()
        assert (f"the SnapshotSettingSet of App ID {APP_ID}: 2 members disabled at Agora (enabled: false; its "
                f"storage config is kept, Agora has no delete): {APP_ID}/b/cn, {APP_ID}/c/cn\n") in later.stderr_text()
    finally:
        srv.close()


def test_refresh_names_a_drifted_bucket(server: ProviderServer, emu: EmulatorHandle) -> None:
    outs = create(server)
    console = AgoraClient(ClientConfig("demo-customer-id", "demo-customer-secret", endpoint=emu.url))
    storage_now = {**outs["storageConfig"], "vendor": 2, "region": 3, "bucket": "moved-in-console"}
    body = {"enabled": True, "storageConfig": storage_now}
    console.patch_setting(SettingIdentity(APP_ID, "live", "cn"), body, LEGACY)
    server.read(SETTING_ID, plain(outs))
    assert (f"snapshot setting {SETTING_ID}: Agora holds other values than the state for storageConfig.bucket "
            "(drift)") in server.stderr_text()


def test_refresh_warns_when_it_drops_a_setting_whose_entry_point_is_gone() -> None:
    with running_emulator(auth="hmac", entry_points=[f"{APP_ID}/live"]) as emu:
        with ProviderServer(env=clean_env()) as srv:
            srv.configure(stack_config(emu.url))
            outs = create(srv)
            gone = {**plain(outs), "entryPoint": "deleted-in-console"}
            assert srv.read(f"{APP_ID}/deleted-in-console/cn", gone)[0] == ""
            assert (f"warning: snapshot setting {APP_ID}/deleted-in-console/cn: Agora answers that its entry point "
                    "does not exist (404), so it is removed from the state") in srv.stderr_text()


def test_a_set_failure_says_nothing_else_was_applied_when_nothing_else_needed_a_request() -> None:
    with running_emulator(auth="hmac", entry_points=[f"{APP_ID}/ep0", f"{APP_ID}/ep1"]) as emu:
        srv = set_server(emu.url)
        try:
            _, outs = srv.create(checked(srv, settings(member("ep0"), member("ep1"))))
            news = checked(srv, settings(member("ep0"), member("ep1"), member("missing")), olds=plain(outs))
            with pytest.raises(grpc.RpcError) as err:
                srv.update(SET_ID, plain(outs), news)
            last = err.value.details().strip().splitlines()[-1]
            assert last == (
                f"Updating the SnapshotSettingSet of App ID {APP_ID} failed for 1 of 1 setting that needed a request: "
                f"{APP_ID}/missing/cn (HTTP 404); running `pulumi up` again converges (each request sets absolute "
                "values)."
            )
        finally:
            srv.close()
