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


@pytest.mark.parametrize(
    ("overrides", "prop", "words"),
    [
        ({"appId": ""}, "appId", "non-empty"),
        ({"appId": None}, "appId", "app_id"),
        ({"entryPoint": "a/b"}, "entryPoint", "URL path"),
        ({"entryPoint": ".."}, "entryPoint", "URL path"),
        ({"region": "us"}, "region", "cn, ap, na, eu"),
        ({"region": 1}, "region", "cn, ap, na, eu"),
        ({"enabled": "true"}, "enabled", "true or false"),
        ({"enabled": None}, "enabled", "required"),
        ({"snapshotInterval": 4}, "snapshotInterval", "[5, 300]"),
        ({"snapshotInterval": 301.0}, "snapshotInterval", "[5, 300]"),
        ({"snapshotInterval": 30.5}, "snapshotInterval", "whole number"),
        ({"snapshotInterval": True}, "snapshotInterval", "whole number"),
        ({"enableModeration": 1}, "enableModeration", "true or false"),
        ({"storageConfig": "oss"}, "storageConfig", "object"),
        ({"colour": "red"}, "colour", "allowed"),
    ],
)
def test_each_bad_top_level_value_names_its_property(overrides: dict[str, Any], prop: str, words: str) -> None:
    found = failures(valid(**overrides))
    assert prop in found, found
    assert words in found[prop]


def storage(**overrides: Any) -> dict[str, Any]:
    return valid(storageConfig={**valid()["storageConfig"], **overrides})


@pytest.mark.parametrize(
    ("overrides", "prop", "words"),
    [
        ({"vendor": 6}, "storageConfig.vendor", "5 (Microsoft Azure)"),
        ({"vendor": -1}, "storageConfig.vendor", "0 (Qiniu Cloud)"),
        ({"vendor": "2"}, "storageConfig.vendor", "one of"),
        ({"region": 19}, "storageConfig.region", "18 (EU_East_1)"),
        ({"vendor": 1, "region": 18, "bucket": "snaps"}, "storageConfig.region", "Amazon S3"),
        ({"vendor": 0, "region": 5}, "storageConfig.region", "4 (Southeast Asia)"),
        ({"region": None}, "storageConfig.region", "got nothing"),
        ({"bucket": ""}, "storageConfig.bucket", "non-empty"),
        ({"bucket": "Snapshots"}, "storageConfig.bucket", "lowercase"),
        ({"vendor": 1, "region": 0, "bucket": "192.168.1.1"}, "storageConfig.bucket", "IP"),
        ({"vendor": 3, "region": 2, "bucket": "snapshots"}, "storageConfig.bucket", "<APPID>"),
        ({"vendor": 5, "bucket": "a--b"}, "storageConfig.bucket", "consecutive"),
        ({"accessKey": ""}, "storageConfig.accessKey", "non-empty"),
        ({"secretKey": None}, "storageConfig.secretKey", "secret_key"),
        ({"secretKey": " padded "}, "storageConfig.secretKey", "whitespace"),
        ({"extra": 1}, "storageConfig.extra", "allowed"),
    ],
)
def test_each_bad_storage_value_names_its_property(overrides: dict[str, Any], prop: str, words: str) -> None:
    found = failures(storage(**overrides))
    assert prop in found, found
    assert words in found[prop]


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
    assert "enabled=False" in found["storageConfig"]
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
