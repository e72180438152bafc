"""The admin API refuses what a browser page could send it: cross-origin requests and DNS rebinding.

Without the guard, any web page open on the developer's machine could ``POST /_emulator/reset`` (a
``text/plain`` POST needs no CORS preflight) or, through a rebound DNS name, read stored storage keys.
"""

from __future__ import annotations

import http.client
import json
from typing import Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest

from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

from .support import APP, DOC_EXAMPLE, ENTRY, new_session, raw_request, settings_path, status_of

SETTING = f"/_emulator/settings/{APP}/{ENTRY}/cn"


@pytest.fixture(scope="module")
def module_emu() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


@pytest.fixture
def seeded(module_emu: EmulatorHandle) -> EmulatorHandle:
    """A clean emulator holding the doc example (with storage keys) and one queued fault."""
    module_emu.reset()
    assert new_session().patch(module_emu.url + settings_path(), json=DOC_EXAMPLE).status_code == 200
    module_emu.set_faults(queue=[{"status": 503, "method": "DELETE"}])
    return module_emu


def send(
    emu: EmulatorHandle, method: str, path: str, headers: List[Tuple[str, str]], body: Optional[bytes] = None
) -> Tuple[int, bytes]:
    """One request with exactly these headers (``Host`` included, possibly twice)."""
    parts = urlsplit(emu.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def loopback(emu: EmulatorHandle) -> Tuple[str, str]:
    return ("Host", urlsplit(emu.url).netloc)


def assert_intact(emu: EmulatorHandle) -> None:
    assert emu.stored(APP, ENTRY, "cn") == DOC_EXAMPLE
    assert emu.faults()["queue"] == [{"status": 503, "method": "DELETE"}]
    assert len(emu.requests()) == 1


def test_cross_origin_text_plain_post_cannot_reset(seeded: EmulatorHandle) -> None:
    headers = [loopback(seeded), ("Origin", "http://evil.example"), ("Content-Type", "text/plain")]
    status, raw = send(seeded, "POST", "/_emulator/reset", headers, b"x")
    assert status == 403
    body = json.loads(raw)
    assert "Origin" in body["message"] and body["requestId"]
    assert_intact(seeded)


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1", ""])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_emulator/reset", b""),
        ("POST", "/_emulator/faults", b"{}"),
        ("DELETE", "/_emulator/requests", None),
        ("GET", SETTING, None),
        ("GET", "/_emulator/requests", None),
        ("GET", "/_emulator/nope", None),
    ],
)
def test_any_origin_header_is_refused(
    seeded: EmulatorHandle, origin: str, method: str, path: str, body: Optional[bytes]
) -> None:
    status, raw = send(seeded, method, path, [loopback(seeded), ("Origin", origin)], body)
    assert status == 403
    assert b"test secret key" not in raw and b"test access key" not in raw
    assert_intact(seeded)


@pytest.mark.parametrize(
    "hosts",
    [
        ["evil.example"],
        ["evil.example:8080"],
        ["127.0.0.1.evil.example"],
        ["localhost.evil.example"],
        ["127.evil"],
        ["[::1].evil"],
        ["0.0.0.0"],
        ["10.0.0.1"],
        ["::1"],
        ["127.0.0.1:notaport"],
        [""],
        [],
    ],
    ids=lambda h: "+".join(h) or "none",
)
def test_non_loopback_host_cannot_read_or_write(seeded: EmulatorHandle, hosts: List[str]) -> None:
    headers = [("Host", h) for h in hosts]
    status, raw = send(seeded, "GET", SETTING, headers)
    assert status == 403
    assert b"test secret key" not in raw and b"test access key" not in raw
    assert "loopback" in json.loads(raw)["message"]
    assert send(seeded, "GET", "/_emulator/requests", headers)[0] == 403
    assert send(seeded, "POST", "/_emulator/reset", headers, b"")[0] == 403
    assert_intact(seeded)


def test_two_host_headers_are_a_bad_request_before_the_guard(seeded: EmulatorHandle) -> None:
    """RFC 9112: a request with two Hosts is a 400 (issue 20, item 19); the admin paths are not reached."""
    headers = [("Host", "127.0.0.1"), ("Host", "evil.example")]
    for method, path, body in (("GET", SETTING, None), ("GET", "/_emulator/requests", None),
                               ("POST", "/_emulator/reset", b"")):
        status, raw = send(seeded, method, path, headers, body)
        assert status == 400 and "more than one Host header" in json.loads(raw)["message"]
        assert b"test secret key" not in raw and b"test access key" not in raw
    assert_intact(seeded)


def test_http_1_0_request_without_host_is_refused(seeded: EmulatorHandle) -> None:
    raw = raw_request(seeded.url, b"POST /_emulator/reset HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
    assert status_of(raw) == 403
    assert_intact(seeded)


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:8080", "127.0.0.1", "127.9.8.7:1", "[::1]", "[::1]:8787", "{netloc}"]
)
def test_loopback_hosts_are_served(seeded: EmulatorHandle, host: str) -> None:
    host = host.format(netloc=urlsplit(seeded.url).netloc)
    status, raw = send(seeded, "GET", SETTING, [("Host", host)])
    assert status == 200
    assert json.loads(raw) == DOC_EXAMPLE


def test_the_api_itself_is_not_guarded(seeded: EmulatorHandle) -> None:
    """The API answers any Host (the client may send ``api.agora.io``) and any Origin: it has real auth."""
    session = new_session()
    response = session.get(
        seeded.url + settings_path(), headers={"Host": "api.agora.io", "Origin": "http://evil.example"}
    )
    assert response.status_code == 200


def test_handle_helpers_pass_the_guard(seeded: EmulatorHandle) -> None:
    assert seeded.faults()["queue"] == [{"status": 503, "method": "DELETE"}]
    seeded.reset()
    assert seeded.stored(APP, ENTRY, "cn") is None
