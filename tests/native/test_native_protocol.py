"""The native provider through its gRPC server, called as the engine calls it, against the emulator.

What a user of a TypeScript, Go, .NET, Java or YAML program sees: the same validation, the same requests
(one PATCH per create or update, none in a preview, ``enabled: false`` on delete), the same ids, secrets
marked in every answer, import without keys, warnings in the engine's log, errors in one line.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest

from agora_pulumi.client import AgoraClient
from agora_pulumi.client_config import ClientConfig
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.kinds import LEGACY, SettingKind
from agora_pulumi.testing.check_lines import said
from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.native import UNKNOWN, NativeProviderServer, is_secret, secret, unwrap
from tests.support import APP_ID, clean_env, setting_inputs, stack_config

SETTING = "SnapshotSetting"
ID = f"{APP_ID}/live/cn"


def inputs(**overrides: Any) -> dict[str, Any]:
    """The suite's usual inputs, as a program in another language may write them: region in capitals,
    moderation left to its default."""
    props = setting_inputs(**{"region": "CN", **overrides})
    if "enableModeration" not in overrides:
        del props["enableModeration"]
    return props


def set_in_console(emu: EmulatorHandle, body: dict[str, Any], kind: SettingKind = LEGACY) -> None:
    """A setting made outside Pulumi (Agora's console): one PATCH by the client itself."""
    client = AgoraClient(ClientConfig.from_sources(stack_config(emu.url).get, {}))
    client.patch_setting(SettingIdentity(APP_ID, "live", "cn"), body, kind)


def writes(emu: EmulatorHandle) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["method"] == "PATCH"]


def assert_keys_secret(props: dict[str, Any]) -> None:
    storage = props["storageConfig"]
    assert is_secret(storage["accessKey"]) and is_secret(storage["secretKey"]), storage


# --- check: the core's rules, unknowns, secrets -----------------------------------------------------------


def test_check_normalises_like_the_dynamic_provider_and_marks_plain_keys_secret(native: NativeProviderServer) -> None:
    checked, failures = native.check(SETTING, inputs())  # keys as plain strings, as a YAML program may send
    assert failures == []
    assert checked["region"] == "cn" and checked["enableModeration"] is False and checked["snapshotInterval"] == 30
    assert_keys_secret(checked)
    assert unwrap(checked["storageConfig"])["accessKey"] == "AK-test-0001"


def test_check_names_every_bad_property_with_the_fix(native: NativeProviderServer) -> None:
    news = inputs(snapshotInterval=3.0, region="mars", storageConfig={"vendor": 7.0, "bucket": "b"})
    _, failures = native.check(SETTING, news)
    props = said(news, failures)
    assert set(props) >= {"snapshotInterval", "region", "storageConfig.vendor"}
    assert "[5, 300]" in props["snapshotInterval"]
    assert "cn, ap, na, eu" in props["region"]


def test_preview_unknowns_arrive_as_the_sentinel_string_and_are_not_judged(native: NativeProviderServer) -> None:
    checked, failures = native.check(SETTING, inputs(appId=UNKNOWN, snapshotInterval=UNKNOWN))
    assert failures == []
    assert checked["appId"] == UNKNOWN and checked["snapshotInterval"] == UNKNOWN
    state = {**unwrap(native.check(SETTING, inputs())[0])}
    diff = native.diff(SETTING, ID, state, {**state, "appId": UNKNOWN})
    assert list(diff.replaces) == ["appId"]
    assert diff.detailedDiff["appId"].kind == diff.detailedDiff["appId"].UPDATE_REPLACE


def test_secret_inputs_stay_secret_in_checked_inputs(native: NativeProviderServer) -> None:
    checked, _ = native.check(SETTING, inputs(entryPoint=secret("live")))
    assert is_secret(checked["entryPoint"])


# --- diff: detailed, no requests ----------------------------------------------------------------------------


def test_diff_of_equal_values_is_no_change_and_every_change_is_detailed(
    native: NativeProviderServer, emu: EmulatorHandle
) -> None:
    state = unwrap(native.check(SETTING, inputs())[0])
    same = native.diff(SETTING, ID, state, {**state, "region": "CN", "snapshotInterval": 30.0})
    assert same.changes == same.DIFF_NONE
    changed = native.diff(SETTING, ID, state, {**state, "snapshotInterval": 45.0, "entryPoint": "sports"})
    assert changed.changes == changed.DIFF_SOME
    assert set(changed.detailedDiff) == {"snapshotInterval", "entryPoint"}
    assert list(changed.replaces) == ["entryPoint"] and not changed.deleteBeforeReplace
    assert emu.requests() == []  # check and diff never do HTTP: a preview costs no API call


