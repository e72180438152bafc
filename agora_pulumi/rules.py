"""Every field rule of a snapshot setting, once, with one wording each.

The provider's ``check`` (:mod:`agora_pulumi.model`) and the fleet config parser (:mod:`agora_pulumi.fleet`)
both validate the same fields: identifiers that become URL path segments, push regions, the interval, the
booleans, the storage vendor, its region, the bucket and the two keys. Each rule lives here as a function
that takes the raw value and returns either the normalised value or the reason it is wrong. Callers only
decide *where* a failure is reported (``storageConfig.region`` for a program, ``storageProfiles.s3.region``
for the fleet) and what is required at their level.

Pure functions of data: no Pulumi, no HTTP. A reason never repeats a value that might be a credential (keys,
and buckets, which may be a key pasted into the wrong field): :func:`got_opaque` shows only a length.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
import unicodedata
from typing import Any, Callable, Mapping, Optional, Sequence

from .identity import canonical_name
from .regions import (
    CURRENT_CATALOG,
    DEFAULT_INTERVAL,
    MAX_INTERVAL,
    MIN_INTERVAL,
    PUSH_REGION_NAMES,
    PUSH_REGIONS,
    SEED_CATALOG,
    CurrentVendor,
    StorageCatalog,
    Vendor,
)

# --- rendering the offending value ------------------------------------------------------------------------


def type_name(value: Any) -> str:
    """``a string``, ``an integer``, ...: what a value is, without showing it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _looks_typed(value: str) -> bool:
    return value.strip().lower() in ("true", "false") or value.strip().lstrip("-").isdigit()


def got(value: Any) -> str:
    """``got <value>`` for values that are not secret, as JSON (what a user wrote in YAML or a program).

    Strings are quoted and cut, so blanks stay visible; a string that looks like a number or a boolean gets
    a hint, since quoting it in YAML is the usual cause.
    """
    if value is None:
        return "got nothing"
    if isinstance(value, bool):
        return f"got {str(value).lower()}"
    if isinstance(value, float) and not math.isfinite(value):
        return "got NaN" if math.isnan(value) else "got infinity"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
            value = int(value)  # numbers reach a provider as floats: 17, as the user wrote it, not 17.0
        return f"got {json.dumps(value)}" if abs(value) < 1e16 else f"got {type_name(value)} of that size"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        hint = " (a quoted string: write it unquoted in the YAML)" if _looks_typed(value) else ""
        return f"got {json.dumps(shown)}{hint}"
    return f"got {type_name(value)}"


def got_opaque(value: Any) -> str:
    """:func:`got` for values that may be a credential in the wrong place: a string shows only its length."""
    if isinstance(value, str):
        return f"got a string of {len(value)} character{'' if len(value) == 1 else 's'}"
    return got(value)


def got_in_answer(value: Any) -> str:
    """:func:`got` for a value read from Agora's answer: a small integer is shown, anything else only by its
    type. An answer may come from something that is not Agora and may hold anything, storage keys included."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"got {value}" if abs(value) < 10**6 else f"got an integer of {len(str(abs(value)))} digits"
    return f"got {type_name(value)}"


def got_type(value: Any) -> str:
    """``got <type>``: for a value that must not be shown at all, whatever it is (a key read back)."""
    return f"got {type_name(value)}"


Shown = Callable[[Any], str]


def unknown_key(key: str, allowed: Sequence[str]) -> str:
    """The reason for a key that is not part of an object, with the closest allowed key as a suggestion."""
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key{hint} (allowed: {', '.join(allowed)})"


def unknown_property(key: str, allowed: Sequence[str]) -> str:
    """:func:`unknown_key` as a reason that reads on after the property's path (``colour is an unknown key``):
    a check failure reaches the user as ``<path> <reason>`` (see :mod:`agora_pulumi.engine_failures`)."""
    return f"is an {unknown_key(key, allowed)}"


# --- numbers ----------------------------------------------------------------------------------------------


def as_int(value: Any) -> Optional[int]:
    """A whole number, or ``None``. Integers arrive from the engine as floats (30.0): integral numbers are
    accepted, never booleans or strings, so one rule serves the engine and YAML config alike."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# --- identifiers ------------------------------------------------------------------------------------------

