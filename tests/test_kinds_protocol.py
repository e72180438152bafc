"""StandardSnapshotSetting and CustomSnapshotSetting through the SDK's ``python -m pulumi.dynamic`` server.

One provider core serves the three APIs; these tests hold each of the current reference's two paths to the
behaviour ``SnapshotSetting`` has (one PATCH of the full body, one GET, delete = ``enabled: false``, 404 on
refresh = gone, identity replaces, the rename guard) and to its own fields and vendor tables. Agora is the
emulator (HMAC-only), which serves and validates all three paths independently.
"""

from __future__ import annotations

import base64
from typing import Any, Iterator

import dill
import grpc
import pytest

from agora_pulumi.kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from agora_pulumi.testing.check_lines import said
from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.engine import ProviderServer, provider_blob
from tests.support import APP_ID, clean_env, setting_inputs, stack_config

SETTING_ID = f"{APP_ID}/live/cn"


def served(kind: SettingKind, url: str) -> ProviderServer:
    srv = ProviderServer(env=clean_env(), provider=provider_blob(kind.name), type_token=kind.type_token)
    srv.start()
    srv.configure(stack_config(url))
    return srv


@pytest.fixture
def standard(emu: EmulatorHandle) -> Iterator[ProviderServer]:
    srv = served(STANDARD, emu.url)
    yield srv
    srv.close()


@pytest.fixture
def custom(emu: EmulatorHandle) -> Iterator[ProviderServer]:
    srv = served(CUSTOM, emu.url)
    yield srv
    srv.close()


def plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}


def standard_inputs(**overrides: Any) -> dict[str, Any]:
    props = setting_inputs(**overrides)
    props.pop("storageConfig", None)
    return props


def custom_storage(**overrides: Any) -> dict[str, Any]:
    storage = {"vendor": 7.0, "region": 6.0, "bucket": "snapshots", "accessKey": "AK-custom-01", "secretKey": "SK-custom-01"}
    storage.update(overrides)
    return storage


