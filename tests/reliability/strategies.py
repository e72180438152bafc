"""Hypothesis strategies for engine-shaped snapshot-setting properties: valid ones, junk, and unknowns.

Values are what the engine can send through ``google.protobuf.Struct``: null, booleans, numbers (always
floats on the wire; integers are kept within 2**53 so they survive the conversion), strings, lists and
objects, plus the engine's preview-unknown sentinel.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import strategies as st

from agora_pulumi.model import STORAGE_PROPS, TOP_LEVEL_PROPS
from agora_pulumi.regions import MAX_INTERVAL, MIN_INTERVAL, PUSH_REGIONS, STORAGE_REGIONS, Vendor
from agora_pulumi.rules import bucket_problem
from agora_pulumi.testing.engine import UNKNOWN

BIG = 2**53

# --- junk ----------------------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(-BIG, BIG),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1000, 1000).map(lambda f: round(f, 1)),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12), st.just(UNKNOWN))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=10,
)
junk_storage = st.dictionaries(st.one_of(st.sampled_from(STORAGE_PROPS), st.text(max_size=8)), json_values, max_size=7)
junk_setting = st.dictionaries(
    st.one_of(st.sampled_from(TOP_LEVEL_PROPS), st.text(min_size=1, max_size=12).filter(lambda k: k != "__provider")),
    st.one_of(json_values, junk_storage),
    max_size=9,
)

non_strings = st.one_of(st.booleans(), numbers, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=4), scalars, max_size=3))
non_bools = st.one_of(numbers, st.text(max_size=8), st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=4), scalars, max_size=3))
non_integral = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not f.is_integer()),
    st.booleans(),
    st.text(max_size=8),
    st.lists(scalars, max_size=2),
)

# --- what Agora's URL path cannot take -----------------------------------------------------------------

MAX_SEGMENT = 128  # Agora's App IDs are 32 hex characters; longer names are pasted blobs


def unusable_in_a_path(segment: str) -> bool:
    """A name check must refuse: written independently of the rules module, from the URL and Unicode side.

    Empty or blank, ``.``/``..``, longer than 128 characters, or holding a character that changes or hides the
    path: ``/ \\ ? # %``, whitespace, and every Unicode "other" (C*: controls, format characters such as
    zero-width and bidi marks, private use, unassigned) or separator (Z*).
    """
    if not segment.strip() or segment in (".", "..") or len(segment) > MAX_SEGMENT:
        return True
    return any(
        c in "/\\?#%" or c.isspace() or unicodedata.category(c)[0] in "CZ" for c in segment
    )


# --- valid values ------------------------------------------------------------------------------------

segments = st.from_regex(r"[A-Za-z0-9_.~-]{1,24}", fullmatch=True).filter(lambda s: s not in (".", ".."))
regions = st.sampled_from(PUSH_REGIONS).flatmap(lambda r: st.sampled_from([r, r.upper(), f" {r} ", r.capitalize()]))
intervals = st.integers(MIN_INTERVAL, MAX_INTERVAL).map(float)
# Storage keys: any text without surrounding whitespace (unicode, punctuation, control characters).
keys = st.text(min_size=1, max_size=40).filter(lambda s: s == s.strip())


def buckets(vendor: Vendor) -> st.SearchStrategy[str]:
    if vendor is Vendor.TENCENT:
        pattern = r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?-[0-9]{5,12}"
    elif vendor is Vendor.AMAZON_S3:
        pattern = r"[a-z0-9][a-z0-9.-]{1,40}[a-z0-9]"
    else:
        pattern = r"[a-z0-9][a-z0-9-]{1,40}[a-z0-9]"
    return st.from_regex(pattern, fullmatch=True).filter(lambda b: bucket_problem(vendor, b) is None)


def storage_region(vendor: Vendor) -> st.SearchStrategy[Any]:
    """A valid ``storageConfig.region`` (``ABSENT``: leave the key out). Azure ignores any integer."""
    if not STORAGE_REGIONS[vendor]:
        return st.one_of(st.just(ABSENT), st.none(), st.integers(0, 30).map(float))
    return st.sampled_from(sorted(STORAGE_REGIONS[vendor])).map(float)


ABSENT = object()


ANY_VENDOR = st.sampled_from(list(Vendor))


@st.composite
def storages(draw: st.DrawFn, vendors: st.SearchStrategy[Vendor] = ANY_VENDOR) -> dict[str, Any]:
    vendor = draw(vendors)
    storage: dict[str, Any] = {"vendor": float(vendor), "bucket": draw(buckets(vendor))}
    region = draw(storage_region(vendor))
    if region is not ABSENT:
        storage["region"] = region
    storage["accessKey"] = draw(keys)
    storage["secretKey"] = draw(keys)
    return storage


@st.composite
def valid_settings(draw: st.DrawFn, entry_point: st.SearchStrategy[str] = segments) -> dict[str, Any]:
    """A valid setting as the engine sends it: floats for integers, any case of the region, defaults and
    the storage config sometimes omitted (absent key or null)."""
    props: dict[str, Any] = {
        "appId": draw(st.from_regex(r"[0-9a-f]{32}", fullmatch=True)),
        "entryPoint": draw(entry_point),
        "region": draw(regions),
        "enabled": draw(st.booleans()),
    }
    for key, strategy in (("snapshotInterval", intervals), ("enableModeration", st.booleans()), ("storageConfig", storages())):
        choice = draw(st.sampled_from(["set", "absent", "null"]))
        if choice == "set":
            props[key] = draw(strategy)
        elif choice == "null":
            props[key] = None
    return props


def normalised(props: dict[str, Any]) -> dict[str, Any]:
    """What ``check`` must make of a valid setting: written independently of the model, from the doc."""
    storage = props.get("storageConfig")
    out_storage = None
    if storage is not None:
        vendor = int(storage["vendor"])
        region = storage.get("region")
        out_storage = {
            "vendor": vendor,
            "region": None if vendor == Vendor.AZURE or region is None else int(region),
            "bucket": storage["bucket"],
            "accessKey": storage["accessKey"],
            "secretKey": storage["secretKey"],
        }
    interval = props.get("snapshotInterval")
    moderation = props.get("enableModeration")
    return {
        "appId": props["appId"],
        "entryPoint": props["entryPoint"],
        "region": props["region"].strip().lower(),
        "enabled": props["enabled"],
        "snapshotInterval": 10 if interval is None else int(interval),
        "enableModeration": False if moderation is None else moderation,
        "storageConfig": out_storage,
    }