SEGMENT_WHAT: Mapping[str, str] = {"appId": "Agora App ID", "entryPoint": "entry point name"}

MAX_SEGMENT_LENGTH = 128
"""Longest App ID or entry point name accepted. Agora's App IDs are 32 hex characters; the bound keeps a pasted
blob out of the URL, where it would fail late (a 70,000-character App ID passed check and then broke the
engine's gRPC metadata) instead of at preview."""

_FORBIDDEN_IN_SEGMENT = frozenset("/\\?#%")


def _segment_char_ok(char: str) -> bool:
    # Separators (Z*) and every "other" category (C*: controls, format characters such as zero-width and
    # bidi marks or a BOM, private use, unassigned) are invisible or ambiguous in a URL and in a preview:
    # two names that look the same would be two settings.
    category = unicodedata.category(char)
    return char not in _FORBIDDEN_IN_SEGMENT and not category.startswith(("C", "Z")) and not char.isspace()


def segment(value: Any, key: str) -> tuple[Optional[str], Optional[str]]:
    """``(name, None)`` in its canonical form (NFC, see :func:`identity.canonical_name`), or ``(None, reason)``
    when ``value`` cannot be the ``key`` (``appId`` or ``entryPoint``) segment of Agora's URL path.

    Judged in NFC, the form every identity compares. An over-long value is described by its length only,
    never echoed. Otherwise the value is shown as JSON, which escapes non-ASCII (``"live\\u200b"``), so an
    invisible character becomes visible.

    An App ID may not hold ``:``: a set member's key and a fleet resource's name are ``api:appId/...`` for
    the current APIs and the bare ``appId/...`` for the seed one, so a seed App ID ``standard:app7`` would
    take the key of the standard setting of ``app7``. Agora's App IDs are 32 hex characters; none has one.
    """
    what = SEGMENT_WHAT[key]
    if not isinstance(value, str) or not value.strip():
        return None, f"must be a non-empty string (the {what}), {got(value)}"
    if len(value) > MAX_SEGMENT_LENGTH:
        return None, f"must be at most {MAX_SEGMENT_LENGTH} characters (the {what}), {got_opaque(value)}"
    name = canonical_name(value)
    if name in (".", ".."):
        # Dot-segments: requests removes them from the URL (RFC 3986), so the path sent would not be the path
        # signed, nor this setting's.
        return None, (
            f"{json.dumps(value)} cannot be part of Agora's URL path: '.' and '..' are removed from a URL by "
            f"HTTP clients, so the request would reach another path; choose another {what}"
        )
    if not all(_segment_char_ok(c) for c in name):
        return None, (
            f"{json.dumps(value)} cannot be part of Agora's URL path: remove whitespace, control characters, "
            "invisible characters (zero-width, bidi marks, BOM) and / \\ ? # %"
        )
    if key == "appId" and ":" in name:
        return None, (
            f"{json.dumps(value)} cannot be an Agora App ID: it holds ':' (Agora's App IDs are 32 hex "
            "characters; use the App ID shown in Agora Console)"
        )
    return name, None


# --- push region, interval, booleans ----------------------------------------------------------------------

_PUSH_REGIONS_TEXT = ", ".join(PUSH_REGIONS)
_PUSH_REGIONS_NAMED = ", ".join(PUSH_REGION_NAMES[r] for r in PUSH_REGIONS)


def push_region(value: Any) -> tuple[Optional[str], Optional[str]]:
    """``(region, None)`` lower-cased, or ``(None, reason)``. Case-insensitive: ``CN`` is ``cn``."""
    if isinstance(value, str) and value.strip().lower() in PUSH_REGIONS:
        return value.strip().lower(), None
    return None, f"must be a push region, one of {_PUSH_REGIONS_TEXT} ({_PUSH_REGIONS_NAMED}); {got(value)}"


def interval(value: Any, shown: Shown = got) -> tuple[Optional[int], Optional[str]]:
    """``(seconds, None)`` or ``(None, reason)``: a whole number in the doc's range. ``shown`` renders the
    offending value (:func:`got_in_answer` for Agora's answers)."""
    seconds = as_int(value)
    if seconds is not None and MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        return seconds, None
    return None, (
        f"must be a whole number of seconds in [{MIN_INTERVAL}, {MAX_INTERVAL}] (default {DEFAULT_INTERVAL}), "
        f"{shown(value)}"
    )