def create(srv: ProviderServer, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    inputs, failures = srv.check(props)
    assert failures == []
    return srv.create(plain(inputs))


# --- standard -----------------------------------------------------------------------------------------------


def test_standard_create_read_delete_hit_the_standard_path_only(
    standard: ProviderServer, emu: EmulatorHandle
) -> None:
    id_, outs = create(standard, standard_inputs())
    assert id_ == SETTING_ID
    assert plain(outs) == {"appId": APP_ID, "entryPoint": "live", "region": "cn", "enabled": True,
                           "snapshotInterval": 30, "enableModeration": True}
    assert emu.stored(APP_ID, "live", "cn", kind="standard") == {
        "enabled": True, "snapshotInterval": 30, "enableModeration": True
    }
    assert emu.stored(APP_ID, "live", "cn") is None  # the seed's setting is another one
    read_id, read_outs, _ = standard.read(id_, plain(outs))
    assert read_id == id_ and plain(read_outs) == plain(outs)
    with ProviderServer(env=clean_env(), provider=provider_blob("standard"), type_token=STANDARD.type_token) as later:
        later.configure(stack_config(emu.url))
        later.delete(id_, plain(outs))
    assert emu.stored(APP_ID, "live", "cn", kind="standard")["enabled"] is False
    paths = [(r["method"], r["path"]) for r in emu.api_requests()]
    assert paths == [
        ("PATCH", f"/v1/projects/{APP_ID}/fls/entry_points/live/settings/snapshot/standard/regions/cn"),
        ("GET", f"/v1/projects/{APP_ID}/fls/entry_points/live/settings/snapshot/standard/regions/cn"),
        ("PATCH", f"/v1/projects/{APP_ID}/fls/entry_points/live/settings/snapshot/standard/regions/cn"),
    ]


def test_standard_refuses_a_storage_config_at_preview(standard: ProviderServer) -> None:
    news = setting_inputs()
    _, failures = standard.check(news)
    assert list(said(news, failures)) == ["storageConfig"]
    assert "CustomSnapshotSetting" in said(news, failures)["storageConfig"]


def test_standard_identity_change_replaces_and_fields_update(standard: ProviderServer) -> None:
    _, outs = create(standard, standard_inputs())
    news, _ = standard.check(standard_inputs(region="eu"))
    assert list(standard.diff(SETTING_ID, plain(outs), plain(news)).replaces) == ["region"]
    news, _ = standard.check(standard_inputs(snapshotInterval=60.0))
    diff = standard.diff(SETTING_ID, plain(outs), plain(news))
    assert list(diff.replaces) == [] and diff.changes == 2  # DIFF_SOME: an update in place


def test_standard_404_on_refresh_is_gone(emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env(), provider=provider_blob("standard"), type_token=STANDARD.type_token) as srv:
        srv.configure(stack_config(emu.url))
        emu.set_faults(queue=[{"status": 404}])
        read_id, read_outs, _ = srv.read(SETTING_ID, standard_inputs())
        assert read_id == "" and plain(read_outs) == {}


# --- custom -------------------------------------------------------------------------------------------------


def test_custom_takes_the_new_vendors_and_stores_on_the_custom_path(
    custom: ProviderServer, emu: EmulatorHandle
) -> None:
    id_, outs = create(custom, setting_inputs(storageConfig=custom_storage()))
    assert id_ == SETTING_ID
    assert plain(outs)["storageConfig"] == {"vendor": 7, "region": 6, "bucket": "snapshots",
                                            "accessKey": "AK-custom-01", "secretKey": "SK-custom-01"}
    assert emu.stored(APP_ID, "live", "cn", kind="custom")["storageConfig"]["vendor"] == 7
    assert emu.stored(APP_ID, "live", "cn") is None and emu.stored(APP_ID, "live", "cn", kind="standard") is None
    read_id, read_outs, _ = custom.read(id_, plain(outs))
    assert read_id == id_ and plain(read_outs) == plain(outs)


def test_custom_google_cloud_ignores_region_like_azure(custom: ProviderServer, emu: EmulatorHandle) -> None:
    inputs, failures = custom.check(setting_inputs(storageConfig=custom_storage(vendor=6.0, region=99.0, bucket="snap_shots")))
    assert failures == []
    assert inputs["storageConfig"]["region"] is None
    custom.create(plain(inputs))
    assert "region" not in emu.stored(APP_ID, "live", "cn", kind="custom")["storageConfig"]


@pytest.mark.parametrize(
    ("storage", "prop", "words"),
    [
        ({"vendor": 1.0, "region": 26.0}, "storageConfig.region", "current Media Broadcast API's table"),
        ({"vendor": 1.0, "region": 17.0}, "storageConfig.region", "25 (EU_SOUTH_1)"),
        ({"vendor": 1.0, "region": 23.0}, "storageConfig.region", "24 (AP_SOUTHEAST_3)"),
        ({"vendor": 9.0}, "storageConfig.vendor", "8 (Baidu AI Cloud BOS)"),
        ({"vendor": 7.0, "region": 16.0}, "storageConfig.region", "15 (SA_Chile_1)"),
        ({"vendor": 8.0, "region": 0.0, "bucket": "abc"}, "storageConfig.bucket", "4-63"),
        ({"vendor": 6.0, "bucket": "google-snaps"}, "storageConfig.bucket", "google"),
    ],
)
def test_custom_validates_the_current_tables(
    custom: ProviderServer, storage: dict[str, Any], prop: str, words: str
) -> None:
    news = setting_inputs(storageConfig=custom_storage(**storage))
    _, failures = custom.check(news)
    reasons = said(news, failures)
    assert prop in reasons, failures
    assert words in reasons[prop]


def test_the_seed_resource_keeps_its_own_tables(server: ProviderServer) -> None:
    """SnapshotSetting stays exactly as it was: S3 17 valid, vendor 6 not."""
    _, failures = server.check(setting_inputs(storageConfig=custom_storage(vendor=1.0, region=17.0)))
    assert failures == []
    news = setting_inputs(storageConfig=custom_storage(vendor=6.0))
    _, failures = server.check(news)
    assert list(said(news, failures)) == ["storageConfig.vendor"]


# --- the three are independent settings ----------------------------------------------------------------------


def test_three_kinds_of_one_entry_point_are_independent(
    server: ProviderServer, standard: ProviderServer, custom: ProviderServer, emu: EmulatorHandle
) -> None:
    _, legacy_outs = create(server, setting_inputs(snapshotInterval=11.0))
    _, standard_outs = create(standard, standard_inputs(snapshotInterval=22.0))
    _, custom_outs = create(custom, setting_inputs(snapshotInterval=33.0, storageConfig=custom_storage()))
    assert emu.stored(APP_ID, "live", "cn")["snapshotInterval"] == 11
    assert emu.stored(APP_ID, "live", "cn", kind="standard")["snapshotInterval"] == 22
    assert emu.stored(APP_ID, "live", "cn", kind="custom")["snapshotInterval"] == 33
    # The rename guard is per API: a delete of the *standard* setting in this same deployment (by another
    # provider process of the same run, here a fresh one) disables only the standard setting.
    with ProviderServer(env=clean_env(), provider=provider_blob("standard"), type_token=STANDARD.type_token) as srv:
        srv.configure(stack_config(emu.url))
        srv.delete(SETTING_ID, plain(standard_outs))
    assert emu.stored(APP_ID, "live", "cn", kind="standard")["enabled"] is False
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is True
    assert emu.stored(APP_ID, "live", "cn", kind="custom")["enabled"] is True


def test_rename_guard_is_per_api(server: ProviderServer, emu: EmulatorHandle) -> None:
    """One provider process serves every dynamic resource of a deployment. After it wrote the legacy
    setting, its delete of the same id is skipped (a rename without aliases), but the standard setting with
    that id is another setting and is disabled."""
    create(server, setting_inputs())
    emu.clear_requests()
    server.delete(SETTING_ID, plain(setting_inputs()))
    assert emu.api_requests() == [] and "left enabled rather than disabled" in server.stderr_text()
    server.provider, server.type_token = provider_blob("standard"), STANDARD.type_token
    server.delete(SETTING_ID, plain(standard_inputs()))
    assert [r["path"].split("/settings/")[1] for r in emu.api_requests()] == ["snapshot/standard/regions/cn"]
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is True


@pytest.mark.parametrize("kind", [LEGACY, STANDARD, CUSTOM], ids=lambda k: k.name)
def test_each_kind_has_its_type_token_and_a_bare_class_reference_as_provider(kind: SettingKind) -> None:
    blob = provider_blob(kind.name)
    provider = dill.loads(base64.b64decode(blob))
    assert type(provider).KIND is kind
    assert len(base64.b64decode(blob)) < 120
    assert kind.type_token == f"pulumi-python:dynamic/agora:{kind.resource}"


def test_same_error_messages_as_the_seed_resource(custom: ProviderServer, emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env(), provider=provider_blob("custom"), type_token=CUSTOM.type_token) as srv:
        srv.configure(stack_config(emu.url, **{"agora:customerSecret": "wrong-secret-value-1234"}))
        inputs, _ = srv.check(setting_inputs(storageConfig=custom_storage()))
        with pytest.raises(grpc.RpcError) as err:
            srv.create(plain(inputs))
    details = err.value.details()
    assert f"Creating custom snapshot setting {SETTING_ID} failed" in details and "HTTP 401" in details
    assert "wrong-secret-value-1234" not in details and "SK-custom-01" not in details
