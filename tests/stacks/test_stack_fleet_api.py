"""The fleet's ``api`` field: legacy (the seed's path, default), standard and custom, at every layer."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agora_pulumi.fleet import FleetConfigError, SettingSpec, parse_fleet
from agora_pulumi.kinds import CUSTOM, LEGACY, STANDARD

AK, SK = "AKIA-TEST-ACCESS", "TEST-SECRET-KEY-VALUE"


def profile(vendor: int, region: int | None = None, bucket: str = "snapshots-bucket", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"vendor": vendor, "bucket": bucket, "accessKey": AK, "secretKey": SK, **extra}
    if region is not None:
        out["region"] = region
    return out


PROFILES: dict[str, Any] = {
    "s3-eu": profile(1, 7),
    "huawei-cn": profile(7, 1),  # Huawei Cloud CN_North_4: only the current API has it
    "s3-hk": profile(1, 19, api="custom"),  # AP_EAST_1: not in the seed's S3 table
    "s3-gov": profile(1, 17),  # US_GOV_WEST_1: the seed's table only
    "gcs": profile(6, bucket="snap_shots"),
}


def specs(entry_points: Any, defaults: Any = None, profiles: Any = None) -> list[SettingSpec]:
    return list(
        parse_fleet(
            copy.deepcopy(defaults or {"appId": "app", "regions": ["cn"]}),
            copy.deepcopy(PROFILES if profiles is None else profiles),
            entry_points,
        ).settings
    )


def errors(entry_points: Any, defaults: Any = None, profiles: Any = None) -> list[str]:
    with pytest.raises(FleetConfigError) as info:
        specs(entry_points, defaults, profiles)
    return info.value.errors


def test_api_defaults_to_legacy_and_layers_like_every_field() -> None:
    found = specs(
        ["a", {"name": "b", "api": "standard"}, {"name": "c", "api": "custom", "overrides": {"eu": {"api": "legacy"}},
                                                  "regions": ["cn", "eu"]}],
        defaults={"appId": "app", "regions": ["cn"], "overrides": {"cn": {"api": "legacy"}}},
    )
    kinds = {(s.entry_point, s.region): s.kind for s in found}
    assert kinds == {("a", "cn"): LEGACY, ("b", "cn"): STANDARD, ("c", "cn"): CUSTOM, ("c", "eu"): LEGACY}


def test_one_entry_point_may_have_one_setting_of_each_api() -> None:
    found = specs([{"name": "live"}, {"name": "live", "api": "standard"}, {"name": "live", "api": "custom"}])
    assert sorted(s.output_key for s in found) == ["app/live/cn", "custom:app/live/cn", "standard:app/live/cn"]
    assert len({(s.kind.type_token, s.resource_name) for s in found}) == 3  # unique URNs


def test_the_same_api_twice_is_still_a_duplicate() -> None:
    assert errors([{"name": "live", "api": "custom"}, {"name": "live", "api": "custom"}]) == [
        "entryPoints[1].name: duplicates entryPoints[0]: appId 'app', entry point 'live' is already listed there "
        "for region(s) cn (from defaults.regions); list each entry point once"
    ]


def test_standard_with_a_storage_profile_is_an_error_naming_the_path() -> None:
    assert errors([{"name": "live", "api": "standard", "storage": "s3-eu"}], defaults={
        "appId": "app", "regions": ["eu"]}) == [
        "entryPoints[0].storage: profile 's3-eu' cannot be used with api: standard (from entryPoints[0].api): "
        "standard snapshot settings take no storage; use api: custom, or storage: null (entryPoints[0] eu)"
    ]


def test_custom_accepts_the_new_vendors_and_legacy_does_not() -> None:
    found = specs([{"name": "live", "api": "custom", "storage": "huawei-cn"}])
    assert found[0].storage is not None and found[0].storage.vendor == 7
    assert errors([{"name": "live", "storage": "huawei-cn"}]) == [
        "entryPoints[0].storage: profile 'huawei-cn' uses vendor 7 (Huawei Cloud OBS), which the legacy API does "
        "not take (api from built-in default): use api: custom (entryPoints[0] cn)"
    ]


def test_a_profile_checked_against_the_current_tables_with_api_custom() -> None:
    found = specs([{"name": "live", "api": "custom", "storage": "s3-hk"}], defaults={"appId": "app", "regions": ["ap"]})
    assert found[0].storage is not None and found[0].storage.describe() == "Amazon S3 region 19 (AP_EAST_1, in Asia Pacific)"


def test_a_seed_only_region_cannot_serve_the_custom_api() -> None:
    [line] = errors([{"name": "live", "api": "custom", "storage": "s3-gov"}], defaults={"appId": "app", "regions": ["na"]})
    assert line.startswith("entryPoints[0].storage: profile 's3-gov' cannot be used with api: custom")
    assert "current Media Broadcast API's table" in line and "got 17" in line


def test_google_cloud_takes_no_region_and_any_push_region() -> None:
    found = specs([{"name": "live", "api": "custom", "storage": "gcs"}])
    assert found[0].storage is not None and found[0].storage.region is None


def test_bad_api_values_are_listed() -> None:
    assert errors([{"name": "live", "api": "v2"}]) == [
        'entryPoints[0].api: must be one of legacy, standard, custom (the snapshot API to manage), got "v2"'
    ]
    assert errors(["live"], profiles={"p": profile(1, 7, api="standard")}) == [
        'storageProfiles.p.api: must be legacy or custom (the APIs that take storage), got "standard"'
    ]
