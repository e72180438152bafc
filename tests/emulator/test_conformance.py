"""The API contract of the doc, checked over real HTTP against both emulator modes (see ``emu``)."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Union

import pytest
import requests

from agora_pulumi.regions import PUSH_REGIONS, STORAGE_REGIONS, Vendor
from agora_pulumi.testing.emulator import EmulatorHandle

from .support import APP, CREDS, DOC_EXAMPLE, ENTRY, OTHER_ENTRY, basic, new_session, settings_path

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def url(emu: EmulatorHandle, *args: str) -> str:
    return emu.url + settings_path(*args)


def assert_error(response: requests.Response, status: int) -> Dict[str, Any]:
    """An error response: the status, a JSON ``{"message", "requestId"}`` body echoing ``X-Request-Id``."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body: Dict[str, Any] = response.json()
    assert isinstance(body["message"], str) and body["message"]
    assert body["requestId"] == response.headers["X-Request-Id"]
    return body


# ------------------------------------------------------------------------------------------- GET & shape


def test_get_never_configured_returns_documented_defaults(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    response = http.get(url(emu))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"enabled": False, "enableModeration": False, "snapshotInterval": 10}
    assert emu.stored(APP, ENTRY, "cn") is None, "a GET must not create a setting"


def test_patch_doc_example_then_get_returns_it_in_doc_shape(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    patch = http.patch(url(emu), json=DOC_EXAMPLE)
    assert patch.status_code == 200
    assert patch.content == b""
    assert patch.headers["Content-Length"] == "0"
    got = http.get(url(emu))
    assert got.status_code == 200
    body = got.json()
    assert body == DOC_EXAMPLE
    assert list(body) == ["enabled", "enableModeration", "snapshotInterval", "storageConfig"]
    assert list(body["storageConfig"]) == ["accessKey", "bucket", "region", "secretKey", "vendor"]
    assert emu.stored(APP, ENTRY, "cn") == DOC_EXAMPLE


def test_storage_config_absent_until_set(emu: EmulatorHandle, http: requests.Session) -> None:
    assert http.patch(url(emu), json={"enabled": True}).status_code == 200
    assert http.get(url(emu)).json() == {"enabled": True, "enableModeration": False, "snapshotInterval": 10}


# ---------------------------------------------------------------------------------------------------- auth

BAD_AUTH = {
    "missing": None,
    "wrong-secret": basic(CREDS[0], "wrong"),
    "wrong-id": basic("someone-else", CREDS[1]),
    "bearer": "Bearer " + CREDS[1],
    "not-base64": "Basic not*base64!",
    "no-colon": "Basic " + "ZGVtby1jdXN0b21lci1pZA==",
    "empty-token": "Basic ",
    "secret-as-plain-text": f"Basic {CREDS[0]}:{CREDS[1]}",
}


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("case", sorted(BAD_AUTH))
def test_bad_or_missing_auth_is_401_and_not_applied(emu: EmulatorHandle, method: str, case: str) -> None:
    header = BAD_AUTH[case]
    session = new_session(auth=None)
    headers = {} if header is None else {"Authorization": header}
    response = session.request(method, url(emu), headers=headers, json={"enabled": True})
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert emu.stored(APP, ENTRY, "cn") is None
    logged = emu.api_requests()[-1]
    assert logged["auth"] == ("missing" if case in ("missing",) else "bad")
    assert logged["status"] == 401


def test_auth_scheme_is_case_insensitive(emu: EmulatorHandle) -> None:
    header = basic(*CREDS).replace("Basic", "basic")
    response = new_session(auth=None).get(url(emu), headers={"Authorization": header})
    assert response.status_code == 200


def test_custom_credentials_replace_the_demo_pair() -> None:
    from agora_pulumi.testing.emulator import running_emulator

    with running_emulator(customer_id="cid", customer_secret="csecret") as emu:
        assert new_session(auth=("cid", "csecret")).get(url(emu)).status_code == 200
        assert new_session(auth=CREDS).get(url(emu)).status_code == 401


def test_auth_is_checked_before_routing(emu: EmulatorHandle, http: requests.Session) -> None:
    assert_error(new_session(auth=None).get(emu.url + "/v1/no/such/path"), 401)
    assert_error(http.get(emu.url + "/v1/no/such/path"), 404)


# ---------------------------------------------------------------------------------------------- path rules


@pytest.mark.parametrize("region", PUSH_REGIONS)
def test_each_push_region_is_its_own_setting(
    emu: EmulatorHandle, http: requests.Session, region: str
) -> None:
    assert (
        http.patch(url(emu, APP, ENTRY, region), json={"enabled": True, "snapshotInterval": 42}).status_code
        == 200
    )
    assert http.get(url(emu, APP, ENTRY, region)).json()["snapshotInterval"] == 42
    for other in PUSH_REGIONS:
        if other != region:
            assert emu.stored(APP, ENTRY, other) is None


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("region", ["CN", "Cn", "us", "cn ", "xx", "cn%2F", "", "%20", "chn", "cn.", "ｃｎ"])
def test_region_outside_cn_ap_na_eu_is_400(
    emu: EmulatorHandle, http: requests.Session, method: str, region: str
) -> None:
    response = http.request(method, url(emu, APP, ENTRY, region), json={"enabled": True})
    body = assert_error(response, 400)
    assert "region" in body["message"]


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize(
    ("appid", "entry_point", "word"),
    [("", ENTRY, "appid"), (APP, "", "entry_point"), ("%20", ENTRY, "appid"), (APP, "%20%20", "entry_point")],
)
def test_empty_appid_or_entry_point_is_400(
    emu: EmulatorHandle, http: requests.Session, method: str, appid: str, entry_point: str, word: str
) -> None:
    response = http.request(method, url(emu, appid, entry_point, "cn"), json={"enabled": True})
    body = assert_error(response, 400)
    assert word in body["message"] and "empty" in body["message"]


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize(("appid", "entry_point"), [(APP, "nope"), ("f" * 32, ENTRY), (APP, "LIVE")])
def test_unknown_entry_point_is_404(
    emu: EmulatorHandle, http: requests.Session, method: str, appid: str, entry_point: str
) -> None:
    response = http.request(method, url(emu, appid, entry_point, "cn"), json={"enabled": True})
    body = assert_error(response, 404)
    assert "entry point" in body["message"]
    assert emu.stored(appid, entry_point, "cn") is None


def test_every_configured_entry_point_exists(emu: EmulatorHandle, http: requests.Session) -> None:
    for entry_point in (ENTRY, OTHER_ENTRY):
        assert http.get(url(emu, APP, entry_point, "eu")).status_code == 200


def test_without_entry_point_flags_every_entry_point_exists(
    open_emu: EmulatorHandle, http: requests.Session
) -> None:
    for appid, entry_point in [("any-app", "any-entry"), (APP, "whatever_1"), ("x", "y.z")]:
        assert http.patch(url(open_emu, appid, entry_point, "na"), json={"enabled": True}).status_code == 200
        assert open_emu.stored(appid, entry_point, "na") is not None


UNKNOWN_PATHS = [
    "/",
    "/v1",
    "/v1/projects",
    f"/v1/projects/{APP}",
    f"/v1/projects/{APP}/fls/entry_points/{ENTRY}",
    f"/v1/projects/{APP}/fls/entry_points/{ENTRY}/settings/snapshot/regions",
    f"/v1/projects/{APP}/fls/entry_points/{ENTRY}/settings/snapshot/regions/cn/",
    f"/v1/projects/{APP}/fls/entry_points/{ENTRY}/settings/snapshot/regions/cn/extra",
    f"/v2/projects/{APP}/fls/entry_points/{ENTRY}/settings/snapshot/regions/cn",
    f"/v1/projects/{APP}/fls/entry_points/{ENTRY}/settings/recording/regions/cn",
    f"//v1/projects/{APP}/fls/entry_points/{ENTRY}/settings/snapshot/regions/cn",
    "/_emulatorx",
]


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_any_other_path_is_404(emu: EmulatorHandle, http: requests.Session, path: str, method: str) -> None:
    assert_error(http.request(method, emu.url + path, json={"enabled": True}), 404)


def test_query_string_is_ignored(emu: EmulatorHandle, http: requests.Session) -> None:
    assert http.patch(url(emu) + "?foo=bar", json={"enabled": True}).status_code == 200
    assert http.get(url(emu) + "?x=1").json()["enabled"] is True


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "OPTIONS", "HEAD", "TRACE", "CONNECTX", "FOO"])
def test_other_methods_are_405_with_allow(emu: EmulatorHandle, http: requests.Session, method: str) -> None:
    response = http.request(method, url(emu), json={"enabled": True})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, PATCH"
    assert REQUEST_ID.match(response.headers["X-Request-Id"])
    if method != "HEAD":
        assert_error(response, 405)
    else:
        assert response.content == b""
    assert emu.stored(APP, ENTRY, "cn") is None


