"""Hostile input, as a user would meet it: names and values that look valid but are not, through the SDK's real
gRPC server (``check``), the fleet config parser (``parse_fleet``) and refresh against a stand-in Agora.

Every assertion is about what the user sees: which property a check failure names, its message, the fleet's
error lines.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import grpc
import pytest

from agora_pulumi.fleet import FleetConfigError, parse_fleet
from agora_pulumi.model import check_props, setting_from_props
from agora_pulumi.regions import Vendor
from agora_pulumi.testing.check_lines import engine_lines, said
from agora_pulumi.testing.engine import ProviderServer
from tests.support import StandInHandler, clean_env, setting_inputs, stack_config, stand_in

AK, SK = "AKIA-HOSTILE-ACCESS", "HOSTILE-SECRET-KEY-VALUE"


@pytest.fixture(scope="module")
def checker() -> Iterator[ProviderServer]:
    """One provider process for the check tests: ``check`` makes no request, so the endpoint is never used."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config("http://127.0.0.1:9"))
        yield srv


def check_failures(server: ProviderServer, **overrides: Any) -> dict[str, str]:
    news = setting_inputs(**overrides)
    _, failures = server.check(news)
    return said(news, failures)


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
    news = setting_inputs(**{prop: huge})
    _, failures = checker.check(news)
    reasons = said(news, failures)
    assert list(reasons) == [prop]
    reason = reasons[prop]
    assert "at most 128 characters" in reason and "70000" in reason
    assert "a" * 200 not in reason and len(reason) < 200
    assert all("a" * 200 not in line for line in engine_lines(news, failures))  # nor the engine's own echo


@pytest.mark.parametrize("prop", ["appId", "entryPoint"])
def test_128_characters_pass_and_129_do_not(checker: ProviderServer, prop: str) -> None:
    assert check_failures(checker, **{prop: "a" * 128}) == {}
    assert list(check_failures(checker, **{prop: "a" * 129})) == [prop]


@pytest.mark.parametrize("char", list(INVISIBLE.values()), ids=list(INVISIBLE))
@pytest.mark.parametrize("prop", ["appId", "entryPoint"])
def test_invisible_and_bidi_characters_are_refused_at_check(checker: ProviderServer, prop: str, char: str) -> None:
    news = setting_inputs(**{prop: f"live{char}cn"})
    _, failures = checker.check(news)
    reasons = said(news, failures)
    assert list(reasons) == [prop]
    reason = reasons[prop]
    assert "cannot be part of Agora's URL path" in reason and "invisible characters" in reason
    # Shown escaped ("\u200b"), so the user can see what to remove; not raw in the engine's line either.
    assert all(char not in line for line in engine_lines(news, failures))
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


# --- D: refresh against an "Agora" that answers with the wrong types --------------------------------------

LEAKY_KEY = "AKIA-LEAKED-BY-A-HOSTILE-ANSWER"
DEEP = 100_000

HOSTILE_BODIES: dict[str, bytes] = {
    "good": json.dumps(
        {
            "enabled": True, "snapshotInterval": 30, "enableModeration": True, "futureField": [1],
            "storageConfig": {"vendor": 2, "region": 3, "bucket": "snapshots", "accessKey": "AK***01", "secretKey": None},
        }
    ).encode(),
    "nulls": json.dumps(
        {
            "enabled": None, "snapshotInterval": None, "enableModeration": None,
            "storageConfig": {"vendor": 2, "region": None, "bucket": None, "accessKey": None, "secretKey": None},
        }
    ).encode(),
    "enabled-string": json.dumps({"enabled": "false", "snapshotInterval": 30}).encode(),
    "moderation-number": json.dumps({"enabled": True, "enableModeration": 1}).encode(),
    "interval-string": json.dumps({"enabled": True, "snapshotInterval": "abc"}).encode(),
    "interval-object": json.dumps({"enabled": True, "snapshotInterval": {}}).encode(),
    "interval-huge": b'{"enabled": true, "snapshotInterval": ' + b"9" * 400 + b"}",
    "interval-out-of-range": json.dumps({"enabled": True, "snapshotInterval": 3}).encode(),
    "interval-fraction": json.dumps({"enabled": True, "snapshotInterval": 30.5}).encode(),
    "storage-string": json.dumps({"enabled": True, "storageConfig": LEAKY_KEY}).encode(),
    "vendor-string": json.dumps({"enabled": True, "storageConfig": {"vendor": "2", "region": 3}}).encode(),
    "region-huge": b'{"enabled": true, "storageConfig": {"vendor": 2, "region": 1' + b"0" * 400 + b"}}",
    "bucket-list": json.dumps(
        {"enabled": True, "storageConfig": {"vendor": 2, "region": 3, "bucket": [LEAKY_KEY], "accessKey": LEAKY_KEY}}
    ).encode(),
    "key-number": json.dumps({"enabled": True, "storageConfig": {"vendor": 2, "accessKey": LEAKY_KEY, "secretKey": 7}}).encode(),
    "deep": b'{"enabled": true, "futureField": ' + b"[" * DEEP + b"]" * DEEP + b"}",
}


