"""The fleet config schema (``agora_pulumi.fleet``): layering, shorthand, and one error listing every path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agora_pulumi.fleet import (
    BUILTIN_DEFAULTS,
    FleetConfigError,
    SettingSpec,
    decode_config_value,
    key_path,
    parse_fleet,
)
from agora_pulumi.regions import Vendor

AK, SK = "AKIA-TEST-ACCESS", "TEST-SECRET-KEY-VALUE"


def profile(vendor: int, region: int | None = None, bucket: str = "snapshots-bucket") -> dict[str, Any]:
    out: dict[str, Any] = {"vendor": vendor, "bucket": bucket, "accessKey": AK, "secretKey": SK}
    if region is not None:
        out["region"] = region
    return out


PROFILES: dict[str, Any] = {
    "aliyun-cn": profile(2, 1),
    "tencent-ap": profile(3, 10, "snap-1250000000"),
    "s3-na": profile(1, 0),
    "s3-eu": profile(1, 7),
    "azure": profile(5),
}
DEFAULTS: dict[str, Any] = {
    "appId": "app",
    "regions": ["cn", "ap", "na", "eu"],
    "overrides": {
        r: {"storage": p}
        for r, p in zip(["cn", "ap", "na", "eu"], ["aliyun-cn", "tencent-ap", "s3-na", "s3-eu"])
    },
}


def fleet(entry_points: Any, defaults: Any = None, profiles: Any = None) -> dict[str, SettingSpec]:
    parsed = parse_fleet(
        copy.deepcopy(DEFAULTS if defaults is None else defaults),
        copy.deepcopy(PROFILES if profiles is None else profiles),
        entry_points,
    )
    return {s.setting_id: s for s in parsed.settings}


def errors(entry_points: Any, defaults: Any = None, profiles: Any = None) -> list[str]:
    with pytest.raises(FleetConfigError) as info:
        fleet(entry_points, defaults, profiles)
    return info.value.errors


def test_shorthand_entry_gets_every_default_and_builtin() -> None:
    specs = fleet(["live"])
    assert list(specs) == ["app/live/cn", "app/live/ap", "app/live/na", "app/live/eu"]
    cn = specs["app/live/cn"]
    assert (cn.enabled, cn.snapshot_interval, cn.enable_moderation) == (True, 10, False)
    assert BUILTIN_DEFAULTS == {
        "enabled": True,
        "snapshotInterval": 10,
        "enableModeration": False,
        "storage": None,
        "api": "legacy",
    }
    assert cn.storage is not None and cn.storage.name == "aliyun-cn"
    assert specs["app/live/eu"].storage is not None and specs["app/live/eu"].storage.name == "s3-eu"
    assert cn.resource_name == cn.setting_id == "app/live/cn"


def test_layers_apply_in_order_later_wins() -> None:
    defaults = copy.deepcopy(DEFAULTS)
    defaults.update(snapshotInterval=20, enableModeration=True)
    defaults["overrides"]["eu"].update(snapshotInterval=40, enabled=False)
    entry = {
        "name": "live",
        "snapshotInterval": 30,  # beats defaults and defaults.overrides.eu
        "storage": "azure",  # beats defaults.overrides.<region>.storage
        "overrides": {"na": {"snapshotInterval": 300, "storage": None}},
    }
    specs = fleet([entry], defaults)
    cn, na, eu = specs["app/live/cn"], specs["app/live/na"], specs["app/live/eu"]
    assert (cn.snapshot_interval, cn.enable_moderation, cn.enabled) == (30, True, True)
    assert cn.storage is not None and cn.storage.vendor is Vendor.AZURE and cn.storage.region is None
    assert (na.snapshot_interval, na.storage) == (300, None)  # storage: null = no storageConfig
    assert (eu.snapshot_interval, eu.enabled) == (30, False)  # enabled still comes from defaults.overrides.eu


def test_fifty_entry_points_by_four_regions_stay_short() -> None:
    specs = fleet([f"ep{i:02d}" for i in range(50)])
    assert len(specs) == 200 and len({s.resource_name for s in specs.values()}) == 200


def test_empty_list_is_an_empty_fleet() -> None:
    assert fleet([]) == {}


def test_issue_example_path_and_message() -> None:
    entries = ["a", "b", "c", {"name": "d", "overrides": {"eu": {"snapshotInterval": 301}}}]
    assert errors(entries) == [
        "entryPoints[3].overrides.eu.snapshotInterval: must be a whole number of seconds in [5, 300] (default 10), got 301"
    ]


def test_every_problem_is_listed_once_in_one_error() -> None:
    profiles = copy.deepcopy(PROFILES)
    profiles["s3-na"]["region"] = 19  # S3 skips 18 and 19
    profiles["azure"]["region"] = 3  # Azure takes no region
    profiles["bad"] = {"vendor": True, "bucket": " ", "accessKey": "", "secretKey": 42, "regoin": 1}
    defaults = copy.deepcopy(DEFAULTS)
    defaults["snapshotInterval"] = True
    defaults["overrides"]["xx"] = {}
    entries = [
        {"name": "ok"},
        {"name": "two words"},
        {"name": "e", "regions": ["eu", "eu", "moon"], "enabled": "true"},
        {"regions": []},
        {"name": "f", "regions": ["cn"], "overrides": {"ap": {}}, "snapshotIntervall": 5},
        7,
    ]
    found = errors(entries, defaults, profiles)
    assert found == [
        "storageProfiles.s3-na.region: must be a region code of Amazon S3: 0 (US_EAST_1), 1 (US_EAST_2), "
        "2 (US_WEST_1), 3 (US_WEST_2), 4 (EU_WEST_1), 5 (EU_WEST_2), 6 (EU_WEST_3), 7 (EU_CENTRAL_1), "
        "8 (AP_SOUTHEAST_1), 9 (AP_SOUTHEAST_2), 10 (AP_NORTHEAST_1), 11 (AP_NORTHEAST_2), 12 (SA_EAST_1), "
        "13 (CA_CENTRAL_1), 14 (AP_SOUTH_1), 15 (CN_NORTH_1), 16 (CN_NORTHWEST_1), 17 (US_GOV_WEST_1), "
        "20 (AP_NORTHEAST_3), 21 (EU_NORTH_1), 22 (ME_SOUTH_1), 23 (US_GOV_EAST_1); got 19",
        "storageProfiles.azure.region: must be left out: Microsoft Azure takes no region and ignores one",
        "storageProfiles.bad.regoin: unknown key; did you mean 'region'? "
        "(allowed: vendor, region, bucket, accessKey, secretKey, api)",
        "storageProfiles.bad.vendor: must be one of 0 (Qiniu Cloud), 1 (Amazon S3), 2 (Aliyun OSS), "
        "3 (Tencent Cloud COS), 4 (Kingsoft Cloud KS3), 5 (Microsoft Azure); got true",
        'storageProfiles.bad.bucket: must be a non-empty bucket name, got a string of 1 character',
        "storageProfiles.bad.accessKey: must be a non-empty string; "
        "set it with `pulumi config set --secret --path 'storageProfiles.bad.accessKey' <value>`",
        "storageProfiles.bad.secretKey: must be a non-empty string (an integer given); "
        "set it with `pulumi config set --secret --path 'storageProfiles.bad.secretKey' <value>`",
        "defaults.snapshotInterval: must be a whole number of seconds in [5, 300] (default 10), got true",
        "defaults.overrides.xx: must be a push region, one of cn, ap, na, eu (mainland China, Asia Pacific, "
        'North America, Europe); got "xx"',
        'entryPoints[1].name: "two words" cannot be part of Agora\'s URL path: remove whitespace, control characters, '
        "invisible characters (zero-width, bidi marks, BOM) and / \\ ? # %",
        "entryPoints[2].regions[1]: 'eu' is listed twice",
        "entryPoints[2].regions[2]: must be a push region, one of cn, ap, na, eu (mainland China, Asia Pacific, "
        'North America, Europe); got "moon"',
        'entryPoints[2].enabled: must be true or false, got "true" (a quoted string: write it unquoted in the YAML)',
        "entryPoints[3].name: is required (the entry point name)",
        "entryPoints[3].regions: must list at least one push region (cn, ap, na, eu)",
        "entryPoints[4].snapshotIntervall: unknown key; did you mean 'snapshotInterval'? (allowed: name, appId, "
        "regions, enabled, snapshotInterval, enableModeration, storage, api, overrides)",
        "entryPoints[4].overrides.ap: 'ap' is not one of this entry point's regions (cn)",
        "entryPoints[5]: must be an entry point name or an object with a name, got 7",
    ]


def test_error_message_is_one_block_and_never_shows_a_key() -> None:
    profiles = copy.deepcopy(PROFILES)
    profiles["s3-eu"]["accessKey"] = f" {AK}"
    profiles["s3-eu"]["region"] = 0  # US_EAST_1 serving eu
    with pytest.raises(FleetConfigError) as info:
        fleet(["live"], profiles=profiles)
    text = str(info.value)
    assert text.splitlines()[0].startswith("invalid snapshot fleet config (1 problem);")
    assert "storageProfiles.s3-eu.accessKey: has leading or trailing whitespace" in text
    assert AK not in text and SK not in text
    assert AK not in repr(parse_fleet(DEFAULTS, PROFILES, ["x"]))  # keys are repr=False


def test_storage_outside_the_push_region_is_reported_once_where_it_was_chosen() -> None:
    defaults = copy.deepcopy(DEFAULTS)
    del defaults["overrides"]
    defaults["storage"] = "s3-na"
    defaults["regions"] = ["na", "eu"]
    entries = [f"ep{i}" for i in range(8)] + [{"name": "z", "overrides": {"na": {"storage": "s3-eu"}}}]
    assert errors(entries, defaults) == [
        "defaults.storage: profile 's3-na' stores in Amazon S3 region 0 (US_EAST_1, in North America), but "
        "serves push region eu (entryPoints[0] eu, entryPoints[1] eu, entryPoints[2] eu, entryPoints[3] eu, "
        "entryPoints[4] eu and 4 more); Agora's doc requires storage in the push region: pick a profile there "
        "with overrides.<region>.storage (here or in defaults)",
        "entryPoints[8].overrides.na.storage: profile 's3-eu' stores in Amazon S3 region 7 (EU_CENTRAL_1, in "
        "Europe), but serves push region na (entryPoints[8] na); Agora's doc requires storage in the push "
        "region: pick a profile there with overrides.<region>.storage (here or in defaults)",
    ]


def test_regions_outside_every_push_region_never_match() -> None:
    profiles = {"s3-sa": profile(1, 12)}  # SA_EAST_1, Sao Paulo
    found = errors(["x"], {"appId": "a", "regions": ["na"], "storage": "s3-sa"}, profiles)
    assert len(found) == 1 and "SA_EAST_1, in none of the four push regions" in found[0]


def test_duplicates_name_the_first_occurrence() -> None:
    assert errors(["live", "live"]) == [
        "entryPoints[1].name: duplicates entryPoints[0]: appId 'app', entry point 'live' is already listed "
        "there for region(s) cn, ap, na, eu (from defaults.regions); list each entry point once"
    ]
    assert errors([{"name": "live", "regions": ["cn"]}, {"name": "live", "regions": ["ap", "cn"]}]) == [
        "entryPoints[1].regions[1]: duplicates entryPoints[0]: appId 'app', entry point 'live', region 'cn' is "
        "already listed there; list each (entry point, region) once and use overrides"
    ]
    # The same name under another App ID, or disjoint regions, is fine.
    specs = fleet(
        [
            {"name": "live", "regions": ["cn"]},
            {"name": "live", "regions": ["ap"]},
            {"name": "live", "appId": "other"},
        ]
    )
    assert len(specs) == 6


def test_app_id_and_regions_are_required_somewhere() -> None:
    assert errors(["x"], defaults={}) == [
        "entryPoints[0].appId: is required: set it here or once for all entry points in defaults.appId",
        "entryPoints[0].regions: is required: list push regions (cn, ap, na, eu) here or for all entry points "
        "in defaults.regions",
    ]
    # A broken default is reported once, not again for every entry point that inherits it.
    assert errors(["x", "y"], defaults={"appId": "", "regions": "cn"}) == [
        'defaults.appId: must be a non-empty string (the Agora App ID), got ""',
        'defaults.regions: must be a list of push regions (cn, ap, na, eu), got "cn"',
    ]


def test_unknown_profile_reference_lists_the_defined_ones() -> None:
    assert errors([{"name": "x", "storage": "s3-us"}]) == [
        "entryPoints[0].storage: must name a profile under storageProfiles (aliyun-cn, azure, s3-eu, s3-na, "
        'tencent-ap) or be null for no storage, got "s3-us"'
    ]


def test_top_level_shapes() -> None:
    with pytest.raises(FleetConfigError) as info:
        parse_fleet({"appId": "a"}, None, None)
    assert info.value.errors == [
        "entryPoints: is required: a list of entry points (names, or objects with a name)"
    ]
    with pytest.raises(FleetConfigError) as info:
        parse_fleet([], "x", {"name": "a"})
    assert info.value.errors == [
        'storageProfiles: must be an object of named storage profiles, got a string of 1 character',
        "defaults: must be an object, got a list",
        "entryPoints: must be a list of entry points, got an object",
    ]


def test_config_paths_quote_keys_that_need_it() -> None:
    assert key_path("storageProfiles", "s3-eu") == "storageProfiles.s3-eu"
    assert key_path("storageProfiles", "eu.main") == 'storageProfiles["eu.main"]'
    assert key_path("", "defaults") == "defaults"


def test_decode_config_value_matches_get_object_without_raising() -> None:
    assert decode_config_value(None) is None
    assert decode_config_value('{"a": [1, true]}') == {"a": [1, True]}
    assert decode_config_value("30") == 30
    assert decode_config_value("not json") == "not json"


def test_bucket_names_follow_the_vendors_rules_before_any_resource() -> None:
    profiles = copy.deepcopy(PROFILES)
    profiles["s3-eu"]["bucket"] = "Snapshots_EU"
    profiles["tencent-ap"]["bucket"] = "snapshots"  # COS wants <name>-<APPID>
    found = errors(["live"], profiles=profiles)
    assert [line.split(":", 1)[0] for line in found] == [
        "storageProfiles.tencent-ap.bucket",
        "storageProfiles.s3-eu.bucket",
    ]
    assert "<name>-<APPID>" in found[0] and "lowercase" in found[1]


@pytest.mark.parametrize("name", ["live\n", "ev\x01x"])
def test_names_the_provider_would_refuse_are_refused_here_first(name: str) -> None:
    [line] = errors([name])
    assert line.startswith("entryPoints[0].name: ") and "control characters" in line


def test_a_key_set_at_the_profile_path_is_not_echoed() -> None:
    profiles = copy.deepcopy(PROFILES)
    profiles["s3-eu"] = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"  # `--path storageProfiles.s3-eu` by mistake
    found = errors(["live"], profiles=profiles)
    assert any(line.startswith("storageProfiles.s3-eu: must be an object") for line in found)
    assert not any("wJalrXUt" in line for line in found)