# ---------------------------------------------------------------------------------------------- body rules

Body = Union[bytes, Dict[str, Any], List[Any], str, int]

S3 = {"vendor": 1, "region": 0, "bucket": "b", "accessKey": "ak", "secretKey": "sk"}


def with_storage(**changes: Any) -> Dict[str, Any]:
    storage: Dict[str, Any] = {**S3, **changes}
    for key in [k for k, v in changes.items() if v is ...]:
        del storage[key]
    return {"enabled": True, "storageConfig": storage}


INVALID_BODIES: Dict[str, Body] = {
    "missing-enabled": {"snapshotInterval": 30},
    "only-moderation": {"enableModeration": True},
    "empty-object": {},
    "enabled-string-true": {"enabled": "true"},
    "enabled-int": {"enabled": 1},
    "enabled-null": {"enabled": None},
    "enabled-list": {"enabled": [True]},
    "interval-float-30.0": b'{"enabled": true, "snapshotInterval": 30.0}',
    "interval-exponent": b'{"enabled": true, "snapshotInterval": 3e1}',
    "interval-bool": {"enabled": True, "snapshotInterval": True},
    "interval-string": {"enabled": True, "snapshotInterval": "30"},
    "interval-null": {"enabled": True, "snapshotInterval": None},
    "interval-4": {"enabled": True, "snapshotInterval": 4},
    "interval-301": {"enabled": True, "snapshotInterval": 301},
    "interval-0": {"enabled": True, "snapshotInterval": 0},
    "interval-negative": {"enabled": True, "snapshotInterval": -10},
    "interval-huge": {"enabled": True, "snapshotInterval": 10**30},
    "moderation-string": {"enabled": True, "enableModeration": "false"},
    "moderation-int": {"enabled": True, "enableModeration": 0},
    "unknown-field": {"enabled": True, "foo": 1},
    "wrong-case-field": {"Enabled": True},
    "snake-case-field": {"enabled": True, "snapshot_interval": 10},
    "storage-null": {"enabled": True, "storageConfig": None},
    "storage-list": {"enabled": True, "storageConfig": []},
    "storage-string": {"enabled": True, "storageConfig": "s3"},
    "storage-unknown-field": with_storage(endpoint="x"),
    "vendor-6": with_storage(vendor=6),
    "vendor-negative": with_storage(vendor=-1),
    "vendor-string": with_storage(vendor="1"),
    "vendor-bool": with_storage(vendor=True),
    "vendor-float": b'{"enabled": true, "storageConfig": {"vendor": 1.0, "region": 0, "bucket": "b",'
    b' "accessKey": "a", "secretKey": "s"}}',
    "vendor-missing": with_storage(vendor=...),
    "region-missing": with_storage(region=...),
    "region-string": with_storage(region="0"),
    "region-null": with_storage(region=None),
    "region-bool": with_storage(region=False),
    "region-s3-18-gap": with_storage(region=18),
    "region-s3-19-gap": with_storage(region=19),
    "region-s3-24": with_storage(region=24),
    "region-negative": with_storage(region=-1),
    "azure-region-string": with_storage(vendor=5, region="westeurope"),
    "bucket-missing": with_storage(bucket=...),
    "bucket-number": with_storage(bucket=123),
    "bucket-empty": with_storage(bucket=""),
    "access-key-missing": with_storage(accessKey=...),
    "access-key-null": with_storage(accessKey=None),
    "secret-key-missing": with_storage(secretKey=...),
    "secret-key-number": with_storage(secretKey=42),
    "secret-key-blank": with_storage(secretKey="   "),
    "malformed-truncated": b'{"enabled": true',
    "malformed-trailing-comma": b'{"enabled": true,}',
    "malformed-single-quotes": b"{'enabled': true}",
    "malformed-text": b"enabled=true",
    "empty-body": b"",
    "whitespace-body": b"   \n",
    "json-null": b"null",
    "top-level-array": [{"enabled": True}],
    "top-level-string": "enabled",
    "top-level-number": 1,
    "nan": b'{"enabled": true, "snapshotInterval": NaN}',
    "infinity": b'{"enabled": true, "snapshotInterval": Infinity}',
    "duplicate-key": b'{"enabled": true, "enabled": false}',
    "bad-utf8": b'{"enabled": true, "storageConfig": {"bucket": "\xff\xfe"}}',
    "utf8-bom": b'\xef\xbb\xbf{"enabled": true}',
    "deeply-nested": b'{"enabled": true, "storageConfig": ' + b"[" * 20000 + b"]" * 20000 + b"}",
}


