"""Validation tables and diff logic of the wire model, as the provider's check/diff apply them."""

from __future__ import annotations

from typing import Any

import pytest

from agora_pulumi import model
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.regions import STORAGE_REGIONS, Vendor, geography, region_codes
from tests.support import setting_inputs

UNKNOWN = object()
IDENT = SettingIdentity("0123456789abcdef", "live", "cn")


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def valid(**overrides: Any) -> dict[str, Any]:
    """The issue's example as the engine sends it (numbers as floats)."""
    return setting_inputs(**overrides)


def failures(props: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, str]:
    _, found = model.check_props(props, olds, is_unknown)
    return {f.property: f.reason for f in found}


def test_valid_input_is_normalised_floats_to_ints_and_defaults_filled() -> None:
    inputs, found = model.check_props(valid(region="CN", snapshotInterval=None, enableModeration=None))
    assert found == []
    assert inputs["region"] == "cn"
    assert inputs["snapshotInterval"] == 10 and type(inputs["snapshotInterval"]) is int
    assert inputs["enableModeration"] is False
    assert inputs["storageConfig"]["vendor"] == 2 and type(inputs["storageConfig"]["vendor"]) is int
    assert type(inputs["storageConfig"]["region"]) is int


URL_CHARS = "remove whitespace, control characters, invisible characters (zero-width, bidi marks, BOM) and / \\ ? # %"
PUSH = "must be a push region, one of cn, ap, na, eu (mainland China, Asia Pacific, North America, Europe); "
INTERVAL = "must be a whole number of seconds in [5, 300] (default 10), "


@pytest.mark.parametrize(
    ("overrides", "prop", "reason"),
    [
        ({"appId": ""}, "appId", 'must be a non-empty string (the Agora App ID), got ""'),
        ({"appId": None}, "appId", "is required: set it (app_id in Python) to the Agora App ID"),
        ({"entryPoint": "a/b"}, "entryPoint", f'"a/b" cannot be part of Agora\'s URL path: {URL_CHARS}'),
        ({"entryPoint": ".."}, "entryPoint", "\"..\" cannot be part of Agora's URL path: '.' and '..' are removed "
         "from a URL by HTTP clients, so the request would reach another path; choose another entry point name"),
        ({"region": "us"}, "region", PUSH + 'got "us"'),
        ({"region": 1}, "region", PUSH + "got 1"),
        ({"enabled": "true"}, "enabled",
         'must be true or false, got "true" (a quoted string: write it unquoted in the YAML)'),
        ({"enabled": None}, "enabled", "is required: true or false"),
        ({"snapshotInterval": 4}, "snapshotInterval", INTERVAL + "got 4"),
        ({"snapshotInterval": 301.0}, "snapshotInterval", INTERVAL + "got 301"),
        ({"snapshotInterval": 30.5}, "snapshotInterval", INTERVAL + "got 30.5"),
        ({"snapshotInterval": True}, "snapshotInterval", INTERVAL + "got true"),
        ({"enableModeration": 1}, "enableModeration", "must be true or false, got 1"),
        ({"storageConfig": "oss"}, "storageConfig",
         "must be an object with vendor, region, bucket, accessKey, secretKey, got a string of 3 characters"),
        ({"colour": "red"}, "colour", "is an unknown key (allowed: appId, entryPoint, region, enabled, snapshotInterval, "
         "enableModeration, storageConfig)"),
    ],
)
def test_each_bad_top_level_value_names_its_property(overrides: dict[str, Any], prop: str, reason: str) -> None:
    assert failures(valid(**overrides)) == {prop: reason}


def storage(**overrides: Any) -> dict[str, Any]:
    return valid(storageConfig={**valid()["storageConfig"], **overrides})


VENDORS = ("must be one of 0 (Qiniu Cloud), 1 (Amazon S3), 2 (Aliyun OSS), 3 (Tencent Cloud COS), "
           "4 (Kingsoft Cloud KS3), 5 (Microsoft Azure); ")
