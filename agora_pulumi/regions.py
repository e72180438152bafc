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

Two catalogs are kept. The *seed* one (``Vendor``, ``VENDOR_NAMES``, ``STORAGE_REGIONS``,
``VENDORS_WITHOUT_REGION`` and the module functions) is the doc above and is what the seed's
``SnapshotSetting`` validates against; it is unchanged. The *current* one (``CurrentVendor``, ``CURRENT_*``)
transcribes the current Media Broadcast reference's custom-snapshot ``storageConfig`` (vendors 0–8, see
``agora-media-broadcast-current-api.md`` §2). It lives beside the seed's, with its own enum, because code
iterates ``Vendor`` and checks membership in it to build the seed's allowed list: new members there would be
accepted by the seed's checks and then miss in its tables. ``StorageCatalog`` wraps either, so code that must
serve both takes a catalog. The current reference differs from the seed as follows:

* Amazon S3 drops ``17`` US_GOV_WEST_1 and ``23`` US_GOV_EAST_1, adds ``18`` AF_SOUTH_1 (Cape Town:
  ``None``), ``19`` AP_EAST_1 (Hong Kong: ``ap``), ``24`` AP_SOUTHEAST_3 (Jakarta: ``ap``) and ``25``
  EU_SOUTH_1 (Milan: ``eu``). Its ``26`` AWS_REGION_NUM is an enum count, not a region, and stays invalid.
* Aliyun adds ``19`` AP_Southeast_6 (Manila: ``ap``) and the mainland ``20`` CN_Heyuan, ``21``
  CN_Guangzhou, ``22`` CN_Chengdu (``cn``).
* Google Cloud (``6``) takes no region, like Azure.
* Huawei Cloud (``7``): the ``CN_`` regions are mainland (``cn``); ``AP_Southeast_1`` is Hong Kong,
  ``AP_Southeast_2`` Bangkok and ``AP_Southeast_3`` Singapore (``ap``); ``NA_Mexico_1`` is Mexico City,
  physically North America (``na``); ``AF_South_1`` (Johannesburg) and the South American ``SA_*`` and
  ``LA_South_2`` (Santiago) regions are in no push region (``None``).
* Baidu AI Cloud (``8``): Hongkong and Singapore are ``ap``, the other six cities mainland ``cn``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Iterable, Mapping, NamedTuple, Optional, cast

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
    return SEED_CATALOG.region_codes(vendor)


def describe_regions(vendor: Vendor) -> str:
    """A one-line ``code (name)`` list, for error messages that must name the allowed values."""
    return SEED_CATALOG.describe_regions(vendor)


def geography(vendor: Vendor, region: int) -> Optional[str]:
    """The push region a storage region lies in, or ``None`` (Azure, or outside all four)."""
    return SEED_CATALOG.geography(vendor, region)


@dataclass(frozen=True)
class StorageCatalog:
    """One API version's storage vendors and region tables, so validation can serve either version.

    Keys are the wire codes; ``Vendor`` and ``CurrentVendor`` members work as keys since they are ints.
    Looking up a vendor the catalog does not have raises ``KeyError``, as the seed's functions always did.
    """

    name: str
    vendor_names: Mapping[int, str]
    storage_regions: Mapping[int, Mapping[int, StorageRegion]]
    vendors_without_region: frozenset[int]

    def region_codes(self, vendor: int) -> list[int]:
        """The valid ``storageConfig.region`` codes for a vendor, sorted (empty: region ignored)."""
        return sorted(self.storage_regions[vendor])

    def describe_regions(self, vendor: int) -> str:
        """A one-line ``code (name)`` list, for error messages that must name the allowed values."""
        return ", ".join(f"{r.code} ({r.name})" for r in self.storage_regions[vendor].values())

    def describe_vendors(self) -> str:
        """A one-line ``code (name)`` list of the vendors, for error messages."""
        return ", ".join(f"{int(v)} ({n})" for v, n in self.vendor_names.items())

    def geography(self, vendor: int, region: int) -> Optional[str]:
        """The push region a storage region lies in, or ``None`` (no region taken, or outside all four)."""
        row = self.storage_regions[vendor].get(region)
        return row.geography if row else None


SEED_CATALOG = StorageCatalog(
    name="seed",
    # The seed's own tables, not copies, so the two can never disagree. An IntEnum key is an int key.
    vendor_names=cast(Mapping[int, str], VENDOR_NAMES),
    storage_regions=cast(Mapping[int, Mapping[int, StorageRegion]], STORAGE_REGIONS),
    vendors_without_region=cast(frozenset[int], VENDORS_WITHOUT_REGION),
)
"""The seed API's catalog (``…/settings/snapshot/regions/{region}``): vendors 0–5."""


