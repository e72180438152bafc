"""Constants and raw-HTTP helpers shared by the emulator tests."""

from __future__ import annotations

import base64
import socket
import time
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import requests

from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET

APP = "0123456789abcdef0123456789abcdef"
ENTRY = "live"
OTHER_ENTRY = "studio"
ENTRY_POINTS = (f"{APP}/{ENTRY}", f"{APP}/{OTHER_ENTRY}")
CREDS = (DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET)

DOC_EXAMPLE: Dict[str, Any] = {
    "enabled": True,
    "enableModeration": True,
    "snapshotInterval": 30,
    "storageConfig": {
        "accessKey": "test access key",
        "bucket": "test-bucket",
        "region": 3,
        "secretKey": "test secret key",
        "vendor": 2,
    },
}


KINDS = ("legacy", "standard", "custom")


def settings_path(
    appid: str = APP, entry_point: str = ENTRY, region: str = "cn", kind: str = "legacy"
) -> str:
    """The API path of a snapshot kind (``legacy``: the seed's path), with the segments inserted verbatim
    (callers percent-encode if they mean to)."""
    middle = "" if kind == "legacy" else f"/{kind}"
    return f"/v1/projects/{appid}/fls/entry_points/{entry_point}/settings/snapshot{middle}/regions/{region}"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def new_session(auth: Optional[tuple[str, str]] = CREDS) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # never route 127.0.0.1 through an environment proxy
    if auth is not None:
        session.auth = auth
    return session


def raw_request(url: str, data: bytes, timeout: float = 5.0, half_close: bool = False) -> bytes:
    """Send raw bytes on a fresh TCP connection and return everything read until the server closes (or the
    timeout passes). For requests no HTTP library would send."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
    return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def status_of(raw: bytes) -> int:
    """The status code of a raw HTTP response (0 if there was none)."""
    if not raw.startswith(b"HTTP/"):
        return 0
    return int(raw.split(b" ", 2)[1])


def header_of(raw: bytes, name: str) -> Optional[str]:
    head = raw.partition(b"\r\n\r\n")[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None