ALIYUN = ("must be a region code of Aliyun OSS: 0 (CN_Hangzhou), 1 (CN_Shanghai), 2 (CN_Qingdao), 3 (CN_Beijing), "
          "4 (CN_Zhangjiakou), 5 (CN_Huhehaote), 6 (CN_Shenzhen), 7 (CN_Hongkong), 8 (US_West_1), 9 (US_East_1), "
          "10 (AP_Southeast_1), 11 (AP_Southeast_2), 12 (AP_Southeast_3), 13 (AP_Southeast_5), 14 (AP_Northeast_1), "
          "15 (AP_South_1), 16 (EU_Central_1), 17 (EU_West_1), 18 (EU_East_1); ")
S3_REGIONS = ("must be a region code of Amazon S3: 0 (US_EAST_1), 1 (US_EAST_2), 2 (US_WEST_1), 3 (US_WEST_2), "
              "4 (EU_WEST_1), 5 (EU_WEST_2), 6 (EU_WEST_3), 7 (EU_CENTRAL_1), 8 (AP_SOUTHEAST_1), 9 (AP_SOUTHEAST_2), "
              "10 (AP_NORTHEAST_1), 11 (AP_NORTHEAST_2), 12 (SA_EAST_1), 13 (CA_CENTRAL_1), 14 (AP_SOUTH_1), "
              "15 (CN_NORTH_1), 16 (CN_NORTHWEST_1), 17 (US_GOV_WEST_1), 20 (AP_NORTHEAST_3), 21 (EU_NORTH_1), "
              "22 (ME_SOUTH_1), 23 (US_GOV_EAST_1); ")


@pytest.mark.parametrize(
    ("overrides", "prop", "reason"),
    [
        ({"vendor": 6}, "storageConfig.vendor", "is 6 (Google Cloud Storage), a vendor only the current Media "
         "Broadcast API takes: use CustomSnapshotSetting (api: custom in the fleet config or a set member); SnapshotSetting "
         "(api: legacy) takes 0 (Qiniu Cloud), 1 (Amazon S3), 2 (Aliyun OSS), 3 (Tencent Cloud COS), "
         "4 (Kingsoft Cloud KS3), 5 (Microsoft Azure)"),
        ({"vendor": -1}, "storageConfig.vendor", VENDORS + "got -1"),
        ({"vendor": "2"}, "storageConfig.vendor", VENDORS + "got a string of 1 character"),
        ({"region": 19}, "storageConfig.region", ALIYUN + "got 19"),
        ({"vendor": 1, "region": 18, "bucket": "snaps"}, "storageConfig.region", S3_REGIONS + "got 18"),
        ({"vendor": 0, "region": 5}, "storageConfig.region", "must be a region code of Qiniu Cloud: 0 (East China), "
         "1 (North China), 2 (South China), 3 (North America), 4 (Southeast Asia); got 5"),
        ({"region": None}, "storageConfig.region", ALIYUN + "got nothing"),
        ({"bucket": ""}, "storageConfig.bucket", "must be a non-empty bucket name, got a string of 0 characters"),
        ({"bucket": "Snapshots"}, "storageConfig.bucket", "is not a valid Aliyun OSS bucket name: 3-63 lowercase "
         "letters, digits and hyphens, starting and ending with a letter or digit"),
        ({"vendor": 1, "region": 0, "bucket": "192.168.1.1"}, "storageConfig.bucket", "is not a valid Amazon S3 "
         "bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, "
         "not an IP address, no '..', not starting with 'xn--' or 'sthree-', not ending with '-s3alias', '--ol-s3' "
         "or '--x-s3'"),
        ({"vendor": 3, "region": 2, "bucket": "snapshots"}, "storageConfig.bucket", "is not a valid Tencent Cloud COS "
         "bucket name: use the full name '<name>-<APPID>' (lowercase letters, digits and hyphens, e.g. "
         "'snapshots-1250000000'), at most 60 characters"),
        ({"vendor": 5, "bucket": "a--b"}, "storageConfig.bucket", "is not a valid Microsoft Azure bucket name: 3-63 "
         "lowercase letters, digits and hyphens, starting and ending with a letter or digit, no consecutive hyphens"),
        ({"accessKey": ""}, "storageConfig.accessKey",
         "must be a non-empty string: set it (access_key in Python) from a secret config value"),
        ({"secretKey": None}, "storageConfig.secretKey", "is required: set it (secret_key in Python) from a secret config value"),
        ({"secretKey": " padded "}, "storageConfig.secretKey",
         "has leading or trailing whitespace (a copy/paste slip?): trim it: set it (secret_key in Python) from a secret config value"),
        ({"extra": 1}, "storageConfig.extra", "is an unknown key (allowed: vendor, region, bucket, accessKey, secretKey)"),
    ],
)
def test_each_bad_storage_value_names_its_property(overrides: dict[str, Any], prop: str, reason: str) -> None:
    assert failures(storage(**overrides)) == {prop: reason}