class CurrentVendor(IntEnum):
    """Storage vendors of the current reference's custom snapshot API: the seed's six plus three."""

    QINIU = 0
    AMAZON_S3 = 1
    ALIYUN = 2
    TENCENT = 3
    KINGSOFT = 4
    AZURE = 5
    GOOGLE_CLOUD = 6
    HUAWEI_CLOUD = 7
    BAIDU_CLOUD = 8


CURRENT_VENDOR_NAMES: Mapping[CurrentVendor, str] = {
    **{CurrentVendor(int(v)): n for v, n in VENDOR_NAMES.items()},
    CurrentVendor.GOOGLE_CLOUD: "Google Cloud Storage",
    CurrentVendor.HUAWEI_CLOUD: "Huawei Cloud OBS",
    CurrentVendor.BAIDU_CLOUD: "Baidu AI Cloud BOS",
}


def _amended(
    table: Mapping[int, StorageRegion],
    add: Iterable[tuple[int, str, Optional[str]]] = (),
    drop: Iterable[int] = (),
) -> Mapping[int, StorageRegion]:
    """A seed table with the current reference's changes, in code order (error messages list it so)."""
    gone = set(drop)
    rows = {code: row for code, row in table.items() if code not in gone}
    rows.update(_table(*add))
    return {code: rows[code] for code in sorted(rows)}


CURRENT_STORAGE_REGIONS: Mapping[CurrentVendor, Mapping[int, StorageRegion]] = {
    CurrentVendor.QINIU: STORAGE_REGIONS[Vendor.QINIU],
    CurrentVendor.AMAZON_S3: _amended(
        STORAGE_REGIONS[Vendor.AMAZON_S3],
        add=(
            (18, "AF_SOUTH_1", None),
            (19, "AP_EAST_1", "ap"),
            (24, "AP_SOUTHEAST_3", "ap"),
            (25, "EU_SOUTH_1", "eu"),
        ),
        drop=(17, 23),
    ),
    CurrentVendor.ALIYUN: _amended(
        STORAGE_REGIONS[Vendor.ALIYUN],
        add=(
            (19, "AP_Southeast_6", "ap"),
            (20, "CN_Heyuan", "cn"),
            (21, "CN_Guangzhou", "cn"),
            (22, "CN_Chengdu", "cn"),
        ),
    ),
    CurrentVendor.TENCENT: STORAGE_REGIONS[Vendor.TENCENT],
    CurrentVendor.KINGSOFT: STORAGE_REGIONS[Vendor.KINGSOFT],
    CurrentVendor.AZURE: {},
    # Google Cloud: "region has no effect, set or not", as for Azure.
    CurrentVendor.GOOGLE_CLOUD: {},
    CurrentVendor.HUAWEI_CLOUD: _table(
        (0, "CN_North_1", "cn"),
        (1, "CN_North_4", "cn"),
        (2, "CN_East_2", "cn"),
        (3, "CN_East_3", "cn"),
        (4, "CN_South_1", "cn"),
        (5, "CN_Southwest_2", "cn"),
        (6, "AP_Southeast_1", "ap"),
        (7, "AP_Southeast_2", "ap"),
        (8, "AP_Southeast_3", "ap"),
        (9, "AF_South_1", None),
        (10, "SA_Argentina_1", None),
        (11, "SA_Peru_1", None),
        (12, "NA_Mexico_1", "na"),
        (13, "SA_Brazil_1", None),
        (14, "LA_South_2", None),
        (15, "SA_Chile_1", None),
    ),
    CurrentVendor.BAIDU_CLOUD: _table(
        (0, "Beijing", "cn"),
        (1, "Baoding", "cn"),
        (2, "Suzhou", "cn"),
        (3, "Guangzhou", "cn"),
        (4, "Hongkong", "ap"),
        (5, "Singapore", "ap"),
        (6, "Wuhan", "cn"),
        (7, "Shanghai", "cn"),
    ),
}

CURRENT_VENDORS_WITHOUT_REGION: frozenset[CurrentVendor] = frozenset(
    {CurrentVendor.AZURE, CurrentVendor.GOOGLE_CLOUD}
)

CURRENT_CATALOG = StorageCatalog(
    name="current",
    vendor_names=cast(Mapping[int, str], CURRENT_VENDOR_NAMES),
    storage_regions=cast(Mapping[int, Mapping[int, StorageRegion]], CURRENT_STORAGE_REGIONS),
    vendors_without_region=cast(frozenset[int], CURRENT_VENDORS_WITHOUT_REGION),
)
"""The current reference's custom-snapshot catalog (``…/settings/snapshot/custom/regions/{region}``)."""
