"""The three snapshot paths (legacy, standard, custom) over real sockets, against both emulator modes.

Each path has its own body rules and its own stored setting: a body valid on one path may be refused on
another, and a PATCH on one path never changes what GET on another returns. Persistence with ``--db`` holds
for each kind, and a database written before the kinds existed still opens with its settings on the legacy
path.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from agora_pulumi.emulator.models import KINDS as STORE_KINDS
from agora_pulumi.emulator.models import SettingKey, SettingsStore
from agora_pulumi.regions import CURRENT_STORAGE_REGIONS, PUSH_REGIONS, CurrentVendor
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

from .support import APP, DOC_EXAMPLE, ENTRY, KINDS, OTHER_ENTRY, new_session, settings_path
from .test_conformance import INVALID_BODIES, S3, Body, assert_error, reason, send, with_storage

DEFAULT = {"enabled": False, "enableModeration": False, "snapshotInterval": 10}
CURRENT_TABLE = "current reference's custom-snapshot table"
NO_STORAGE = "standard snapshot does not take third-party storage"


def url(
    emu: EmulatorHandle, kind: str, appid: str = APP, entry_point: str = ENTRY, region: str = "cn"
) -> str:
    return emu.url + settings_path(appid, entry_point, region, kind)


def storage(**changes: Any) -> Dict[str, Any]:
    """A ``storageConfig`` (S3 region 0 unless changed); a value of ``...`` removes the key."""
    out: Dict[str, Any] = {**S3, **changes}
    for key in [k for k, v in changes.items() if v is ...]:
        del out[key]
    return out


# ------------------------------------------------------------------------------------------------ defaults


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("region", PUSH_REGIONS)
def test_get_never_configured_returns_the_default_on_every_path(
    emu: EmulatorHandle, http: requests.Session, kind: str, region: str
) -> None:
    response = http.get(url(emu, kind, region=region))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == DEFAULT
    assert emu.stored(APP, ENTRY, region, kind=kind) is None, "a GET must not create a setting"


# ---------------------------------------------------------------------------------------------- standard

STANDARD_VALID: Dict[str, Dict[str, Any]] = {
    "minimal": {"enabled": True},
    "disabled": {"enabled": False},
    "interval-min": {"enabled": True, "snapshotInterval": 5},
    "interval-max": {"enabled": True, "snapshotInterval": 300},
    "all-three": {"enabled": True, "snapshotInterval": 60, "enableModeration": True},
}


@pytest.mark.parametrize("case", sorted(STANDARD_VALID))
def test_standard_accepts_its_three_fields(emu: EmulatorHandle, http: requests.Session, case: str) -> None:
    body = STANDARD_VALID[case]
    response = http.patch(url(emu, "standard"), json=body)
    assert response.status_code == 200, response.text
    assert response.content == b""
    got = http.get(url(emu, "standard")).json()
    assert got == {**DEFAULT, **body}
    assert "storageConfig" not in got
    assert emu.stored(APP, ENTRY, "cn", kind="standard") == got


@pytest.mark.parametrize(
    "storage_config",
    [storage(), storage(vendor=5, region=...), storage(vendor=6, region=...), None, {}, "s3"],
    ids=["s3", "azure", "google", "null", "empty", "string"],
)
def test_standard_refuses_any_storage_config_naming_the_field(
    emu: EmulatorHandle, http: requests.Session, storage_config: Any
) -> None:
    assert http.patch(url(emu, "standard"), json={"enabled": True, "snapshotInterval": 77}).status_code == 200
    before = emu.stored(APP, ENTRY, "cn", kind="standard")
    response = http.patch(url(emu, "standard"), json={"enabled": True, "storageConfig": storage_config})
    body = assert_error(response, 400)
    assert "'storageConfig'" in body["message"] and NO_STORAGE in body["message"]
    assert emu.stored(APP, ENTRY, "cn", kind="standard") == before


def _has_storage_config(body: Body) -> bool:
    if isinstance(body, bytes):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            return False
    return isinstance(body, dict) and "storageConfig" in body


@pytest.mark.parametrize("case", sorted(INVALID_BODIES))
def test_standard_refuses_every_invalid_body_of_the_seed_suite(
    emu: EmulatorHandle, http: requests.Session, case: str
) -> None:
    """Every body the legacy path refuses, standard refuses too: for the same reason, or, when it carries a
    ``storageConfig``, because standard takes none."""
    assert http.patch(url(emu, "standard"), json={"enabled": True, "snapshotInterval": 77}).status_code == 200
    before = emu.stored(APP, ENTRY, "cn", kind="standard")
    body = INVALID_BODIES[case]
    message = assert_error(send(http, url(emu, "standard"), body), 400)["message"]
    assert (NO_STORAGE if _has_storage_config(body) else reason(case)) in message
    assert emu.stored(APP, ENTRY, "cn", kind="standard") == before


# ------------------------------------------------------------------------------------------------ custom

CUSTOM_VALID: Dict[str, Dict[str, Any]] = {
    "minimal": {"enabled": True},
    "doc-example": DOC_EXAMPLE,
    "google-without-region": with_storage(vendor=6, region=...),
    "google-region-ignored-but-kept": with_storage(vendor=6, region=99),
    "azure-without-region": with_storage(vendor=5, region=...),
    "huawei-0": with_storage(vendor=7, region=0),
    "huawei-15": with_storage(vendor=7, region=15),
    "baidu-0": with_storage(vendor=8, region=0),
    "baidu-7": with_storage(vendor=8, region=7),
    "s3-18-af-south-1": with_storage(region=18),
    "s3-19-ap-east-1": with_storage(region=19),
    "s3-24-ap-southeast-3": with_storage(region=24),
    "s3-25-eu-south-1": with_storage(region=25),
    "aliyun-22-chengdu": with_storage(vendor=2, region=22),
}


@pytest.mark.parametrize("case", sorted(CUSTOM_VALID))
def test_custom_accepts_the_current_tables(emu: EmulatorHandle, http: requests.Session, case: str) -> None:
    body = CUSTOM_VALID[case]
    response = http.patch(url(emu, "custom"), json=body)
    assert response.status_code == 200, response.text
    assert response.content == b""
    got = http.get(url(emu, "custom")).json()
    for key, value in body.items():
        assert got[key] == value
    assert emu.stored(APP, ENTRY, "cn", kind="custom") == got


def test_custom_get_returns_the_keys_in_doc_shape(emu: EmulatorHandle, http: requests.Session) -> None:
    """As the reference's custom GET example does, the stored accessKey and secretKey come back."""
    assert http.patch(url(emu, "custom"), json=DOC_EXAMPLE).status_code == 200
    body = http.get(url(emu, "custom")).json()
    assert body == DOC_EXAMPLE
    assert list(body) == ["enabled", "enableModeration", "snapshotInterval", "storageConfig"]
    assert list(body["storageConfig"]) == ["accessKey", "bucket", "region", "secretKey", "vendor"]
    assert body["storageConfig"]["secretKey"] == "test secret key"