def boolean_problem(value: Any, shown: Shown = got) -> Optional[str]:
    return None if isinstance(value, bool) else f"must be true or false, {shown(value)}"


def string_problem(value: Any, shown: Shown = got_type) -> Optional[str]:
    """For a bucket or key read back from Agora: any string will do (judging it is Agora's business)."""
    return None if isinstance(value, str) else f"must be a string, {shown(value)}"


# --- storage ----------------------------------------------------------------------------------------------



def _table_label(catalog: StorageCatalog) -> str:
    """Seed messages stay as they always were; the current API's say which table they quote."""
    return "" if catalog is SEED_CATALOG else " (the current Media Broadcast API's table)"


def vendor(value: Any, catalog: StorageCatalog = SEED_CATALOG) -> tuple[Optional[int], Optional[str]]:
    """``(code, None)`` for a vendor of ``catalog``, or ``(None, reason)`` listing them."""
    code = as_int(value)
    for member in catalog.vendor_names:  # the catalog's own enum member (``Vendor.AZURE``), not a bare int
        if member == code:
            return member, None
    if catalog is SEED_CATALOG and code is not None and code in CURRENT_CATALOG.vendor_names:
        # The fleet says `api: custom` here; a program's SnapshotSetting gets the same advice.
        name = CURRENT_CATALOG.vendor_names[code]
        return None, (
            f"is {code} ({name}), a vendor only the current Media Broadcast API takes: use CustomSnapshotSetting "
            f"(api: custom in the fleet config or a set member); SnapshotSetting (api: legacy) takes "
            f"{catalog.describe_vendors()}"
        )
    return None, f"must be one of {catalog.describe_vendors()}; {got_opaque(value)}"


MAX_CODE = 2**31 - 1
"""Largest vendor or region code read back. Codes are small; past int32 a number is not a code (and a
400-digit one could not even become a protobuf number in state)."""


def code_problem(value: Any, shown: Shown = got_in_answer) -> Optional[str]:
    """For a vendor or region code read back from Agora: any whole number of sane size. Not the tables:
    a code Agora adds later must not make a refresh fail."""
    code = as_int(value)
    if code is not None and 0 <= code <= MAX_CODE:
        return None
    return f"must be a whole number from 0 to {MAX_CODE}, {shown(value)}"


def region_is_ignored(vendor_: int, catalog: StorageCatalog = SEED_CATALOG) -> bool:
    """Azure (and Google Cloud in the current API) take no region: "even if the region is set, it does not
    take effect"."""
    return vendor_ in catalog.vendors_without_region


def ignored_region_reason(vendor_: int, catalog: StorageCatalog = SEED_CATALOG) -> str:
    return f"must be left out: {catalog.vendor_names[vendor_]} takes no region and ignores one"


def storage_region(
    vendor_: int, value: Any, catalog: StorageCatalog = SEED_CATALOG
) -> tuple[Optional[int], Optional[str]]:
    """``(code, None)`` for a code in the vendor's table, or ``(None, reason)``. Not for region-less vendors."""
    code = as_int(value)
    if code is not None and code in catalog.storage_regions[vendor_]:
        return code, None
    return None, (
        f"must be a region code of {catalog.vendor_names[vendor_]}{_table_label(catalog)}: "
        f"{catalog.describe_regions(vendor_)}; {got_opaque(value)}"
    )


# Used with ``fullmatch`` only: ``match`` with "^...$" accepts a name followed by a newline.
_DNS_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]*[a-z0-9]")
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_COS_BUCKET = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-[0-9]+")
# S3 reserves these forms for its own features (IDN, access point aliases, Object Lambda and directory
# buckets); a bucket named so cannot be created, so Agora's uploads would fail.
_S3_RESERVED_PREFIXES = ("xn--", "sthree-")
_S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3")