# --- the lifecycle, per kind ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "path", "with_storage"),
    [
        ("SnapshotSetting", "/settings/snapshot/regions/cn", True),
        ("StandardSnapshotSetting", "/settings/snapshot/standard/regions/cn", False),
        ("CustomSnapshotSetting", "/settings/snapshot/custom/regions/cn", True),
    ],
)
def test_lifecycle_per_kind(resource: str, path: str, with_storage: bool, emu: EmulatorHandle) -> None:
    props = inputs() if with_storage else {k: v for k, v in inputs().items() if k != "storageConfig"}
    with NativeProviderServer(env=clean_env()) as srv:
        from tests.native.conftest import configure

        configure(srv, emu.url)
        checked, failures = srv.check(resource, props)
        assert failures == []
        id_, created = srv.create(resource, checked)
        assert id_ == ID
        if with_storage:
            assert_keys_secret(created)
        patched = writes(emu)
        assert len(patched) == 1 and patched[0]["path"].endswith(path)
        assert patched[0]["body"]["enabled"] is True and patched[0]["body"]["snapshotInterval"] == 30

        updated = srv.update(resource, id_, created, {**checked, "snapshotInterval": 45.0})
        assert updated["snapshotInterval"] == 45
        assert [w["body"]["snapshotInterval"] for w in writes(emu)] == [30, 45]

        read_id, state, read_inputs = srv.read(resource, id_, updated)
        assert read_id == ID and unwrap(state) == unwrap(updated) and unwrap(read_inputs) == unwrap(updated)
        if with_storage:
            assert_keys_secret(state)
    with NativeProviderServer(env=clean_env()) as srv:  # the next deployment deletes it
        from tests.native.conftest import configure

        configure(srv, emu.url)
        srv.delete(resource, ID, updated)
    last = writes(emu)[-1]
    assert last["path"].endswith(path) and last["body"] == {"enabled": False}


def test_rename_guard_keeps_a_setting_another_resource_wrote_in_this_deployment(
    native: NativeProviderServer, emu: EmulatorHandle
) -> None:
    checked, _ = native.check(SETTING, inputs())
    _, created = native.create(SETTING, checked, name="new-name")
    native.delete(SETTING, ID, created, name="old-name")
    assert [w["body"].get("enabled") for w in writes(emu)] == [True]  # no enabled:false
    (urn, message), = native.warnings()
    assert urn.endswith("::agora:fls:SnapshotSetting::old-name")
    assert "left enabled" in message and "aliases" in message


def test_what_a_delete_really_does_reaches_the_user_through_the_engine_log(
    native: NativeProviderServer, emu: EmulatorHandle
) -> None:
    # The CLI shows a native provider's notes only through the engine's Log (its stderr is not shown).
    checked, _ = native.check(SETTING, inputs())
    _, created = native.create(SETTING, checked)
    with NativeProviderServer(env=clean_env()) as later:  # `pulumi destroy`: its own provider process
        from tests.native.conftest import configure

        configure(later, emu.url)
        later.delete(SETTING, ID, created, name="media")
        (urn, message), = later.notes()
    assert urn.endswith("::agora:fls:SnapshotSetting::media")
    assert message == (f"snapshot setting {ID}: disabled at Agora (enabled: false; its storage config is kept, "
                       "Agora has no delete)")
    assert later.warnings() == []


def test_a_refresh_names_a_drifted_bucket_in_a_note(native: NativeProviderServer, emu: EmulatorHandle) -> None:
    checked, _ = native.check(SETTING, inputs())
    _, created = native.create(SETTING, checked, name="media")
    storage = {k: int(v) if isinstance(v, float) else v for k, v in inputs()["storageConfig"].items()}
    drifted = {**storage, "bucket": "moved-in-console"}
    set_in_console(emu, {"enabled": True, "storageConfig": drifted})
    native.read(SETTING, ID, created, name="media")
    (urn, message), = native.notes()
    assert urn.endswith("::media") and "storageConfig.bucket" in message
    assert inputs()["storageConfig"]["secretKey"] not in message


# --- import and .get -----------------------------------------------------------------------------------------


