"""Hostile input, as a user would meet it: names and values that look valid but are not, through the SDK's real
gRPC server (``check``), the fleet config parser (``parse_fleet``) and refresh against a stand-in Agora.

Every assertion is about what the user sees: which property a check failure names, its message, the fleet's
error lines.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest

from agora_pulumi.fleet import FleetConfigError, parse_fleet
from agora_pulumi.regions import Vendor
from agora_pulumi.testing.engine import ProviderServer
from tests.support import clean_env, setting_inputs, stack_config

AK, SK = "AKIA-HOSTILE-ACCESS", "HOSTILE-SECRET-KEY-VALUE"


@pytest.fixture(scope="module")
def checker() -> Iterator[ProviderServer]:
    """One provider process for the check tests: ``check`` makes no request, so the endpoint is never used."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config("http://127.0.0.1:9"))
        yield srv


def check_failures(server: ProviderServer, **overrides: Any) -> dict[str, str]:
    _, failures = server.check(setting_inputs(**overrides))
    return dict(failures)


def storage(vendor: Vendor, bucket: str) -> dict[str, Any]:
    """A storage config valid in every field but (possibly) the bucket; numbers as floats, as on the wire."""
    region = {Vendor.AZURE: None, Vendor.TENCENT: 2.0, Vendor.AMAZON_S3: 0.0}.get(vendor, 0.0)
    out: dict[str, Any] = {"vendor": float(vendor), "bucket": bucket, "accessKey": AK, "secretKey": SK}
    if region is not None:
        out["region"] = region
    return out


def fleet_errors(profiles: dict[str, Any], entry_points: Any = ("live",), regions: Any = ("cn",)) -> list[str]:
    """The error lines of a fleet whose one entry point uses no storage: only the profiles are judged."""
    with pytest.raises(FleetConfigError) as info:
        parse_fleet({"appId": "app", "regions": list(regions)}, copy.deepcopy(profiles), list(entry_points))
    return info.value.errors


def profile(vendor: Vendor, bucket: str) -> dict[str, Any]:
    out = storage(vendor, bucket)
    out["vendor"] = int(vendor)
    if "region" in out:
        out["region"] = int(out["region"])
    return out


# --- A: bucket names must match in full -------------------------------------------------------------------

VALID_BUCKETS = {
    Vendor.QINIU: "snapshots",
    Vendor.AMAZON_S3: "snapshots",
    Vendor.ALIYUN: "snapshots",
    Vendor.TENCENT: "snapshots-1250000000",
    Vendor.KINGSOFT: "snapshots",
    Vendor.AZURE: "snapshots",
}


@pytest.mark.parametrize("vendor", list(Vendor), ids=lambda v: v.name.lower())
def test_check_refuses_a_bucket_with_a_trailing_newline(checker: ProviderServer, vendor: Vendor) -> None:
    good = VALID_BUCKETS[vendor]
    assert check_failures(checker, storageConfig=storage(vendor, good)) == {}
    reasons = check_failures(checker, storageConfig=storage(vendor, good + "\n"))
    assert list(reasons) == ["storageConfig.bucket"]
    assert "is not a valid" in reasons["storageConfig.bucket"] and "bucket name" in reasons["storageConfig.bucket"]


@pytest.mark.parametrize("vendor", list(Vendor), ids=lambda v: v.name.lower())
def test_fleet_refuses_a_profile_bucket_with_a_trailing_newline(vendor: Vendor) -> None:
    found = fleet_errors({"p": profile(vendor, VALID_BUCKETS[vendor] + "\n")})
    assert len(found) == 1 and found[0].startswith("storageProfiles.p.bucket: is not a valid ")


# --- B: S3's reserved bucket forms ----------------------------------------------------------------------

S3_RESERVED = {
    "sthree-snapshots": "'sthree-'",
    "sthree-configurator": "'sthree-'",
    "snapshots--ol-s3": "'--ol-s3'",
    "snapshots--x-s3": "'--x-s3'",
    "xn--snapshots": "'xn--'",
    "snapshots-s3alias": "'-s3alias'",
}


