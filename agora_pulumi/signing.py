"""Request authentication for Agora's REST API: HTTP HMAC-SHA256 and Basic, as pure functions.

The current Media Broadcast reference signs each request with HMAC-SHA256 over its host, date, request line
and body digest (see ``agora-media-broadcast-current-api.md`` §1); Basic auth is what the seed API and other
Agora products take. Both live here, apart from the HTTP client, so they can be checked against known answers
and reused by any transport. Nothing here reads a clock: the caller passes the ``Date`` it will send, because
a retry must be signed again with a fresh one (gateways refuse a stale ``Date``) and the body sent must be
byte-for-byte the one digested.

Header values travel as Latin-1 (``http.client`` and ``requests`` encode them so), so a customer ID that
cannot be written in Latin-1, or that would break the header's syntax, is refused with a ``ValueError``
naming the configuration key (``agora:customerId`` / ``agora:customerSecret``); the caller turns that into a
configuration error instead of a confusing failure deep in the HTTP stack. The HMAC key, per the reference,
is the secret's UTF-8 bytes, so any secret may be used with HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import formatdate
from typing import Final
from urllib.parse import urlsplit

import idna

CUSTOMER_ID_KEY: Final = "agora:customerId"
"""The configuration key named when the customer ID cannot be sent."""

CUSTOMER_SECRET_KEY: Final = "agora:customerSecret"
"""The configuration key named when the customer secret cannot be sent."""

SIGNED_HEADERS: Final = "host date request-line digest"
"""The ``headers`` parameter of the Authorization header: what the signing string covers, in order."""

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def http_date(epoch_seconds: float) -> str:
    """The RFC 7231 ``Date`` header for a moment (``Wed, 02 Dec 2026 09:30:00 GMT``), independent of locale."""
    return formatdate(epoch_seconds, usegmt=True)


def body_digest(body: bytes) -> str:
    """The ``Digest`` header: ``SHA-256=`` and the base64 SHA-256 of the exact body bytes (empty body too)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def host_header(url: str) -> str:
    """The ``Host`` header the HTTP stack sends for ``url``, which is what the gateway checks the signature by.

    Lower-cased host, IPv6 literals in brackets, and ``:port`` only when the port is not the scheme's default,
    as ``http.client`` writes it. A non-ASCII name is encoded label by label as urllib3 encodes it before
    sending (IDNA 2008: ``straße`` is ``xn--strae-oqa``, where Python's own ``idna`` codec, IDNA 2003, writes
    ``strasse``); a name it cannot encode raises :class:`UnicodeError`, as sending it would.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    if not host.isascii():
        host = ".".join(
            idna.encode(label.lower(), strict=True, std3_rules=True).decode("ascii") if not label.isascii()
            else label.lower()
            for label in host.split(".")
        )
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def signing_string(host: str, date: str, method: str, path: str, digest: str) -> str:
    """The text that is signed: host, date, request line (``path`` as sent, query included), digest."""
    return "\n".join(
        (
            f"host: {host}",
            f"date: {date}",
            f"{method.upper()} {path} HTTP/1.1",
            f"digest: {digest}",
        )
    )


def _check_header_text(value: str, key: str, *, literal: bool, colon_ok: bool = True) -> None:
    """Refuse a credential that cannot be sent in a header as it is, naming the configuration key.

    ``literal``: the value appears as is inside a quoted header parameter (the HMAC ``username``), so control
    characters, quotes and backslashes would corrupt or split the header.
    """
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"{key} contains characters an HTTP header cannot carry (only Latin-1 is allowed); "
            "check the configured value"
        ) from None
    if literal and any(ord(c) < 0x20 or ord(c) == 0x7F or c in '"\\' for c in value):
        raise ValueError(
            f"{key} contains a control character, double quote or backslash, which the HMAC "
            "Authorization header cannot carry; check the configured value"
        )
    if not colon_ok and ":" in value:
        raise ValueError(f"{key} contains a colon, which Basic authentication cannot carry")


def hmac_headers(
    *,
    customer_id: str,
    customer_secret: str,
    method: str,
    host: str,
    path: str,
    body: bytes,
    date: str,
) -> dict[str, str]:
    """The ``Date``, ``Digest`` and ``Authorization`` headers that sign one request.

    ``host`` is the Host header as sent (see ``host_header``); ``path`` is the request target as sent,
    query string included; ``date`` is the ``Date`` header value (see ``http_date``).
    """
    _check_header_text(customer_id, CUSTOMER_ID_KEY, literal=True)
    digest = body_digest(body)
    message = signing_string(host, date, method, path, digest)
    mac = hmac.new(customer_secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    signature = base64.b64encode(mac).decode("ascii")
    authorization = (
        f'hmac username="{customer_id}", algorithm="hmac-sha256", '
        f'headers="{SIGNED_HEADERS}", signature="{signature}"'
    )
    return {"Date": date, "Digest": digest, "Authorization": authorization}


def basic_authorization(customer_id: str, customer_secret: str) -> str:
    """The ``Authorization: Basic`` value, encoded as ``requests`` encodes ``session.auth`` (Latin-1).

    Matching ``requests`` keeps one byte string per credential whichever path sends it; a value outside
    Latin-1 (or an ID with a colon, which would split wrongly) is refused rather than silently re-encoded.
    """
    _check_header_text(customer_id, CUSTOMER_ID_KEY, literal=False, colon_ok=False)
    _check_header_text(customer_secret, CUSTOMER_SECRET_KEY, literal=False)
    token = base64.b64encode(f"{customer_id}:{customer_secret}".encode("latin-1")).decode("ascii")
    return f"Basic {token}"