def test_import_reads_by_id_and_returns_no_storage_key(native: NativeProviderServer, emu: EmulatorHandle) -> None:
    set_in_console(emu, {  # a setting made outside Pulumi, with its storage config
        "enabled": True, "snapshotInterval": 20, "enableModeration": True,
        "storageConfig": {"vendor": 2, "region": 3, "bucket": "b", "accessKey": "AK-live-0042", "secretKey": "SK-live-0042"},
    })
    emu.clear_requests()
    id_, state, imported = native.read(SETTING, ID)
    assert id_ == ID
    assert imported == state
    assert "AK-live-0042" not in json.dumps(imported) and "SK-live-0042" not in json.dumps(imported)
    assert imported["snapshotInterval"] == 20 and imported["enableModeration"] is True
    assert imported.get("storageConfig") is None
    # The engine then checks the imported inputs: they pass, so the generated code is valid as it is.
    assert native.check(SETTING, imported)[1] == []
    (_, message), = native.warnings()
    assert "storage config" in message and "storageConfig" in message
    assert [r["method"] for r in emu.requests()] == ["GET"]


def test_import_of_an_entry_point_agora_does_not_have_finds_nothing(emulator: EmulatorHandle) -> None:
    from agora_pulumi.testing.emulator import running_emulator
    from tests.native.conftest import configure

    with running_emulator(auth="hmac", entry_points=[f"{APP_ID}/live"]) as emu, NativeProviderServer(env=clean_env()) as srv:
        configure(srv, emu.url)
        assert srv.read(SETTING, f"{APP_ID}/nosuch/cn")[0] == ""


def test_import_of_a_set_is_refused_with_what_to_do(native: NativeProviderServer) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        native.read("SnapshotSettingSet", f"set:{APP_ID}")
    assert "import each setting as agora:fls:SnapshotSetting" in caught.value.details()


# --- lookups -----------------------------------------------------------------------------------------------


def test_lookup_returns_the_setting_with_its_keys_as_secrets(native: NativeProviderServer, emu: EmulatorHandle) -> None:
    checked, _ = native.check("CustomSnapshotSetting", inputs())
    native.create("CustomSnapshotSetting", checked)
    found, failures = native.invoke("getCustomSnapshotSetting", {"appId": APP_ID, "entryPoint": "live", "region": "CN"})
    assert failures == []
    assert_keys_secret(found)
    assert unwrap(found)["storageConfig"]["bucket"] == "snapshots" and found["snapshotInterval"] == 30
    assert [r["method"] for r in emu.requests()] == ["PATCH", "GET"]


def test_lookup_with_a_bad_argument_names_it(native: NativeProviderServer, emu: EmulatorHandle) -> None:
    _, failures = native.invoke("getSnapshotSetting", {"appId": APP_ID, "entryPoint": "a/b", "region": "mars"})
    assert {prop for prop, _ in failures} == {"entryPoint", "region"}
    assert emu.requests() == []


# --- errors --------------------------------------------------------------------------------------------------


def test_an_agora_error_reaches_the_user_as_one_line_without_sdk_noise(emu: EmulatorHandle) -> None:
    with NativeProviderServer(env=clean_env()) as srv:
        from tests.native.conftest import configure

        configure(srv, emu.url, **{"agora:customerSecret": "wrong-secret-0000"})
        checked, _ = srv.check(SETTING, inputs())
        with pytest.raises(grpc.RpcError) as caught:
            srv.create(SETTING, checked)
    details = caught.value.details()
    assert "\n" not in details and "Unexpected" not in details and "Traceback" not in details
    assert details.startswith(f"Creating snapshot setting {ID} failed.") and "401" in details
    assert "wrong-secret-0000" not in details


def test_missing_credentials_let_a_preview_run_and_fail_the_first_request_naming_the_key(emu: EmulatorHandle) -> None:
    with NativeProviderServer(env=clean_env()) as srv:
        srv.configure({"endpoint": emu.url}, {"agora:endpoint": emu.url})
        checked, failures = srv.check(SETTING, inputs())
        assert failures == []
        with pytest.raises(grpc.RpcError) as caught:
            srv.create(SETTING, checked)
    assert "agora:customerId" in caught.value.details()
    assert emu.requests() == []


def test_configure_does_not_offer_preview_so_the_engine_never_creates_in_a_preview(emu: EmulatorHandle) -> None:
    with NativeProviderServer(env=clean_env()) as srv:
        from tests.native.conftest import provider_args

        response = srv.configure(provider_args(emu.url))
    assert response.acceptSecrets and not response.supportsPreview