def test_failure_reasons_never_echo_a_key() -> None:
    found = failures(storage(accessKey=" AK-very-secret ", secretKey=12345))
    assert "AK-very-secret" not in " ".join(found.values())
    assert "12345" not in " ".join(found.values())


def test_every_failure_is_reported_not_just_the_first() -> None:
    found = failures(valid(appId="", region="xx", snapshotInterval=1, storageConfig={"vendor": 9}))
    assert {"appId", "region", "snapshotInterval", "storageConfig.vendor", "storageConfig.bucket"} <= set(found)


def test_azure_ignores_region_and_does_not_send_it() -> None:
    inputs, found = model.check_props(storage(vendor=5, region=42, bucket="snapshot-container"))
    assert found == []
    assert inputs["storageConfig"]["region"] is None
    setting = model.setting_from_props(inputs)
    assert "region" not in setting.to_body()["storageConfig"]


def test_every_documented_region_is_accepted_and_the_gaps_are_not() -> None:
    for vendor, table in STORAGE_REGIONS.items():
        if vendor is Vendor.AZURE:
            continue
        for code in table:
            bucket = "snaps-1250000000" if vendor is Vendor.TENCENT else "snaps"
            assert failures(storage(vendor=int(vendor), region=code, bucket=bucket)) == {}
    assert 18 not in region_codes(Vendor.AMAZON_S3) and 19 not in region_codes(Vendor.AMAZON_S3)
    assert STORAGE_REGIONS[Vendor.ALIYUN][8].name == "US_West_1"
    assert geography(Vendor.TENCENT, 1) == "cn" and geography(Vendor.AMAZON_S3, 12) is None


def test_unknowns_are_kept_and_not_judged() -> None:
    props = valid(snapshotInterval=UNKNOWN, storageConfig={"vendor": 2, "region": UNKNOWN, "bucket": UNKNOWN,
                                                            "accessKey": UNKNOWN, "secretKey": UNKNOWN})
    inputs, found = model.check_props(props, None, is_unknown)
    assert found == []
    assert inputs["snapshotInterval"] is UNKNOWN
    _, found = model.check_props(valid(storageConfig=UNKNOWN, appId=UNKNOWN), None, is_unknown)
    assert found == []


def test_removing_storage_config_is_refused_with_the_way_out() -> None:
    found = failures(valid(storageConfig=None), olds=valid())
    assert "PATCH cannot clear" in found["storageConfig"]
    assert "set enabled to false to stop capturing" in found["storageConfig"]
    assert "Keep storageConfig (storage_config in Python;" in found["storageConfig"]
    assert failures(valid(storageConfig=None), olds=valid(storageConfig=None)) == {}


def checked(**overrides: Any) -> dict[str, Any]:
    inputs, found = model.check_props(valid(**overrides))
    assert found == []
    return inputs