class HostileAgora(StandInHandler):
    """Answers every GET with the fixed body named by the entry point in the path (HTTP 200, JSON type)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.answer(200, HOSTILE_BODIES[self.path.split("/")[6]])


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[ProviderServer]:
    """A provider process whose agora:endpoint is the hostile stand-in."""
    with stand_in(HostileAgora) as url, ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(url))
        yield srv


def state_before(entry_point: str) -> tuple[str, dict[str, Any]]:
    """The id and state an earlier `pulumi up` recorded (storage included)."""
    inputs, failures = check_props(setting_inputs(entryPoint=entry_point, snapshotInterval=30.0))
    assert failures == []
    setting = setting_from_props(inputs)
    return setting.id, setting.to_state()


def refresh_error(server: ProviderServer, entry_point: str) -> str:
    """The last line of the error a refresh shows (the SDK prints a traceback above it)."""
    id_, state = state_before(entry_point)
    with pytest.raises(grpc.RpcError) as err:
        server.read(id_, state)
    details: str = err.value.details()
    assert LEAKY_KEY not in details and "SK-test-0001" not in details and "AK-test-0001" not in details
    for raw in ("OverflowError", "RecursionError", "TypeError", "KeyError"):
        assert raw not in details, details
    last = details.strip().splitlines()[-1]
    return last.removeprefix("agora_pulumi.operations.SnapshotSettingError: ")


@pytest.mark.parametrize("entry_point", ["good", "nulls"])
def test_a_well_formed_answer_still_refreshes(hostile_server: ProviderServer, entry_point: str) -> None:
    """Unknown fields are ignored; null fields and masked keys keep their state values, as missing ones do."""
    id_, state = state_before(entry_point)
    read_id, outs, _ = hostile_server.read(id_, state)
    assert read_id == id_
    outs = {k: v for k, v in outs.items() if k != "__provider"}
    assert outs == state


@pytest.mark.parametrize(
    ("entry_point", "problem"),
    [
        ("enabled-string", "enabled must be true or false, got a string"),
        ("moderation-number", "enableModeration must be true or false, got 1"),
        ("interval-string", "snapshotInterval must be a whole number of seconds in [5, 300] (default 10), got a string"),
        ("interval-object", "snapshotInterval must be a whole number of seconds in [5, 300] (default 10), got an object"),
        ("interval-huge", "snapshotInterval must be a whole number of seconds in [5, 300] (default 10), got an integer of 400 digits"),
        ("interval-out-of-range", "snapshotInterval must be a whole number of seconds in [5, 300] (default 10), got 3"),
        ("interval-fraction", "snapshotInterval must be a whole number of seconds in [5, 300] (default 10), got a number"),
        ("storage-string", "storageConfig must be an object or null, got a string"),
        ("vendor-string", "storageConfig.vendor must be a whole number from 0 to 2147483647, got a string"),
        ("region-huge", "storageConfig.region must be a whole number from 0 to 2147483647, got an integer of 401 digits"),
        ("bucket-list", "storageConfig.bucket must be a string, got a list"),
        ("key-number", "storageConfig.secretKey must be a string, got an integer"),
    ],
)
def test_a_wrong_typed_answer_fails_refresh_naming_the_field(
    hostile_server: ProviderServer, entry_point: str, problem: str
) -> None:
    id_, _ = state_before(entry_point)
    line = refresh_error(hostile_server, entry_point)
    assert line.startswith(f"Reading snapshot setting {id_} failed: Agora's answer is not valid: {problem}. "), line
    assert "agora:endpoint" in line and "state is unchanged" in line


def test_a_deeply_nested_answer_fails_refresh_with_a_clear_error(hostile_server: ProviderServer) -> None:
    id_, _ = state_before("deep")
    line = refresh_error(hostile_server, "deep")
    assert line.startswith(f"Reading snapshot setting {id_} failed")
    assert "not" in line and "JSON" in line
