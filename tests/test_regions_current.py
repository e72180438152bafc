"""The current reference's storage catalog beside the seed's, and the seed's left exactly as it was.

Expected codes are written out literally (from the API docs), not derived from the module under test.
"""

from __future__ import annotations

import pytest

from agora_pulumi import regions
from agora_pulumi.regions import (
    CURRENT_CATALOG,
    CURRENT_STORAGE_REGIONS,
    CURRENT_VENDOR_NAMES,
    CURRENT_VENDORS_WITHOUT_REGION,
    SEED_CATALOG,
    STORAGE_REGIONS,
    VENDOR_NAMES,
    VENDORS_WITHOUT_REGION,
    CurrentVendor,
    Vendor,
)

SEED_CODES: dict[int, list[int]] = {
    0: [0, 1, 2, 3, 4],
    1: [*range(0, 18), 20, 21, 22, 23],
    2: list(range(0, 19)),
    3: list(range(0, 20)),
    4: list(range(0, 10)),
    5: [],
}

CURRENT_CODES: dict[int, list[int]] = {
    0: [0, 1, 2, 3, 4],
    1: [*range(0, 17), 18, 19, 20, 21, 22, 24, 25],
    2: list(range(0, 23)),
    3: list(range(0, 20)),
    4: list(range(0, 10)),
    5: [],
    6: [],
    7: list(range(0, 16)),
    8: list(range(0, 8)),
}


def test_seed_catalog_is_unchanged() -> None:
    assert [int(v) for v in Vendor] == [0, 1, 2, 3, 4, 5]
    assert {int(v): n for v, n in VENDOR_NAMES.items()} == {
        0: "Qiniu Cloud",
        1: "Amazon S3",
        2: "Aliyun OSS",
        3: "Tencent Cloud COS",
        4: "Kingsoft Cloud KS3",
        5: "Microsoft Azure",
    }
    assert {int(v): list(t) for v, t in STORAGE_REGIONS.items()} == SEED_CODES
    assert VENDORS_WITHOUT_REGION == {Vendor.AZURE}
    for vendor in Vendor:
        assert regions.region_codes(vendor) == SEED_CODES[vendor]
    assert regions.describe_regions(Vendor.QINIU) == (
        "0 (East China), 1 (North China), 2 (South China), 3 (North America), 4 (Southeast Asia)"
    )
    assert regions.describe_regions(Vendor.AZURE) == ""
    assert regions.geography(Vendor.AMAZON_S3, 17) == "na"
    assert regions.geography(Vendor.AMAZON_S3, 18) is None
    assert regions.geography(Vendor.AZURE, 3) is None


def test_seed_catalog_is_the_seed_tables() -> None:
    assert SEED_CATALOG.vendor_names is VENDOR_NAMES
    assert SEED_CATALOG.storage_regions is STORAGE_REGIONS
    assert SEED_CATALOG.vendors_without_region is VENDORS_WITHOUT_REGION
    assert SEED_CATALOG.describe_vendors() == (
        "0 (Qiniu Cloud), 1 (Amazon S3), 2 (Aliyun OSS), 3 (Tencent Cloud COS), 4 (Kingsoft Cloud KS3), "
        "5 (Microsoft Azure)"
    )
    with pytest.raises(KeyError):
        SEED_CATALOG.region_codes(CurrentVendor.HUAWEI_CLOUD)


def test_current_vendors() -> None:
    assert [(int(v), v.name) for v in CurrentVendor] == [
        (0, "QINIU"), (1, "AMAZON_S3"), (2, "ALIYUN"), (3, "TENCENT"), (4, "KINGSOFT"), (5, "AZURE"),
        (6, "GOOGLE_CLOUD"), (7, "HUAWEI_CLOUD"), (8, "BAIDU_CLOUD"),
    ]
    assert CURRENT_CATALOG.describe_vendors() == (
        "0 (Qiniu Cloud), 1 (Amazon S3), 2 (Aliyun OSS), 3 (Tencent Cloud COS), 4 (Kingsoft Cloud KS3), "
        "5 (Microsoft Azure), 6 (Google Cloud Storage), 7 (Huawei Cloud OBS), 8 (Baidu AI Cloud BOS)"
    )
    assert set(CURRENT_VENDOR_NAMES) == set(CurrentVendor)
    assert CURRENT_VENDORS_WITHOUT_REGION == {CurrentVendor.AZURE, CurrentVendor.GOOGLE_CLOUD}
    assert CURRENT_CATALOG.vendors_without_region == {5, 6}


@pytest.mark.parametrize("vendor", list(CurrentVendor))
def test_current_tables_have_exactly_the_documented_codes(vendor: CurrentVendor) -> None:
    assert CURRENT_CATALOG.region_codes(vendor) == CURRENT_CODES[vendor]
    # listed in code order, since error messages print them
    assert list(CURRENT_STORAGE_REGIONS[vendor]) == CURRENT_CODES[vendor]
    assert all(row.code == code for code, row in CURRENT_STORAGE_REGIONS[vendor].items())


