"""HMAC-SHA256 request signing (the current Media Broadcast reference), checked over real sockets.

The signer below is the test's own, written from the shared API notes, so the emulator's verifier is
checked against an independent implementation and against a known-answer vector computed with openssl.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import time
from email.utils import formatdate, parsedate_to_datetime
from typing import Dict, Iterator, Optional, Tuple
from urllib.parse import urlsplit

import pytest

from agora_pulumi.emulator.auth import SignedParts, verify_hmac
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

from .support import APP, CREDS, ENTRY, basic, settings_path

# ---------------------------------------------------------------------------------- known-answer vector

KAT_ID = "kat-customer-id"
KAT_SECRET = "kat-customer-secret"
KAT_HOST = "api.agora.io"
KAT_DATE = "Wed, 02 Dec 2026 09:30:00 GMT"
KAT_EPOCH = 1796203800  # KAT_DATE as seconds since the epoch
KAT_PATH = "/v1/projects/0123456789abcdef/fls/entry_points/live/settings/snapshot/regions/cn"
KAT_BODY = b'{"enabled":true,"snapshotInterval":30,"enableModeration":false}'
KAT_PATCH_DIGEST = "SHA-256=LHa6q1GNHLGvPG1DFhuctcUxLq21Jc+L++ngJB3hKpI="
KAT_PATCH_SIGNATURE = "GjbvQ9wAr5eXqBaLHb6BypGHb1s34DOrVu6S7iX4Pn0="
KAT_GET_DIGEST = "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
KAT_GET_SIGNATURE = "oLzosU/5OTVFSXaytSwGXk08cRowgxQKP9S62CjFepc="

HEADER_LIST = "host date request-line digest"


def authorization(
    username: str, signature: str, algorithm: str = "hmac-sha256", headers: str = HEADER_LIST
) -> str:
    return (
        f'hmac username="{username}", algorithm="{algorithm}", headers="{headers}", signature="{signature}"'
    )


# ------------------------------------------------------------------------------------ the test's signer


def digest_of(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def sign(
    method: str,
    target: str,
    host: str,
    body: bytes = b"",
    *,
    username: str = CREDS[0],
    secret: str = CREDS[1],
    date: Optional[str] = None,
    algorithm: str = "hmac-sha256",
    header_list: str = HEADER_LIST,
) -> Dict[str, str]:
    """The headers of a signed request: Host, Date, Digest, Authorization."""
    date = date or formatdate(usegmt=True)
    digest = digest_of(body)
    text = f"host: {host}\ndate: {date}\n{method} {target} HTTP/1.1\ndigest: {digest}"
    signature = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()
    return {
        "Host": host,
        "Date": date,
        "Digest": digest,
        "Authorization": authorization(username, signature, algorithm, header_list),
    }


def send(
    emu: EmulatorHandle, method: str, target: str, headers: Dict[str, str], body: bytes = b""
) -> Tuple[int, Dict[str, str], bytes]:
    """One request on a fresh connection, headers exactly as given (``Host`` included)."""
    parts = urlsplit(emu.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        all_headers = dict(headers)
        if body:
            all_headers["Content-Type"] = "application/json"
        conn.request(method, target, body=body or None, headers=all_headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def host_of(emu: EmulatorHandle) -> str:
    return urlsplit(emu.url).netloc


@pytest.fixture(scope="module")
def module_emu() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


@pytest.fixture
def signed_emu(module_emu: EmulatorHandle) -> EmulatorHandle:
    """An emulator in the default ``--auth any`` mode, reset before each test."""
    module_emu.reset()
    return module_emu


# ----------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize(
    ("method", "body", "digest", "signature"),
    [
        ("PATCH", KAT_BODY, KAT_PATCH_DIGEST, KAT_PATCH_SIGNATURE),
        ("GET", b"", KAT_GET_DIGEST, KAT_GET_SIGNATURE),
    ],
)
def test_known_answer_vector_is_accepted_by_the_verifier(
    method: str, body: bytes, digest: str, signature: str
) -> None:
    parts = SignedParts(method, KAT_PATH, KAT_HOST, KAT_DATE, digest, body)
    header = authorization(KAT_ID, signature)
    params = header.split(" ", 1)[1]
    assert verify_hmac(params, parts, KAT_ID, KAT_SECRET, now=KAT_EPOCH + 0.9, max_skew=300) is None
    assert sign(method, KAT_PATH, KAT_HOST, body, username=KAT_ID, secret=KAT_SECRET, date=KAT_DATE) == {
        "Host": KAT_HOST,
        "Date": KAT_DATE,
        "Digest": digest,
        "Authorization": header,
    }, "the test's signer reproduces the openssl vector"
    other = verify_hmac(params, parts, KAT_ID, "another-secret", now=KAT_EPOCH, max_skew=300)
    assert other == "HMAC: signature does not match (signed for host api.agora.io)"


def test_known_answer_requests_are_accepted_over_http_when_the_clock_says_so() -> None:
    with running_emulator(
        customer_id=KAT_ID, customer_secret=KAT_SECRET, clock_offset=KAT_EPOCH - time.time()
    ) as emu:
        patch_headers = {
            "Host": KAT_HOST,
            "Date": KAT_DATE,
            "Digest": KAT_PATCH_DIGEST,
            "Authorization": authorization(KAT_ID, KAT_PATCH_SIGNATURE),
        }
        status, headers, _ = send(emu, "PATCH", KAT_PATH, patch_headers, KAT_BODY)
        assert status == 200
        assert abs(parsedate_to_datetime(headers["Date"]).timestamp() - KAT_EPOCH) < 60
        get_headers = {
            "Host": KAT_HOST,
            "Date": KAT_DATE,
            "Digest": KAT_GET_DIGEST,
            "Authorization": authorization(KAT_ID, KAT_GET_SIGNATURE),
        }
        status, _, body = send(emu, "GET", KAT_PATH, get_headers)
        assert status == 200
        assert json.loads(body) == {"enabled": True, "enableModeration": False, "snapshotInterval": 30}
        assert [(e["auth"], e["auth_scheme"]) for e in emu.requests()] == [("ok", "hmac"), ("ok", "hmac")]


def test_signed_requests_are_accepted_and_logged_as_hmac(signed_emu: EmulatorHandle) -> None:
    path = settings_path()
    body = b'{"enabled": true, "snapshotInterval": 20}'
    status, _, _ = send(signed_emu, "PATCH", path, sign("PATCH", path, host_of(signed_emu), body), body)
    assert status == 200
    status, _, got = send(signed_emu, "GET", path, sign("GET", path, host_of(signed_emu)))
    assert status == 200
    assert json.loads(got)["snapshotInterval"] == 20
    target = path + "?probe=1&x=%2F"
    status, _, _ = send(signed_emu, "GET", target, sign("GET", target, host_of(signed_emu)))
    assert status == 200, "the signed request line is the target as sent, query included"
    log = signed_emu.requests()
    assert [(e["auth"], e["auth_scheme"]) for e in log] == [("ok", "hmac")] * 3


def _case(name: str, emu: EmulatorHandle) -> Tuple[Dict[str, str], bytes, str]:
    """(headers, body to send, expected 401 message) for one broken HMAC request."""
    path = settings_path()
    host = host_of(emu)
    body = b'{"enabled": true}'
    if name == "wrong-secret":
        headers = sign("PATCH", path, host, body, secret="not-the-secret")
        return headers, body, f"HMAC: signature does not match (signed for host {host})"
    if name == "tampered-body":
        return sign("PATCH", path, host, body), b'{"enabled": false}', "HMAC: Digest does not match the body"
    if name == "wrong-host":
        headers = {**sign("PATCH", path, "api.agora.io", body), "Host": host}
        return headers, body, f"HMAC: signature does not match (signed for host {host})"
    if name == "wrong-username":
        return sign("PATCH", path, host, body, username="someone-else"), body, "HMAC: unknown username"
    if name == "wrong-algorithm":
        headers = sign("PATCH", path, host, body, algorithm="hmac-sha1")
        return headers, body, "HMAC: algorithm must be hmac-sha256"
    if name == "wrong-header-list":
        headers = sign("PATCH", path, host, body, header_list="host date request-line")
        return headers, body, 'HMAC: headers must be "host date request-line digest"'
    if name == "no-digest":
        headers = sign("PATCH", path, host, body)
        del headers["Digest"]
        return headers, body, "HMAC: Digest header missing"
    if name == "no-date":
        headers = sign("PATCH", path, host, body)
        del headers["Date"]
        return headers, body, "HMAC: Date header missing or not an RFC 7231 date"
    if name == "rfc850-date":
        headers = sign("PATCH", path, host, body, date="Wednesday, 02-Dec-26 09:30:00 GMT")
        return headers, body, "HMAC: Date header missing or not an RFC 7231 date"
    if name == "wrong-query":
        headers = sign("PATCH", path, host, body)
        return headers, body, f"HMAC: signature does not match (signed for host {host})"
    assert name == "malformed"
    headers = sign("PATCH", path, host, body)
    headers["Authorization"] = headers["Authorization"].replace(", signature=", " signature=")
    expected = 'HMAC: malformed Authorization header (expected username="…", algorithm="…", headers="…", signature="…")'
    return headers, body, expected


BROKEN = [
    "wrong-secret",
    "tampered-body",
    "wrong-host",
    "wrong-username",
    "wrong-algorithm",
    "wrong-header-list",
    "no-digest",
    "no-date",
    "rfc850-date",
    "wrong-query",
    "malformed",
]


@pytest.mark.parametrize("name", BROKEN)
def test_each_broken_signature_is_401_naming_the_part_that_failed(
    signed_emu: EmulatorHandle, name: str
) -> None:
    headers, body, expected = _case(name, signed_emu)
    target = settings_path() + ("?unsigned=1" if name == "wrong-query" else "")
    status, response_headers, raw = send(signed_emu, "PATCH", target, headers, body)
    assert status == 401
    assert json.loads(raw)["message"] == expected
    assert "hmac" in response_headers["WWW-Authenticate"]
    assert signed_emu.stored(APP, ENTRY, "cn") is None
    _assert_no_secret_anywhere(signed_emu, headers, raw, response_headers)
    (entry,) = signed_emu.requests()
    assert (entry["auth"], entry["auth_scheme"], entry["status"]) == ("bad", "hmac", 401)


def _assert_no_secret_anywhere(
    emu: EmulatorHandle, sent: Dict[str, str], raw: bytes, response_headers: Dict[str, str]
) -> None:
    signature = re.search(r'signature="([^"]*)"', sent["Authorization"])
    assert signature is not None
    places = {
        "response body": raw.decode(),
        "response headers": json.dumps(response_headers),
        "request log": json.dumps(emu.requests()),
        "stderr log": emu.stderr_text(),
    }
    for where, text in places.items():
        for secret in (CREDS[1], "not-the-secret", signature.group(1), sent["Authorization"]):
            assert secret not in text, f"{where} leaks {secret!r}"


def test_stale_date_is_401_with_its_distance(signed_emu: EmulatorHandle) -> None:
    path = settings_path()
    headers = sign("GET", path, host_of(signed_emu), date=formatdate(time.time() - 1000, usegmt=True))
    status, _, raw = send(signed_emu, "GET", path, headers)
    assert status == 401
    message = json.loads(raw)["message"]
    match = re.fullmatch(r"HMAC: Date is (\d+) s away from the server clock \(allowed ±300 s\)", message)
    assert match is not None, message
    assert 999 <= int(match.group(1)) <= 1001
    assert KAT_SECRET not in message and CREDS[1] not in json.dumps(signed_emu.requests())


def test_max_clock_skew_and_clock_offset_decide_what_is_stale() -> None:
    with running_emulator(max_clock_skew=5, clock_offset=-3600) as emu:
        path = settings_path()
        status, headers, raw = send(emu, "GET", path, sign("GET", path, host_of(emu)))
        assert status == 401
        assert re.fullmatch(
            r"HMAC: Date is (3599|3600) s away from the server clock \(allowed ±5 s\)", json.loads(raw)["message"]
        )
        server_clock = parsedate_to_datetime(headers["Date"]).timestamp()
        assert abs(server_clock - (time.time() - 3600)) < 5, "the Date header shows the offset clock"
        # A client that signs with the server's clock (the Date it just saw) gets in.
        status, _, _ = send(emu, "GET", path, sign("GET", path, host_of(emu), date=headers["Date"]))
        assert status == 200


def test_every_response_carries_the_offset_clock_as_date() -> None:
    with running_emulator(clock_offset=86400 * 2) as emu:
        for target in (settings_path(), "/nope", "/_emulator/health"):
            _, headers, _ = send(emu, "GET", target, {"Host": host_of(emu)})
            shown = parsedate_to_datetime(headers["Date"]).timestamp()
            assert abs(shown - (time.time() + 86400 * 2)) < 5, target


def test_auth_basic_mode_refuses_hmac_and_accepts_basic() -> None:
    with running_emulator(auth="basic") as emu:
        path = settings_path()
        status, headers, raw = send(emu, "GET", path, sign("GET", path, host_of(emu)))
        assert status == 401
        assert json.loads(raw)["message"] == "Unauthorized: this emulator accepts Basic auth only"
        assert headers["WWW-Authenticate"] == 'Basic realm="Agora"'
        status, _, _ = send(emu, "GET", path, {"Host": host_of(emu), "Authorization": basic(*CREDS)})
        assert status == 200
        assert [(e["auth"], e["auth_scheme"]) for e in emu.requests()] == [("bad", "hmac"), ("ok", "basic")]


@pytest.mark.parametrize("in_process", [True, False], ids=["in_process", "subprocess"])
def test_auth_hmac_mode_refuses_basic_and_accepts_hmac(in_process: bool) -> None:
    with running_emulator(auth="hmac", in_process=in_process) as emu:
        path = settings_path()
        status, headers, raw = send(emu, "GET", path, {"Host": host_of(emu), "Authorization": basic(*CREDS)})
        assert status == 401
        assert json.loads(raw)["message"] == "Unauthorized: this emulator accepts HMAC auth only"
        assert headers["WWW-Authenticate"].startswith("hmac ")
        assert CREDS[1] not in raw.decode() and basic(*CREDS) not in json.dumps(emu.requests())
        status, _, _ = send(emu, "GET", path, sign("GET", path, host_of(emu)))
        assert status == 200
        status, _, _ = send(emu, "GET", path, {"Host": host_of(emu)})
        assert status == 401
        assert [e["auth_scheme"] for e in emu.requests()] == ["basic", "hmac", "none"]