# The current API's new vendors, by their own naming rules: (pattern, min length, max length, the rule in words).
_OTHER_BUCKET_RULES: Mapping[int, tuple[re.Pattern[str], int, int, str]] = {
    CurrentVendor.GOOGLE_CLOUD: (
        re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]"),
        3,
        63,
        "3-63 lowercase letters, digits, dots, hyphens and underscores, starting and ending with a letter or "
        "digit, not an IP address, not starting with 'goog' nor containing 'google'",
    ),
    CurrentVendor.HUAWEI_CLOUD: (
        re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]"),
        3,
        63,
        "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no "
        "'..', '.-' or '-.', not an IP address",
    ),
    CurrentVendor.BAIDU_CLOUD: (
        re.compile(r"[a-z0-9][a-z0-9-]*[a-z0-9]"),
        4,
        63,
        "4-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    ),
}


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def bucket_problem(
    vendor_: Optional[int], bucket: Any, catalog: StorageCatalog = SEED_CATALOG
) -> Optional[str]:
    """Why ``bucket`` breaks the vendor's naming rules, or ``None``. The doc defers to each vendor's rules;
    without a valid vendor only emptiness can be judged.

    The reason does not repeat the value: a "bucket" that breaks the rules may be a key pasted into the
    wrong field.
    """
    if not isinstance(bucket, str) or not bucket.strip():
        return f"must be a non-empty bucket name, {got_opaque(bucket)}"
    if vendor_ is None:
        return None
    name = catalog.vendor_names[vendor_]
    if vendor_ in _OTHER_BUCKET_RULES:
        pattern, low, high, words = _OTHER_BUCKET_RULES[vendor_]
        ok = low <= len(bucket) <= high and pattern.fullmatch(bucket) is not None and not _is_ip(bucket)
        if vendor_ == CurrentVendor.GOOGLE_CLOUD:
            ok = ok and not bucket.startswith("goog") and "google" not in bucket
        if vendor_ == CurrentVendor.HUAWEI_CLOUD:
            ok = ok and ".." not in bucket and ".-" not in bucket and "-." not in bucket
        return None if ok else f"is not a valid {name} bucket name: {words}"
    if vendor_ == Vendor.TENCENT:
        if not (1 <= len(bucket) <= 60) or not _COS_BUCKET.fullmatch(bucket):
            return (
                f"is not a valid {name} bucket name: use the full name '<name>-<APPID>' "
                "(lowercase letters, digits and hyphens, e.g. 'snapshots-1250000000'), at most 60 characters"
            )
        return None
    if vendor_ == Vendor.AMAZON_S3:
        ok = (
            3 <= len(bucket) <= 63
            and _S3_BUCKET.fullmatch(bucket) is not None
            and ".." not in bucket
            and not _is_ip(bucket)
            and not bucket.startswith(_S3_RESERVED_PREFIXES)
            and not bucket.endswith(_S3_RESERVED_SUFFIXES)
        )
        if not ok:
            return (
                f"is not a valid {name} bucket name: 3-63 lowercase letters, digits, dots and hyphens, "
                "starting and ending with a letter or digit, not an IP address, no '..', not starting with "
                "'xn--' or 'sthree-', not ending with '-s3alias', '--ol-s3' or '--x-s3'"
            )
        return None
    ok = 3 <= len(bucket) <= 63 and _DNS_BUCKET.fullmatch(bucket) is not None
    if ok and vendor_ == Vendor.AZURE and "--" in bucket:
        ok = False
    if ok and vendor_ == Vendor.KINGSOFT and _is_ip(bucket):
        ok = False
    if not ok:
        extra = ", no consecutive hyphens" if vendor_ == Vendor.AZURE else ""
        return (
            f"is not a valid {name} bucket name: 3-63 lowercase letters, digits and hyphens, "
            f"starting and ending with a letter or digit{extra}"
        )
    return None


def key_problem(value: Any) -> Optional[str]:
    """Why a storage key is unusable, or ``None``. Never echoes the value: it may be a real key."""
    if value is None:
        return "is required"
    if value == "":
        return "must be a non-empty string"
    if not isinstance(value, str):
        return f"must be a non-empty string ({type_name(value)} given)"
    if value != value.strip():
        return "has leading or trailing whitespace (a copy/paste slip?): trim it"
    return None
