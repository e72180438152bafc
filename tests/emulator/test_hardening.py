"""Hostile and broken clients (issue 6 part 4): after each case the emulator still serves others and the
stored settings are intact. Runs against both modes with a short ``--socket-timeout``."""

from __future__ import annotations

import http.client
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, Set
from urllib.parse import urlsplit

import pytest

from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

from .support import (
    APP,
    CREDS,
    DOC_EXAMPLE,
    ENTRY,
    basic,
    header_of,
    new_session,
    raw_request,
    settings_path,
    status_of,
)

SOCKET_TIMEOUT = 0.5
AUTH = basic(*CREDS)
PATH = settings_path()


@pytest.fixture(scope="module", params=["in_process", "subprocess"])
def hard(request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    with running_emulator(
        in_process=request.param == "in_process",
        extra_args=["--socket-timeout", str(SOCKET_TIMEOUT)],
        rate_limit=0,  # the module's many attacks share this emulator; the limit is not what is tested here
    ) as emu:
        assert new_session().patch(emu.url + PATH, json=DOC_EXAMPLE).status_code == 200
        yield emu


@pytest.fixture(autouse=True)
def still_healthy(hard: EmulatorHandle) -> Iterator[None]:
    """After every case: another client is served promptly and the seeded setting is untouched."""
    yield
    started = time.monotonic()
    response = new_session().get(hard.url + PATH, timeout=5)
    assert response.status_code == 200
    assert response.json() == DOC_EXAMPLE
    assert time.monotonic() - started < 1.0
    assert hard.stored(APP, ENTRY, "cn") == DOC_EXAMPLE


def request_bytes(method: str, path: str, headers: str = "", body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n{headers}"
    if body and "Content-Length" not in headers:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode("latin-1") + b"\r\n" + body


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"GARBAGE\r\n\r\n", {400}),
        (b"GET\r\n\r\n", {400}),
        (b"GET / HTTP/1.1 extra\r\n\r\n", {400}),
        (b"GET /v1 HTTX/1.1\r\n\r\n", {400}),
        (b"GET /v1 HTTP/9.9\r\n\r\n", {505}),
        (b"\x00\x01\x02\xff \x80 HTTP/1.1\r\n\r\n", {400}),
        (f"GET {PATH}\r\n\r\n".encode(), {400}),  # HTTP/0.9
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", {414}),
    ],
    ids=[
        "one-word",
        "no-target",
        "four-words",
        "bad-protocol",
        "http-9.9",
        "binary",
        "http-0.9",
        "long-line",
    ],
)
def test_malformed_request_line_is_4xx_with_request_id(
    hard: EmulatorHandle, raw: bytes, expected: Set[int]
) -> None:
    response = raw_request(hard.url, raw)
    assert status_of(response) in expected, response[:200]
    assert header_of(response, "X-Request-Id")
    assert header_of(response, "Connection") == "close"


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("duplicate", ["Host: x\r\n", f"Authorization: {AUTH}\r\n", "host: y\r\n"])
def test_a_duplicate_host_or_authorization_header_is_400(hard: EmulatorHandle, method: str, duplicate: str) -> None:
    """Issue 20, item 19 (RFC 9112 section 3.2: two Hosts are a 400). Before: 200, and a PATCH was applied."""
    body = b'{"enabled": false}' if method == "PATCH" else b""
    response = raw_request(hard.url, request_bytes(method, PATH, duplicate, body))
    assert status_of(response) == 400, response[:200]
    name = duplicate.split(":", 1)[0].title()
    assert f"more than one {name} header".encode() in response
    assert header_of(response, "X-Request-Id") and header_of(response, "Connection") == "close"


def test_empty_request_line_just_closes(hard: EmulatorHandle) -> None:
    assert raw_request(hard.url, b"\r\n\r\n", half_close=True) == b""


def test_huge_header_is_431(hard: EmulatorHandle) -> None:
    response = raw_request(hard.url, request_bytes("GET", PATH, "X-Big: " + "a" * 100_000 + "\r\n"))
    assert status_of(response) == 431, "the error must arrive (lingering close), not a connection reset"