# What the 400 message must mention, so each case fails for the reason it was written for.
REASON = {
    "access-key": "storageConfig.accessKey",
    "azure-region": "storageConfig.region",
    "bad-utf8": "UTF-8",
    "bucket": "storageConfig.bucket",
    "deeply-nested": "JSON",
    "duplicate-key": "duplicate",
    "empty-body": "empty",
    "empty-object": "'enabled' is required",
    "enabled": "'enabled'",
    "infinity": "JSON",
    "interval": "'snapshotInterval'",
    "json-null": "object",
    "malformed": "not valid JSON",
    "missing-enabled": "'enabled' is required",
    "moderation": "'enableModeration'",
    "nan": "JSON",
    "only-moderation": "'enabled' is required",
    "region": "storageConfig.region",
    "secret-key": "storageConfig.secretKey",
    "snake-case-field": "unknown field 'snapshot_interval'",
    "storage-unknown-field": "unknown field 'storageConfig.endpoint'",
    "storage": "'storageConfig'",
    "top-level": "object",
    "unknown-field": "unknown field 'foo'",
    "utf8-bom": "byte order mark",
    "vendor": "storageConfig.vendor",
    "whitespace-body": "empty",
    "wrong-case-field": "unknown field 'Enabled'",
}


def reason(case: str) -> str:
    """The longest REASON key that prefixes the case name."""
    return REASON[max((k for k in REASON if case.startswith(k)), key=len)]