def test_current_s3_drops_gov_regions_and_the_enum_count() -> None:
    codes = CURRENT_CATALOG.region_codes(CurrentVendor.AMAZON_S3)
    assert 17 not in codes and 23 not in codes and 26 not in codes
    table = CURRENT_STORAGE_REGIONS[CurrentVendor.AMAZON_S3]
    assert {c: table[c].name for c in (18, 19, 24, 25)} == {
        18: "AF_SOUTH_1", 19: "AP_EAST_1", 24: "AP_SOUTHEAST_3", 25: "EU_SOUTH_1",
    }


def test_unchanged_vendor_rows_match_the_seed() -> None:
    for vendor in (0, 3, 4):
        assert CURRENT_STORAGE_REGIONS[CurrentVendor(vendor)] == STORAGE_REGIONS[Vendor(vendor)]
    for vendor, seed_codes in ((1, [*range(0, 17), 20, 21, 22]), (2, list(range(0, 19)))):
        current = CURRENT_STORAGE_REGIONS[CurrentVendor(vendor)]
        assert all(current[c] == STORAGE_REGIONS[Vendor(vendor)][c] for c in seed_codes)


def test_new_region_names() -> None:
    aliyun = CURRENT_STORAGE_REGIONS[CurrentVendor.ALIYUN]
    assert [aliyun[c].name for c in (19, 20, 21, 22)] == ["AP_Southeast_6", "CN_Heyuan", "CN_Guangzhou", "CN_Chengdu"]
    assert CURRENT_CATALOG.describe_regions(CurrentVendor.HUAWEI_CLOUD) == (
        "0 (CN_North_1), 1 (CN_North_4), 2 (CN_East_2), 3 (CN_East_3), 4 (CN_South_1), 5 (CN_Southwest_2), "
        "6 (AP_Southeast_1), 7 (AP_Southeast_2), 8 (AP_Southeast_3), 9 (AF_South_1), 10 (SA_Argentina_1), "
        "11 (SA_Peru_1), 12 (NA_Mexico_1), 13 (SA_Brazil_1), 14 (LA_South_2), 15 (SA_Chile_1)"
    )
    assert CURRENT_CATALOG.describe_regions(CurrentVendor.BAIDU_CLOUD) == (
        "0 (Beijing), 1 (Baoding), 2 (Suzhou), 3 (Guangzhou), 4 (Hongkong), 5 (Singapore), 6 (Wuhan), "
        "7 (Shanghai)"
    )
    assert CURRENT_CATALOG.describe_regions(CurrentVendor.GOOGLE_CLOUD) == ""


@pytest.mark.parametrize(
    ("vendor", "code", "geo"),
    [
        (CurrentVendor.AMAZON_S3, 18, None),  # Cape Town
        (CurrentVendor.AMAZON_S3, 19, "ap"),  # Hong Kong
        (CurrentVendor.AMAZON_S3, 24, "ap"),  # Jakarta
        (CurrentVendor.AMAZON_S3, 25, "eu"),  # Milan
        (CurrentVendor.AMAZON_S3, 17, None),  # no longer a region
        (CurrentVendor.ALIYUN, 19, "ap"),  # Manila
        (CurrentVendor.ALIYUN, 20, "cn"),
        (CurrentVendor.ALIYUN, 21, "cn"),
        (CurrentVendor.ALIYUN, 22, "cn"),
        (CurrentVendor.GOOGLE_CLOUD, 0, None),
        (CurrentVendor.AZURE, 3, None),
    ],
)
def test_new_geographies(vendor: CurrentVendor, code: int, geo: str | None) -> None:
    assert CURRENT_CATALOG.geography(vendor, code) == geo


def test_huawei_and_baidu_geographies() -> None:
    huawei = {c: CURRENT_CATALOG.geography(CurrentVendor.HUAWEI_CLOUD, c) for c in range(16)}
    assert huawei == {
        0: "cn", 1: "cn", 2: "cn", 3: "cn", 4: "cn", 5: "cn",
        6: "ap", 7: "ap", 8: "ap",  # Hong Kong, Bangkok, Singapore
        9: None, 10: None, 11: None,  # Johannesburg, Buenos Aires, Lima
        12: "na",  # Mexico City
        13: None, 14: None, 15: None,  # São Paulo, Santiago, Santiago
    }
    baidu = {c: CURRENT_CATALOG.geography(CurrentVendor.BAIDU_CLOUD, c) for c in range(8)}
    assert baidu == {0: "cn", 1: "cn", 2: "cn", 3: "cn", 4: "ap", 5: "ap", 6: "cn", 7: "cn"}


def test_every_geography_is_a_push_region_or_none() -> None:
    for table in CURRENT_STORAGE_REGIONS.values():
        for row in table.values():
            assert row.geography is None or row.geography in regions.PUSH_REGIONS


def test_catalog_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CURRENT_CATALOG.name = "other"  # type: ignore[misc]
