"""The facts of Agora's FLS snapshot API doc, as data: push regions, storage vendors, their region tables.

Everything that validates or reasons about regions (the model's checks, the emulator, the policy pack) reads
these tables, so the doc is transcribed exactly once. The doc's own slips are corrected here and noted:

* Aliyun ``8`` is printed as ````8：US_West_1`` (stray backticks); it is ``US_West_1``.
* Amazon S3 has no ``18`` or ``19``: the numbering jumps from ``17`` to ``20``. They stay invalid.
* Azure takes no region: "even if the region is set, it does not take effect".

Each vendor region also carries a *geography*, the push region (``cn``, ``ap``, ``na``, ``eu``) it sits in,
because the doc asks that storage be "in the same region as the push domain". Where the doc's prefixes
mislead, geography follows the physical location, and where no push region contains the location it is
``None``:

* Hong Kong (Aliyun 7, Tencent 9, Kingsoft 5) is ``ap``: ``cn`` means mainland China, where cross-border
  data rules differ, even though Aliyun and Kingsoft label it ``CN_``.
* Tencent labels its mainland regions ``AP_`` (``AP_Beijing``): they are ``cn``.
* Kingsoft ``NA_Russia_1`` (Moscow) is ``eu``; ``NA_Singapore_1`` is ``ap``.
* S3 ``SA_EAST_1`` (São Paulo) and ``ME_SOUTH_1`` (Bahrain) are in none of the four push regions: ``None``.
* Aliyun ``EU_East_1`` is taken as the doc prints it, ``eu``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Mapping, NamedTuple, Optional

PUSH_REGIONS: tuple[str, ...] = ("cn", "ap", "na", "eu")
"""The stream-pushing regions accepted in the URL path (the doc's ``region`` path parameter)."""

PUSH_REGION_NAMES: Mapping[str, str] = {
    "cn": "mainland China",
    "ap": "Asia Pacific",
    "na": "North America",
    "eu": "Europe",
}

MIN_INTERVAL = 5
MAX_INTERVAL = 300
DEFAULT_INTERVAL = 10


class Vendor(IntEnum):
    """Third-party cloud storage platforms (``storageConfig.vendor``)."""

    QINIU = 0
    AMAZON_S3 = 1
    ALIYUN = 2
    TENCENT = 3
    KINGSOFT = 4
    AZURE = 5


VENDOR_NAMES: Mapping[Vendor, str] = {
    Vendor.QINIU: "Qiniu Cloud",
    Vendor.AMAZON_S3: "Amazon S3",
    Vendor.ALIYUN: "Aliyun OSS",
    Vendor.TENCENT: "Tencent Cloud COS",
    Vendor.KINGSOFT: "Kingsoft Cloud KS3",
    Vendor.AZURE: "Microsoft Azure",
}


class StorageRegion(NamedTuple):
    """One row of a vendor's region table."""

    code: int
    name: str
    geography: Optional[str]


def _table(*rows: tuple[int, str, Optional[str]]) -> Mapping[int, StorageRegion]:
    return {code: StorageRegion(code, name, geo) for code, name, geo in rows}


STORAGE_REGIONS: Mapping[Vendor, Mapping[int, StorageRegion]] = {
    Vendor.QINIU: _table(
        (0, "East China", "cn"),
        (1, "North China", "cn"),
        (2, "South China", "cn"),
        (3, "North America", "na"),
        (4, "Southeast Asia", "ap"),
    ),
    Vendor.AMAZON_S3: _table(
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
        (12, "SA_EAST_1", None),
        (13, "CA_CENTRAL_1", "na"),
        (14, "AP_SOUTH_1", "ap"),
        (15, "CN_NORTH_1", "cn"),
        (16, "CN_NORTHWEST_1", "cn"),
        (17, "US_GOV_WEST_1", "na"),
        (20, "AP_NORTHEAST_3", "ap"),
        (21, "EU_NORTH_1", "eu"),
        (22, "ME_SOUTH_1", None),
        (23, "US_GOV_EAST_1", "na"),
    ),
    Vendor.ALIYUN: _table(
        (0, "CN_Hangzhou", "cn"),
        (1, "CN_Shanghai", "cn"),
        (2, "CN_Qingdao", "cn"),
        (3, "CN_Beijing", "cn"),
        (4, "CN_Zhangjiakou", "cn"),
        (5, "CN_Huhehaote", "cn"),
        (6, "CN_Shenzhen", "cn"),
        (7, "CN_Hongkong", "ap"),
        (8, "US_West_1", "na"),
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
    ),
    Vendor.TENCENT: _table(
        (0, "AP_Beijing_1", "cn"),
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
    ),
    Vendor.KINGSOFT: _table(
        (0, "CN_Hangzhou", "cn"),
        (1, "CN_Shanghai", "cn"),
        (2, "CN_Qingdao", "cn"),
        (3, "CN_Beijing", "cn"),
        (4, "CN_Guangzhou", "cn"),
        (5, "CN_Hongkong", "ap"),
        (6, "JR_Beijing", "cn"),
        (7, "JR_Shanghai", "cn"),
        (8, "NA_Russia_1", "eu"),
        (9, "NA_Singapore_1", "ap"),
    ),
    # Azure: "There is no need to set the region parameter, and even if the region is set, it does not
    # take effect." An empty table means "any value, ignored".
    Vendor.AZURE: {},
}

VENDORS_WITHOUT_REGION: frozenset[Vendor] = frozenset({Vendor.AZURE})


def region_codes(vendor: Vendor) -> list[int]:
    """The valid ``storageConfig.region`` codes for a vendor, sorted (empty: region ignored)."""
    return sorted(STORAGE_REGIONS[vendor])


def describe_regions(vendor: Vendor) -> str:
    """A one-line ``code (name)`` list, for error messages that must name the allowed values."""
    return ", ".join(f"{r.code} ({r.name})" for r in STORAGE_REGIONS[vendor].values())


def geography(vendor: Vendor, region: int) -> Optional[str]:
    """The push region a storage region lies in, or ``None`` (Azure, or outside all four)."""
    row = STORAGE_REGIONS[vendor].get(region)
    return row.geography if row else None