@pytest.mark.parametrize("region", [17, 23, 26])
def test_custom_refuses_s3_codes_the_current_table_drops(
    emu: EmulatorHandle, http: requests.Session, region: int
) -> None:
    body = assert_error(http.patch(url(emu, "custom"), json=with_storage(region=region)), 400)
    assert f"'storageConfig.region' {region}" in body["message"]
    assert CURRENT_TABLE in body["message"]
    assert "25 (EU_SOUTH_1)" in body["message"], "the message lists the current table"
    assert emu.stored(APP, ENTRY, "cn", kind="custom") is None


@pytest.mark.parametrize("vendor", [-1, 9, 26])
def test_custom_refuses_vendors_outside_0_to_8(
    emu: EmulatorHandle, http: requests.Session, vendor: int
) -> None:
    body = assert_error(http.patch(url(emu, "custom"), json=with_storage(vendor=vendor)), 400)
    assert "'storageConfig.vendor' must be one of 0-8" in body["message"]
    assert CURRENT_TABLE in body["message"]


def test_custom_region_must_be_in_the_current_vendor_table(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    """Every code of every current table is accepted and every other code near it refused; Azure and Google
    Cloud accept any integer; a vendor that takes a region needs one."""
    for vendor, table in CURRENT_STORAGE_REGIONS.items():
        regionless = vendor in (CurrentVendor.AZURE, CurrentVendor.GOOGLE_CLOUD)
        for code in range(-1, 28):
            response = http.patch(url(emu, "custom"), json=with_storage(vendor=int(vendor), region=code))
            expected = 200 if (regionless or code in table) else 400
            assert response.status_code == expected, (vendor, code, response.text)
        response = http.patch(url(emu, "custom"), json=with_storage(vendor=int(vendor), region=...))
        assert response.status_code == (200 if regionless else 400), (vendor, response.text)


CATALOG_DEPENDENT = {"vendor-6", "region-s3-18-gap", "region-s3-19-gap", "region-s3-24"}
"""Cases of the seed suite that the current table accepts (Google Cloud, S3 18/19/24)."""


@pytest.mark.parametrize("case", sorted(set(INVALID_BODIES) - CATALOG_DEPENDENT))
def test_custom_refuses_every_other_invalid_body_of_the_seed_suite(
    emu: EmulatorHandle, http: requests.Session, case: str
) -> None:
    assert http.patch(url(emu, "custom"), json={"enabled": True, "snapshotInterval": 77}).status_code == 200
    before = emu.stored(APP, ENTRY, "cn", kind="custom")
    message = assert_error(send(http, url(emu, "custom"), INVALID_BODIES[case]), 400)["message"]
    assert reason(case) in message
    assert emu.stored(APP, ENTRY, "cn", kind="custom") == before


def test_custom_replaces_storage_config_as_a_whole_and_merges_the_rest(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    assert http.patch(url(emu, "custom"), json=DOC_EXAMPLE).status_code == 200
    assert http.patch(url(emu, "custom"), json={"enabled": False}).status_code == 200
    assert http.get(url(emu, "custom")).json() == {**DOC_EXAMPLE, "enabled": False}
    google = {"vendor": 6, "bucket": "gcs-bucket", "accessKey": "hmac-id", "secretKey": "hmac-secret"}
    assert http.patch(url(emu, "custom"), json={"enabled": True, "storageConfig": google}).status_code == 200
    got = http.get(url(emu, "custom")).json()
    assert got["storageConfig"] == google, "no key of the old storageConfig (region) may survive"
    assert got["snapshotInterval"] == 30 and got["enableModeration"] is True


# ------------------------------------------------------------------------------------------------ legacy


@pytest.mark.parametrize("vendor", [6, 7, 8])
def test_legacy_keeps_the_seed_vendors(emu: EmulatorHandle, http: requests.Session, vendor: int) -> None:
    body = assert_error(http.patch(url(emu, "legacy"), json=with_storage(vendor=vendor, region=0)), 400)
    assert body["message"] == f"'storageConfig.vendor' must be one of 0-5, got {vendor}"
    assert emu.stored(APP, ENTRY, "cn") is None


@pytest.mark.parametrize("region", [17, 23])
def test_legacy_keeps_the_seed_s3_table(emu: EmulatorHandle, http: requests.Session, region: int) -> None:
    """S3 17/23 are in the seed's table (the current one dropped them), and 24/25 are not."""
    assert http.patch(url(emu, "legacy"), json=with_storage(region=region)).status_code == 200
    for code in (24, 25):
        body = assert_error(http.patch(url(emu, "legacy"), json=with_storage(region=code)), 400)
        assert CURRENT_TABLE not in body["message"]


# ---------------------------------------------------------------------------------- paths and check order

NEW_KINDS = ("standard", "custom")


@pytest.mark.parametrize(
    "tail",
    [
        "snapshot/legacy/regions/cn",
        "snapshot/Standard/regions/cn",
        "snapshot/CUSTOM/regions/cn",
        "snapshot/premium/regions/cn",
        "snapshot/standard/regions",
        "snapshot/custom/regions/cn/",
        "snapshot/standard/custom/regions/cn",
        "snapshot/custom/regions/cn/extra",
        "snapshot//regions/cn",
    ],
)
def test_other_kind_words_are_unknown_paths(emu: EmulatorHandle, http: requests.Session, tail: str) -> None:
    path = f"/v1/projects/{APP}/fls/entry_points/{ENTRY}/settings/{tail}"
    assert_error(http.patch(emu.url + path, json={"enabled": True}), 404)
    assert_error(new_session(auth=None).get(emu.url + path), 401)


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_the_order_of_checks_holds_on_the_new_paths(
    emu: EmulatorHandle, http: requests.Session, kind: str
) -> None:
    bad = {"enabled": "yes", "storageConfig": 1}
    assert_error(new_session(auth=None).patch(url(emu, kind), json=bad), 401)
    response = http.request("PUT", url(emu, kind), json=bad)
    assert_error(response, 405)
    assert response.headers["Allow"] == "GET, PATCH"
    assert "region" in assert_error(http.patch(url(emu, kind, region="CN"), json=bad), 400)["message"]
    assert "appid" in assert_error(http.patch(url(emu, kind, appid="%20"), json=bad), 400)["message"]
    for method in ("GET", "PATCH"):
        body = assert_error(http.request(method, url(emu, kind, entry_point="nope"), json=bad), 404)
        assert "entry point" in body["message"]
    assert_error(http.patch(url(emu, kind), json=bad), 400)
    assert all(emu.stored(APP, ENTRY, "cn", kind=k) is None for k in KINDS)


# ------------------------------------------------------------------------------------------ independence


def _write_three(emu: EmulatorHandle, http: requests.Session, region: str = "cn") -> Dict[str, Any]:
    """A distinct setting on each path of one (appid, entry point, region); returns what each GET must give."""
    bodies: Dict[str, Dict[str, Any]] = {
        "legacy": {"enabled": True, "snapshotInterval": 11, "storageConfig": storage(region=17)},
        "standard": {"enabled": False, "snapshotInterval": 22, "enableModeration": True},
        "custom": {"enabled": True, "snapshotInterval": 33, "storageConfig": storage(vendor=7, region=12)},
    }
    for kind, body in bodies.items():
        assert http.patch(url(emu, kind, region=region), json=body).status_code == 200
    return {kind: {**DEFAULT, **body} for kind, body in bodies.items()}


def test_the_three_kinds_are_independent_settings(emu: EmulatorHandle, http: requests.Session) -> None:
    expected = _write_three(emu, http)
    for kind in KINDS:
        assert http.get(url(emu, kind)).json() == expected[kind]
        assert emu.stored(APP, ENTRY, "cn", kind=kind) == expected[kind]
    # A PATCH on one path changes that path only.
    for kind in KINDS:
        assert http.patch(url(emu, kind), json={"enabled": True, "snapshotInterval": 299}).status_code == 200
        expected[kind] = {**expected[kind], "enabled": True, "snapshotInterval": 299}
        for other in KINDS:
            assert http.get(url(emu, other)).json() == expected[other], (kind, other)
    # Other entry points and regions are untouched on every path.
    for kind in KINDS:
        assert http.get(url(emu, kind, entry_point=OTHER_ENTRY)).json() == DEFAULT
        assert http.get(url(emu, kind, region="eu")).json() == DEFAULT


@pytest.mark.parametrize("kind", KINDS)
def test_writing_one_kind_leaves_the_others_unconfigured(
    emu: EmulatorHandle, http: requests.Session, kind: str
) -> None:
    assert http.patch(url(emu, kind), json={"enabled": True, "snapshotInterval": 99}).status_code == 200
    for other in KINDS:
        if other != kind:
            assert emu.stored(APP, ENTRY, "cn", kind=other) is None
            assert http.get(url(emu, other)).json() == DEFAULT


def test_reset_forgets_every_kind(emu: EmulatorHandle, http: requests.Session) -> None:
    _write_three(emu, http)
    emu.reset()
    for kind in KINDS:
        assert emu.stored(APP, ENTRY, "cn", kind=kind) is None
        assert http.get(url(emu, kind)).json() == DEFAULT


def test_request_log_shows_each_path_with_secrets_redacted(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    _write_three(emu, http)
    for kind in KINDS:
        http.get(url(emu, kind))
    patches, gets = emu.api_requests("PATCH"), emu.api_requests("GET")
    assert [e["path"] for e in patches] == [settings_path(kind=k) for k in KINDS]
    assert [e["path"] for e in gets] == [settings_path(kind=k) for k in KINDS]
    assert [e["status"] for e in patches + gets] == [200] * 6
    custom = patches[2]["body"]["storageConfig"]
    assert custom["accessKey"] == "***" and custom["secretKey"] == "***" and custom["vendor"] == 7


# ----------------------------------------------------------------------------------------------- admin


def test_admin_reads_each_kind_and_the_three_segment_route_stays_legacy(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    expected = _write_three(emu, http)
    for kind in KINDS:
        assert emu.admin("GET", f"/settings/{kind}/{APP}/{ENTRY}/cn") == (200, expected[kind])
    assert emu.admin("GET", f"/settings/{APP}/{ENTRY}/cn") == (200, expected["legacy"])
    assert emu.admin("GET", f"/settings/custom/{APP}/{ENTRY}/eu")[0] == 404
    status, body = emu.admin("GET", f"/settings/premium/{APP}/{ENTRY}/cn")
    assert status == 404 and "legacy, standard, custom" in body["message"]
    assert emu.admin("POST", f"/settings/custom/{APP}/{ENTRY}/cn")[0] == 405
    assert emu.admin("GET", f"/settings/custom/{APP}/%ff/cn")[0] == 400


# --------------------------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("in_process", [False, True], ids=["subprocess", "in_process"])
def test_every_kind_persists_across_restart_with_db(tmp_path: Path, in_process: bool) -> None:
    db = str(tmp_path / "kinds.sqlite")
    http = new_session()
    with running_emulator(db=db, in_process=in_process) as emu:
        expected = _write_three(emu, http, region="ap")
        emu.restart()
        for kind in KINDS:
            assert http.get(url(emu, kind, region="ap")).json() == expected[kind]
            assert emu.stored(APP, ENTRY, "ap", kind=kind) == expected[kind]
        if not in_process:
            assert emu.process is not None
            assert http.patch(url(emu, "standard", region="ap"), json={"enabled": True}).status_code == 200
            emu.process.kill()  # SIGKILL right after the acknowledged write: nothing may be lost
            emu.process.wait()
            emu.restart()
            assert http.get(url(emu, "standard", region="ap")).json()["enabled"] is True
            assert http.get(url(emu, "custom", region="ap")).json() == expected["custom"]


OLD_SCHEMA = (
    "CREATE TABLE snapshot_settings ("
    " appid TEXT NOT NULL, entry_point TEXT NOT NULL, region TEXT NOT NULL,"
    " setting TEXT NOT NULL, PRIMARY KEY (appid, entry_point, region))"
)
"""The schema ``--db`` files had before the kinds existed (verbatim from that version of models.py)."""


def _old_format_db(path: Path, setting: Dict[str, Any]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(OLD_SCHEMA)
        conn.execute(
            "INSERT INTO snapshot_settings VALUES (?, ?, ?, ?)", (APP, ENTRY, "na", json.dumps(setting))
        )
    conn.close()


@pytest.mark.parametrize("in_process", [False, True], ids=["subprocess", "in_process"])
def test_an_old_format_db_opens_and_reads_back_on_the_legacy_path(tmp_path: Path, in_process: bool) -> None:
    db = tmp_path / "old.sqlite"
    _old_format_db(db, DOC_EXAMPLE)
    http = new_session()
    with running_emulator(db=str(db), in_process=in_process) as emu:
        assert http.get(url(emu, "legacy", region="na")).json() == DOC_EXAMPLE
        assert emu.stored(APP, ENTRY, "na") == DOC_EXAMPLE
        for kind in NEW_KINDS:
            assert http.get(url(emu, kind, region="na")).json() == DEFAULT
            assert emu.stored(APP, ENTRY, "na", kind=kind) is None
        # The old file takes new writes of every kind, and keeps them across a restart.
        assert http.patch(url(emu, "legacy", region="na"), json={"enabled": False}).status_code == 200
        assert http.patch(url(emu, "custom", region="na"), json={"enabled": True}).status_code == 200
        emu.restart()
        assert http.get(url(emu, "legacy", region="na")).json() == {**DOC_EXAMPLE, "enabled": False}
        assert http.get(url(emu, "custom", region="na")).json() == {**DEFAULT, "enabled": True}
    # The legacy table keeps its old name and schema, so an emulator from before the kinds can still open it.
    conn = sqlite3.connect(db)
    try:
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name='snapshot_settings'").fetchone()
        rows = conn.execute("SELECT appid, entry_point, region FROM snapshot_settings").fetchall()
    finally:
        conn.close()
    assert sql == OLD_SCHEMA
    assert rows == [(APP, ENTRY, "na")]


def test_store_keys_carry_the_kind_and_a_three_part_key_is_legacy() -> None:
    """Without sockets: the store's own view of the kinds (the three-part key of the seed means legacy)."""
    store = SettingsStore()
    try:
        assert SettingKey(APP, ENTRY, "cn") == SettingKey(APP, ENTRY, "cn", "legacy")
        for kind in reversed(STORE_KINDS):
            store.merge(
                SettingKey(APP, ENTRY, "cn", kind), {"enabled": True, "snapshotInterval": 5 + len(kind)}
            )
        assert store.keys() == sorted(SettingKey(APP, ENTRY, "cn", kind) for kind in STORE_KINDS)
        assert store.get(SettingKey(APP, ENTRY, "cn"))["snapshotInterval"] == 11  # type: ignore[index]
        store.reset()
        assert store.keys() == []
    finally:
        store.close()
