"""The reference documents' tables, written out here by hand, against everything that reads them.

Every expected value below is copied from ``agora-fls-snapshot-api.md`` (the seed API) and
``agora-media-broadcast-current-api.md`` §2 (the custom snapshot API), not derived from
:mod:`agora_pulumi.regions`: the emulator and the policy pack read that module too, so a row dropped or added
there would pass every test that compares the module with itself. The doc's slips are corrected as the
README says, and each is pinned:

* Aliyun ``8`` is printed ````8：US_West_1`` (stray backticks): it is code 8, ``US_West_1``.
* The seed's Amazon S3 list has no ``18`` or ``19`` (17 is followed by 20): both are refused on the seed API.
  The current API adds them (AF_SOUTH_1, AP_EAST_1) and drops 17 and 23; its ``26 AWS_REGION_NUM`` is an enum
  count, refused.
* The seed's last ``storageConfig`` bullet reads "``accessKey``: ... the secret key": the field is
  ``secretKey``, as the doc's request and response examples show.

The geography column (the push region a storage region lies in, ``None`` for none of the four) is the
physical location of each region, as the README's storage-in-push-region rule describes it.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

from agora_pulumi import model
from agora_pulumi.kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from agora_pulumi.regions import CURRENT_CATALOG, PUSH_REGIONS, SEED_CATALOG, StorageCatalog
from tests.support import setting_inputs

Row = tuple[int, str, Optional[str]]

QINIU: list[Row] = [
    (0, "East China", "cn"),
    (1, "North China", "cn"),
    (2, "South China", "cn"),
    (3, "North America", "na"),
    (4, "Southeast Asia", "ap"),
]
S3_SEED: list[Row] = [
    (0, "US_EAST_1", "na"),
    (1, "US_EAST_2", "na"),
    (2, "US_WEST_1", "na"),
    (3, "US_WEST_2", "na"),
    (4, "EU_WEST_1", "eu"),
    (5, "EU_WEST_2", "eu"),
    (6, "EU_WEST_3", "eu"),
    (7, "EU_CENTRAL_1", "eu"),
    (8, "AP_SOUTHEAST_1", "ap"),
    (9, "AP_SOUTHEAST_2", "ap"),
    (10, "AP_NORTHEAST_1", "ap"),
    (11, "AP_NORTHEAST_2", "ap"),
    (12, "SA_EAST_1", None),  # São Paulo
    (13, "CA_CENTRAL_1", "na"),
    (14, "AP_SOUTH_1", "ap"),
    (15, "CN_NORTH_1", "cn"),
    (16, "CN_NORTHWEST_1", "cn"),
    (17, "US_GOV_WEST_1", "na"),
    # no 18, no 19
    (20, "AP_NORTHEAST_3", "ap"),
    (21, "EU_NORTH_1", "eu"),
    (22, "ME_SOUTH_1", None),  # Bahrain
    (23, "US_GOV_EAST_1", "na"),
]
S3_CURRENT: list[Row] = [
    *S3_SEED[:17],  # 0-16 as in the seed
    (18, "AF_SOUTH_1", None),  # Cape Town
    (19, "AP_EAST_1", "ap"),  # Hong Kong
    (20, "AP_NORTHEAST_3", "ap"),
    (21, "EU_NORTH_1", "eu"),
    (22, "ME_SOUTH_1", None),
    (24, "AP_SOUTHEAST_3", "ap"),  # Jakarta
    (25, "EU_SOUTH_1", "eu"),  # Milan
]
ALIYUN_SEED: list[Row] = [
    (0, "CN_Hangzhou", "cn"),
    (1, "CN_Shanghai", "cn"),
    (2, "CN_Qingdao", "cn"),
    (3, "CN_Beijing", "cn"),
    (4, "CN_Zhangjiakou", "cn"),
    (5, "CN_Huhehaote", "cn"),
    (6, "CN_Shenzhen", "cn"),
    (7, "CN_Hongkong", "ap"),  # Hong Kong is not mainland China
    (8, "US_West_1", "na"),  # printed ``8：US_West_1
    (9, "US_East_1", "na"),
    (10, "AP_Southeast_1", "ap"),
    (11, "AP_Southeast_2", "ap"),
    (12, "AP_Southeast_3", "ap"),
    (13, "AP_Southeast_5", "ap"),
    (14, "AP_Northeast_1", "ap"),
    (15, "AP_South_1", "ap"),
    (16, "EU_Central_1", "eu"),
    (17, "EU_West_1", "eu"),
    (18, "EU_East_1", "eu"),
]
ALIYUN_CURRENT: list[Row] = [
    *ALIYUN_SEED,
    (19, "AP_Southeast_6", "ap"),  # Manila
    (20, "CN_Heyuan", "cn"),
    (21, "CN_Guangzhou", "cn"),
    (22, "CN_Chengdu", "cn"),
]
TENCENT: list[Row] = [
    (0, "AP_Beijing_1", "cn"),  # Tencent's mainland regions are labelled AP_
    (1, "AP_Beijing", "cn"),
    (2, "AP_Shanghai", "cn"),
    (3, "AP_Guangzhou", "cn"),
    (4, "AP_Chengdu", "cn"),
    (5, "AP_Chongqing", "cn"),
    (6, "AP_Shenzhen_FSI", "cn"),
    (7, "AP_Shanghai_FSI", "cn"),
    (8, "AP_Beijing_FSI", "cn"),
    (9, "AP_Hongkong", "ap"),
    (10, "AP_Singapore", "ap"),
    (11, "AP_Mumbai", "ap"),
    (12, "AP_Seoul", "ap"),
    (13, "AP_Bangkok", "ap"),
    (14, "AP_Tokyo", "ap"),
    (15, "NA_Siliconvalley", "na"),
    (16, "NA_Ashburn", "na"),
    (17, "NA_Toronto", "na"),
    (18, "EU_Frankfurt", "eu"),
    (19, "EU_Moscow", "eu"),
]
KINGSOFT: list[Row] = [
    (0, "CN_Hangzhou", "cn"),
    (1, "CN_Shanghai", "cn"),
    (2, "CN_Qingdao", "cn"),
    (3, "CN_Beijing", "cn"),
    (4, "CN_Guangzhou", "cn"),
    (5, "CN_Hongkong", "ap"),
    (6, "JR_Beijing", "cn"),
    (7, "JR_Shanghai", "cn"),
    (8, "NA_Russia_1", "eu"),  # Moscow, whatever the prefix says
    (9, "NA_Singapore_1", "ap"),
]
HUAWEI: list[Row] = [
    (0, "CN_North_1", "cn"),
    (1, "CN_North_4", "cn"),
    (2, "CN_East_2", "cn"),
    (3, "CN_East_3", "cn"),
    (4, "CN_South_1", "cn"),
    (5, "CN_Southwest_2", "cn"),
    (6, "AP_Southeast_1", "ap"),  # Hong Kong
    (7, "AP_Southeast_2", "ap"),  # Bangkok
    (8, "AP_Southeast_3", "ap"),  # Singapore
    (9, "AF_South_1", None),  # Johannesburg
    (10, "SA_Argentina_1", None),
    (11, "SA_Peru_1", None),
    (12, "NA_Mexico_1", "na"),  # Mexico City
    (13, "SA_Brazil_1", None),
    (14, "LA_South_2", None),  # Santiago
    (15, "SA_Chile_1", None),
]
BAIDU: list[Row] = [
    (0, "Beijing", "cn"),
    (1, "Baoding", "cn"),
    (2, "Suzhou", "cn"),
    (3, "Guangzhou", "cn"),
    (4, "Hongkong", "ap"),
    (5, "Singapore", "ap"),
    (6, "Wuhan", "cn"),
    (7, "Shanghai", "cn"),
]

# vendor code -> its rows; an empty list: the vendor takes no region ("it does not take effect")
SEED: dict[int, list[Row]] = {0: QINIU, 1: S3_SEED, 2: ALIYUN_SEED, 3: TENCENT, 4: KINGSOFT, 5: []}
CURRENT: dict[int, list[Row]] = {
    0: QINIU, 1: S3_CURRENT, 2: ALIYUN_CURRENT, 3: TENCENT, 4: KINGSOFT, 5: [], 6: [], 7: HUAWEI, 8: BAIDU,
}
API: dict[str, tuple[SettingKind, StorageCatalog, dict[int, list[Row]]]] = {
    "seed": (LEGACY, SEED_CATALOG, SEED),
    "current": (CUSTOM, CURRENT_CATALOG, CURRENT),
}


def as_table(catalog: StorageCatalog, vendor: int) -> list[Row]:
    return [(row.code, row.name, row.geography) for row in catalog.storage_regions[vendor].values()]


def failures(props: dict[str, Any], kind: SettingKind) -> list[tuple[str, str]]:
    _, found = model.check_props(props, None, model.never_unknown, kind)
    return [(f.property, f.reason) for f in found]


def with_region(vendor: int, region: Optional[float]) -> dict[str, Any]:
    storage: dict[str, Any] = {"vendor": float(vendor), "bucket": "snapshots-bucket", "accessKey": "AK-1",
                               "secretKey": "SK-1"}
    if vendor == 3:
        storage["bucket"] = "snapshots-1250000000"  # COS names carry the APPID
    if region is not None:
        storage["region"] = region
    return setting_inputs(storageConfig=storage)


# --- the tables, row by row, geography included ---------------------------------------------------------


@pytest.mark.parametrize("api", ["seed", "current"])
def test_the_vendor_codes_are_the_documented_ones(api: str) -> None:
    _, catalog, expected = API[api]
    assert sorted(int(v) for v in catalog.vendor_names) == sorted(expected)
    assert sorted(int(v) for v in catalog.storage_regions) == sorted(expected)
    assert sorted(int(v) for v in catalog.vendors_without_region) == sorted(v for v, rows in expected.items() if not rows)


@pytest.mark.parametrize(("api", "vendor"), [("seed", v) for v in SEED] + [("current", v) for v in CURRENT])
def test_each_region_table_is_the_documented_one_in_order_with_its_geography(api: str, vendor: int) -> None:
    _, catalog, expected = API[api]
    assert as_table(catalog, vendor) == expected[vendor]
    for code, _, geography in expected[vendor]:
        assert catalog.geography(vendor, code) == geography


def test_the_doc_slips_are_read_as_the_readme_says() -> None:
    assert SEED_CATALOG.storage_regions[2][8].name == "US_West_1"
    assert 18 not in SEED_CATALOG.storage_regions[1] and 19 not in SEED_CATALOG.storage_regions[1]
    assert [c for c in (17, 18, 19, 23, 26) if c in CURRENT_CATALOG.storage_regions[1]] == [18, 19]


def test_push_regions_are_the_four_documented() -> None:
    assert PUSH_REGIONS == ("cn", "ap", "na", "eu")


# --- what check accepts and refuses, by the tables above ---------------------------------------------------


@pytest.mark.parametrize("api", ["seed", "current"])
def test_check_accepts_exactly_the_documented_region_codes(api: str) -> None:
    kind, _, expected = API[api]
    for vendor, rows in expected.items():
        if not rows:
            continue
        documented = {code for code, _, _ in rows}
        for code in range(-1, max(documented) + 4):
            found = failures(with_region(vendor, float(code)), kind)
            if code in documented:
                assert found == [], (vendor, code)
            else:
                assert [p for p, _ in found] == ["storageConfig.region"], (vendor, code)


@pytest.mark.parametrize(("api", "vendor"), [("seed", 5), ("current", 5), ("current", 6)])
def test_regionless_vendors_take_any_region_and_do_not_send_it(api: str, vendor: int) -> None:
    kind, _, _ = API[api]
    inputs, found = model.check_props(with_region(vendor, 3.0), None, model.never_unknown, kind)
    assert found == []
    assert "region" not in model.setting_from_props(inputs).to_body()["storageConfig"]


def test_seed_s3_refuses_18_and_19_naming_every_documented_region() -> None:
    listed = ", ".join(f"{code} ({name})" for code, name, _ in S3_SEED)
    for code in (18, 19):
        assert failures(with_region(1, float(code)), LEGACY) == [
            ("storageConfig.region", f"must be a region code of Amazon S3: {listed}; got {code}")
        ]


def test_current_s3_refuses_the_enum_count_26_naming_the_current_table() -> None:
    listed = ", ".join(f"{code} ({name})" for code, name, _ in S3_CURRENT)
    assert failures(with_region(1, 26.0), CUSTOM) == [
        (
            "storageConfig.region",
            f"must be a region code of Amazon S3 (the current Media Broadcast API's table): {listed}; got 26",
        )
    ]


# --- the body's keys and the interval, as the docs print them ----------------------------------------------


def test_the_patch_body_has_the_documented_keys() -> None:
    """The doc's request example: enabled, enableModeration, snapshotInterval, storageConfig with accessKey,
    bucket, region, secretKey and vendor (the second ``accessKey`` bullet is ``secretKey``)."""
    inputs, found = model.check_props(with_region(2, 3.0))
    assert found == []
    assert model.setting_from_props(inputs).to_body() == {
        "enabled": True,
        "enableModeration": True,
        "snapshotInterval": 30,
        "storageConfig": {"accessKey": "AK-1", "bucket": "snapshots-bucket", "region": 3, "secretKey": "SK-1",
                          "vendor": 2},
    }


INTERVAL_RULE = "must be a whole number of seconds in [5, 300] (default 10), got {}"


@pytest.mark.parametrize("kind", [LEGACY, STANDARD, CUSTOM], ids=lambda k: k.name)
def test_intervals_5_and_300_are_accepted_and_4_and_301_refused(kind: SettingKind) -> None:
    def props(interval: Any) -> dict[str, Any]:
        out = setting_inputs(snapshotInterval=interval)
        if kind is STANDARD:
            del out["storageConfig"]
        elif kind is CUSTOM:
            out["storageConfig"] = {**out["storageConfig"], "vendor": 7.0, "region": 6.0}
        return out

    for accepted in (5.0, 300.0):
        inputs, found = model.check_props(props(accepted), None, model.never_unknown, kind)
        assert found == []
        assert inputs["snapshotInterval"] == int(accepted)
    for refused in (4.0, 301.0):
        _, found = model.check_props(props(refused), None, model.never_unknown, kind)
        assert [(f.property, f.reason) for f in found] == [("snapshotInterval", INTERVAL_RULE.format(int(refused)))]
    inputs, _ = model.check_props(props(None), None, model.never_unknown, kind)
    assert inputs["snapshotInterval"] == 10