def test_too_many_headers_is_431(hard: EmulatorHandle) -> None:
    headers = "".join(f"X-H{i}: v\r\n" for i in range(150))
    assert status_of(raw_request(hard.url, request_bytes("GET", PATH, headers))) == 431


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "", "10, 20", "0x10", "99999999999999999999"])
def test_invalid_content_length_is_400(hard: EmulatorHandle, value: str) -> None:
    raw = request_bytes("PATCH", PATH, f"Content-Length: {value}\r\n", b'{"enabled": false}')
    response = raw_request(hard.url, raw)
    assert status_of(response) == 400
    assert b"Content-Length" in response


def test_conflicting_duplicate_content_length_is_400(hard: EmulatorHandle) -> None:
    raw = request_bytes("PATCH", PATH, "Content-Length: 18\r\nContent-Length: 5\r\n", b'{"enabled": false}')
    assert status_of(raw_request(hard.url, raw)) == 400


def test_content_length_lie_huge_is_400_at_once(hard: EmulatorHandle) -> None:
    raw = request_bytes("PATCH", PATH, "Content-Length: 1000000000\r\n", b'{"enabled": false}')
    started = time.monotonic()
    response = raw_request(hard.url, raw)
    assert status_of(response) == 400
    assert b"65536" in response
    assert time.monotonic() - started < SOCKET_TIMEOUT


def test_content_length_lie_short_body_times_out_with_408(hard: EmulatorHandle) -> None:
    raw = request_bytes("PATCH", PATH, "Content-Length: 100\r\n", b'{"enabled": false}')
    started = time.monotonic()
    response = raw_request(hard.url, raw, timeout=5)
    assert status_of(response) == 408
    assert SOCKET_TIMEOUT * 0.8 <= time.monotonic() - started < SOCKET_TIMEOUT + 2


def test_chunked_body_is_411(hard: EmulatorHandle) -> None:
    raw = request_bytes(
        "PATCH", PATH, "Transfer-Encoding: chunked\r\n", b'12\r\n{"enabled": false}\r\n0\r\n\r\n'
    )
    assert status_of(raw_request(hard.url, raw)) == 411