@pytest.mark.parametrize("bucket", sorted(S3_RESERVED))
def test_check_refuses_s3_reserved_bucket_forms_and_names_them(checker: ProviderServer, bucket: str) -> None:
    reasons = check_failures(checker, storageConfig=storage(Vendor.AMAZON_S3, bucket))
    assert list(reasons) == ["storageConfig.bucket"]
    reason = reasons["storageConfig.bucket"]
    assert reason.startswith("is not a valid Amazon S3 bucket name")
    assert S3_RESERVED[bucket] in reason
    assert bucket not in reason  # a bucket may be a key in the wrong field: never echoed


@pytest.mark.parametrize("bucket", sorted(S3_RESERVED))
def test_fleet_refuses_s3_reserved_bucket_forms(bucket: str) -> None:
    [line] = fleet_errors({"s3": profile(Vendor.AMAZON_S3, bucket)})
    assert line.startswith("storageProfiles.s3.bucket: is not a valid Amazon S3 bucket name")
    assert S3_RESERVED[bucket] in line


@pytest.mark.parametrize("bucket", ["sthree", "my-sthree-bucket", "snapshots-ol-s3", "snapshots-x-s3"])
def test_names_that_only_resemble_the_reserved_forms_stay_valid(checker: ProviderServer, bucket: str) -> None:
    assert check_failures(checker, storageConfig=storage(Vendor.AMAZON_S3, bucket)) == {}


# --- C: App IDs and entry point names: bounded, and nothing invisible -----------------------------------

INVISIBLE = {
    "zero-width space": "\u200b",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "word joiner": "\u2060",
    "private use": "\ue000",
    "no-break space": "\u00a0",
    "line separator": "\u2028",
}


@pytest.mark.parametrize("prop", ["appId", "entryPoint"])
def test_a_70k_identifier_is_refused_at_check_without_echoing_it(checker: ProviderServer, prop: str) -> None:
    huge = "a" * 70_000
    reasons = check_failures(checker, **{prop: huge})
    assert list(reasons) == [prop]
    reason = reasons[prop]
    assert "at most 128 characters" in reason and "70000" in reason
    assert "a" * 200 not in reason and len(reason) < 200


@pytest.mark.parametrize("prop", ["appId", "entryPoint"])
def test_128_characters_pass_and_129_do_not(checker: ProviderServer, prop: str) -> None:
    assert check_failures(checker, **{prop: "a" * 128}) == {}
    assert list(check_failures(checker, **{prop: "a" * 129})) == [prop]


@pytest.mark.parametrize("char", list(INVISIBLE.values()), ids=list(INVISIBLE))
@pytest.mark.parametrize("prop", ["appId", "entryPoint"])
def test_invisible_and_bidi_characters_are_refused_at_check(checker: ProviderServer, prop: str, char: str) -> None:
    reasons = check_failures(checker, **{prop: f"live{char}cn"})
    assert list(reasons) == [prop]
    reason = reasons[prop]
    assert "cannot be part of Agora's URL path" in reason and "invisible characters" in reason
    assert char not in reason  # shown escaped ("\u200b"), so the user can see what to remove
    assert f"\\u{ord(char):04x}" in reason


def test_visible_non_ascii_names_stay_valid(checker: ProviderServer) -> None:
    assert check_failures(checker, entryPoint="直播-é") == {}


@pytest.mark.parametrize("char", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_fleet_refuses_invisible_characters_in_names(char: str) -> None:
    [line] = fleet_errors({}, entry_points=[f"live{char}"])
    assert line.startswith("entryPoints[0].name: ") and "invisible characters" in line


def test_fleet_refuses_an_over_long_app_id_once_without_echoing_it() -> None:
    with pytest.raises(FleetConfigError) as info:
        parse_fleet({"appId": "f" * 70_000, "regions": ["cn"]}, None, ["live", "webinar"])
    assert info.value.errors == [
        "defaults.appId: must be at most 128 characters (the Agora App ID), got a string of 70000 characters"
    ]