def test_diff_no_change_when_only_defaults_omitted_or_floats_or_case_differ() -> None:
    olds = model.setting_from_props(checked()).to_state()
    news = valid(region="CN")
    assert model.diff_props(olds, news) == ([], [])
    defaults_state = model.setting_from_props(checked(snapshotInterval=None, enableModeration=None)).to_state()
    assert model.diff_props(defaults_state, valid(snapshotInterval=10.0, enableModeration=False)) == ([], [])
    # state written by an older version without the defaults
    old_state = {k: v for k, v in olds.items() if k != "snapshotInterval"}
    assert model.diff_props(old_state, valid(snapshotInterval=10)) == ([], [])


@pytest.mark.parametrize("prop", ["appId", "entryPoint", "region"])
def test_diff_identity_change_replaces(prop: str) -> None:
    olds = model.setting_from_props(checked()).to_state()
    news = valid(**{prop: {"appId": "fedcba9876543210", "entryPoint": "other", "region": "eu"}[prop]})
    assert model.diff_props(olds, news) == ([prop], [prop])


@pytest.mark.parametrize(
    ("overrides", "prop"),
    [
        ({"enabled": False}, "enabled"),
        ({"snapshotInterval": 60}, "snapshotInterval"),
        ({"enableModeration": False}, "enableModeration"),
        ({"storageConfig": {**valid()["storageConfig"], "secretKey": "rotated"}}, "storageConfig"),
    ],
)
def test_diff_other_changes_update_in_place(overrides: dict[str, Any], prop: str) -> None:
    olds = model.setting_from_props(checked()).to_state()
    assert model.diff_props(olds, valid(**overrides)) == ([prop], [])


def test_diff_unknown_counts_as_change_and_unknown_identity_as_replace() -> None:
    olds = model.setting_from_props(checked()).to_state()
    assert model.diff_props(olds, valid(snapshotInterval=UNKNOWN), is_unknown) == (["snapshotInterval"], [])
    assert model.diff_props(olds, valid(appId=UNKNOWN), is_unknown) == (["appId"], ["appId"])


def test_read_tolerates_missing_fields_and_keeps_known_keys() -> None:
    previous = model.setting_from_props(checked()).to_state()
    doc_example = {
        "enabled": True,
        "enableModeration": True,
        "snapshotInterval": 30,
        "storageConfig": {"accessKey": "ab***yz", "region": 3, "secretKey": "", "vendor": 2},
    }
    state = model.state_from_response(IDENT, doc_example, previous)
    assert state == previous
    rotated = {**doc_example, "storageConfig": {**doc_example["storageConfig"], "secretKey": "rotated-elsewhere"}}
    state = model.state_from_response(IDENT, rotated, previous)
    assert state["storageConfig"]["secretKey"] == "rotated-elsewhere"
    assert state["storageConfig"]["accessKey"] == "AK-test-0001"
    bare = model.state_from_response(IDENT, {}, None)
    assert bare["enabled"] is False and bare["snapshotInterval"] == 10 and bare["storageConfig"] is None


def test_read_leaves_storage_the_resource_does_not_manage_out_of_state() -> None:
    previous = model.setting_from_props(checked(storageConfig=None)).to_state()
    remote = {"enabled": True, "storageConfig": {"vendor": 2, "region": 3, "bucket": "b", "accessKey": "AK", "secretKey": "SK"}}
    state = model.state_from_response(IDENT, remote, previous)
    assert state["storageConfig"] is None
    assert model.has_unmanaged_storage(remote, previous)
    # ... so the unchanged program neither shows a diff nor trips the "cannot be removed" rule.
    assert model.diff_props(state, valid(storageConfig=None)) == ([], [])
    assert failures(valid(storageConfig=None), olds=state) == {}
    assert not model.has_unmanaged_storage(remote, model.setting_from_props(checked()).to_state())


def test_dropping_storage_while_moving_to_another_setting_is_allowed() -> None:
    found = failures(valid(storageConfig=None, entryPoint="other"), olds=checked())
    assert found == {}


def test_setting_id_round_trip() -> None:
    assert SettingIdentity.parse(SettingIdentity("a", "b", "cn").id) == ("a", "b", "cn")
    assert SettingIdentity.parse("a/b") is None and SettingIdentity.parse("a//cn") is None