def test_huge_body_actually_sent_gets_a_400_not_a_reset(hard: EmulatorHandle) -> None:
    body = b'{"enabled": false, "x": "' + b"a" * 300_000 + b'"}'
    response = new_session().patch(hard.url + PATH, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "65536" in response.json()["message"]
    assert hard.api_requests()[-1]["body"] == f"<body too large, {len(body)} bytes>"


def test_error_survives_a_client_still_sending_a_lying_body(hard: EmulatorHandle) -> None:
    """The server answers 400 without reading a too-large body; it must then drain (lingering close) so
    the client, still blocked sending, gets the 400 rather than a connection reset."""
    parts = urlsplit(hard.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(request_bytes("PATCH", PATH, "Content-Length: 400000\r\n", b"x" * 100_000))
        time.sleep(0.2)  # the 400 is on its way; the client has not noticed and goes on sending
        sock.sendall(b"x" * 100_000)
        response = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            response += chunk
    assert status_of(response) == 400


def test_slowloris_does_not_block_others_and_is_cut_off(hard: EmulatorHandle) -> None:
    parts = urlsplit(hard.url)
    stalled = []
    for partial in [b"GET /v1/proj", f"GET {PATH} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode()] * 5:
        sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        sock.sendall(partial)
        stalled.append(sock)
    try:
        started = time.monotonic()
        assert new_session().get(hard.url + PATH).status_code == 200
        assert time.monotonic() - started < SOCKET_TIMEOUT * 0.8, "a stalled client must not delay others"
        for index, sock in enumerate(stalled):
            data = b""
            while True:  # the server closes the connection once --socket-timeout expires
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            if index % 2 == 0:
                assert data == b"", "a request line that never ended is closed silently"
            else:
                assert status_of(data) == 408, "stalled headers get 408 Request Timeout"
        assert time.monotonic() - started < SOCKET_TIMEOUT + 3
    finally:
        for sock in stalled:
            sock.close()


def test_many_parallel_stalled_connections_do_not_starve_the_server(hard: EmulatorHandle) -> None:
    parts = urlsplit(hard.url)
    stalled = [socket.create_connection((parts.hostname, parts.port), timeout=5) for _ in range(40)]
    try:
        for sock in stalled:
            sock.sendall(b"PATCH /v1/")
        with ThreadPoolExecutor(4) as pool:
            statuses = list(
                pool.map(lambda _: new_session().get(hard.url + PATH, timeout=2).status_code, range(8))
            )
        assert statuses == [200] * 8
    finally:
        for sock in stalled:
            sock.close()


def test_bad_utf8_in_body_is_400(hard: EmulatorHandle) -> None:
    response = raw_request(hard.url, request_bytes("PATCH", PATH, "", b'{"enabled": false, "x": "\xc3\x28"}'))
    assert status_of(response) == 400
    assert b"UTF-8" in response


@pytest.mark.parametrize(
    "target",
    [
        b"/v1/projects/\xff\xfe/fls/entry_points/live/settings/snapshot/regions/cn",
        b"/v1/projects/caf\xc3\xa9/fls/entry_points/live/settings/snapshot/regions/cn",
        b"/v1/projects/%ff/fls/entry_points/live/settings/snapshot/regions/cn",
        b"/v1/projects/%c3%28/fls/entry_points/live/settings/snapshot/regions/cn",
        b"/v1/projects/app/fls/entry_points/%80/settings/snapshot/regions/cn",
        b"/v1/projects/app/fls/entry_points/live/settings/snapshot/regions/c%ffn",
    ],
)
@pytest.mark.parametrize("method", [b"GET", b"PATCH"])
def test_bad_utf8_in_path_is_400(hard: EmulatorHandle, target: bytes, method: bytes) -> None:
    body = b'{"enabled": false}'
    raw = (
        method
        + b" "
        + target
        + f" HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    response = raw_request(hard.url, raw)
    assert status_of(response) == 400, response[:300]


TRAVERSAL_IDS = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".",
    "%2e",
    "a%2Fb",
    "%2F",
    "..%2F..",
    "%2F..%2F",
    "a%5Cb",
    "a%00b",
    "x%0d%0aX-Injected:%201",
]


@pytest.mark.parametrize("segment", TRAVERSAL_IDS)
@pytest.mark.parametrize("position", ["appid", "entry_point"])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_path_traversal_looking_ids_are_400(
    hard: EmulatorHandle, segment: str, position: str, method: str
) -> None:
    path = settings_path(appid=segment) if position == "appid" else settings_path(entry_point=segment)
    parts = urlsplit(hard.url)
    conn = http.client.HTTPConnection(
        parts.hostname or "", parts.port, timeout=5
    )  # sends the path unnormalised
    try:
        conn.request(method, path, body=b'{"enabled": false}', headers={"Authorization": AUTH})
        response = conn.getresponse()
        assert response.status == 400
        assert response.getheader("X-Request-Id")
        response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "path",
    [
        "/v1/projects/../../etc/passwd",
        f"/v1/projects/{APP}/fls/entry_points/../../../../settings/snapshot/regions/cn",
        "/_emulator/../v1/projects",
        f"/v1/projects/{APP}/fls/entry_points/{ENTRY}/settings/snapshot/regions/..%2Fcn",
    ],
)
def test_dot_segments_never_reach_another_resource(hard: EmulatorHandle, path: str) -> None:
    parts = urlsplit(hard.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.request("PATCH", path, body=b'{"enabled": false}', headers={"Authorization": AUTH})
        response = conn.getresponse()
        assert 400 <= response.status < 500
        response.read()
    finally:
        conn.close()


def test_non_ascii_authorization_header_is_401(hard: EmulatorHandle) -> None:
    raw = f"GET {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \xe9\xe9\xe9\r\n\r\n".encode("latin-1")
    assert status_of(raw_request(hard.url, raw)) == 401


def test_keep_alive_connection_serves_several_requests(hard: EmulatorHandle) -> None:
    session = new_session()
    responses = [session.get(hard.url + PATH) for _ in range(5)]
    assert all(r.status_code == 200 for r in responses)
    assert len({r.headers["X-Request-Id"] for r in responses}) == 5