def send(session: requests.Session, target: str, body: Body) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return session.patch(target, data=data, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("case", sorted(INVALID_BODIES))
def test_invalid_patch_body_is_400_and_not_applied(
    emu: EmulatorHandle, http: requests.Session, case: str
) -> None:
    assert http.patch(url(emu), json={"enabled": True, "snapshotInterval": 77}).status_code == 200
    before = emu.stored(APP, ENTRY, "cn")
    body = assert_error(send(http, url(emu), INVALID_BODIES[case]), 400)
    assert reason(case) in body["message"]
    assert emu.stored(APP, ENTRY, "cn") == before
    assert http.get(url(emu)).status_code == 200, "the emulator must keep serving"


def test_error_message_names_the_field_and_rule(emu: EmulatorHandle, http: requests.Session) -> None:
    def message(body: Body) -> str:
        return str(send(http, url(emu), body).json()["message"])

    assert "snapshotInterval" in message({"enabled": True, "snapshotInterval": 301})
    assert "300" in message({"enabled": True, "snapshotInterval": 301})
    assert "integer" in message(INVALID_BODIES["interval-float-30.0"])
    assert "boolean" in message({"enabled": "true"})
    assert "foo" in message({"enabled": True, "foo": 1})
    assert "storageConfig.region" in message(with_storage(region=18))


VALID_BODIES: Dict[str, Dict[str, Any]] = {
    "minimal": {"enabled": True},
    "disabled": {"enabled": False},
    "interval-min": {"enabled": True, "snapshotInterval": 5},
    "interval-max": {"enabled": True, "snapshotInterval": 300},
    "moderation": {"enabled": True, "enableModeration": True},
    "doc-example": DOC_EXAMPLE,
    "azure-without-region": with_storage(vendor=5, region=...),
    "azure-region-ignored-but-kept": with_storage(vendor=5, region=99),
    "unicode-bucket": with_storage(bucket="bücket-名"),
}


@pytest.mark.parametrize("case", sorted(VALID_BODIES))
def test_valid_patch_body_is_200_and_stored(emu: EmulatorHandle, http: requests.Session, case: str) -> None:
    body = VALID_BODIES[case]
    response = http.patch(url(emu), json=body)
    assert response.status_code == 200, response.text
    assert response.content == b""
    stored = http.get(url(emu)).json()
    for key, value in body.items():
        assert stored[key] == value
    assert emu.stored(APP, ENTRY, "cn") == stored


def test_storage_region_must_be_in_the_vendors_table(emu: EmulatorHandle, http: requests.Session) -> None:
    """Every code of every vendor table (from agora_pulumi.regions) is accepted, and every other code near the
    table is refused; Azure accepts any integer."""
    for vendor, table in STORAGE_REGIONS.items():
        for code in range(-1, 26):
            response = http.patch(url(emu), json=with_storage(vendor=int(vendor), region=code))
            expected = 200 if (vendor == Vendor.AZURE or code in table) else 400
            assert response.status_code == expected, (vendor, code, response.text)


def test_body_of_exactly_64_kib_is_accepted_and_one_byte_more_is_400(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    core = json.dumps({"enabled": True, "snapshotInterval": 55}).encode()
    exact = core + b" " * (65536 - len(core))
    assert len(exact) == 65536
    assert send(http, url(emu), exact).status_code == 200
    body = assert_error(send(http, url(emu), exact + b" "), 400)
    assert "65536" in body["message"]
    assert emu.stored(APP, ENTRY, "cn") == {
        "enabled": True,
        "enableModeration": False,
        "snapshotInterval": 55,
    }


# ------------------------------------------------------------------------------------------ merge semantics


def test_patch_merges_top_level_fields(emu: EmulatorHandle, http: requests.Session) -> None:
    assert http.patch(url(emu), json=DOC_EXAMPLE).status_code == 200
    assert http.patch(url(emu), json={"enabled": False}).status_code == 200
    assert http.get(url(emu)).json() == {**DOC_EXAMPLE, "enabled": False}
    assert http.patch(url(emu), json={"enabled": True, "snapshotInterval": 60}).status_code == 200
    assert http.get(url(emu)).json() == {**DOC_EXAMPLE, "snapshotInterval": 60}
    assert http.patch(url(emu), json={"enabled": True, "enableModeration": False}).status_code == 200
    assert http.get(url(emu)).json() == {**DOC_EXAMPLE, "snapshotInterval": 60, "enableModeration": False}


def test_patch_replaces_storage_config_as_a_whole(emu: EmulatorHandle, http: requests.Session) -> None:
    assert http.patch(url(emu), json=DOC_EXAMPLE).status_code == 200
    azure = {"vendor": 5, "bucket": "container", "accessKey": "acct", "secretKey": "key2"}
    assert http.patch(url(emu), json={"enabled": True, "storageConfig": azure}).status_code == 200
    got = http.get(url(emu)).json()
    assert got["storageConfig"] == azure, "no key of the old storageConfig (region) may survive"
    assert got["snapshotInterval"] == 30 and got["enableModeration"] is True


def test_settings_are_independent_per_entry_point_and_region(
    emu: EmulatorHandle, http: requests.Session
) -> None:
    assert (
        http.patch(url(emu, APP, ENTRY, "cn"), json={"enabled": True, "snapshotInterval": 11}).status_code
        == 200
    )
    assert (
        http.patch(
            url(emu, APP, OTHER_ENTRY, "cn"), json={"enabled": True, "snapshotInterval": 22}
        ).status_code
        == 200
    )
    assert http.get(url(emu, APP, ENTRY, "cn")).json()["snapshotInterval"] == 11
    assert http.get(url(emu, APP, OTHER_ENTRY, "cn")).json()["snapshotInterval"] == 22
    assert http.get(url(emu, APP, ENTRY, "eu")).json()["snapshotInterval"] == 10


# --------------------------------------------------------------------------------------------- request ids


@pytest.mark.parametrize(
    ("method", "path_kind", "auth", "status"),
    [
        ("GET", "settings", True, 200),
        ("PATCH", "settings", True, 200),
        ("PATCH", "settings-bad-body", True, 400),
        ("GET", "settings", False, 401),
        ("GET", "unknown", True, 404),
        ("DELETE", "settings", True, 405),
        ("GET", "bad-region", True, 400),
        ("GET", "admin", False, 200),
        ("GET", "admin-unknown", False, 404),
    ],
)
def test_every_response_has_a_fresh_request_id(
    emu: EmulatorHandle, method: str, path_kind: str, auth: bool, status: int
) -> None:
    paths = {
        "settings": settings_path(),
        "settings-bad-body": settings_path(),
        "unknown": "/nope",
        "bad-region": settings_path(region="mars"),
        "admin": "/_emulator/requests",
        "admin-unknown": "/_emulator/nope",
    }
    session = new_session(auth=CREDS if auth else None)
    body: Any = {"enabled": "yes"} if path_kind == "settings-bad-body" else {"enabled": True}
    ids = set()
    for _ in range(3):
        response = session.request(method, emu.url + paths[path_kind], json=body)
        assert response.status_code == status
        assert REQUEST_ID.match(response.headers["X-Request-Id"])
        ids.add(response.headers["X-Request-Id"])
        if status >= 400:
            assert response.json()["requestId"] == response.headers["X-Request-Id"]
    assert len(ids) == 3
