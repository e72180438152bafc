"""Authentication of API requests: HTTP Basic (the seed doc) and HMAC-SHA256 (Agora's current Media
Broadcast reference), as pure functions from request parts to a verdict.

Written from the shared API notes, not from the client, so the emulator checks the client's signing
instead of mirroring its bugs. Every HMAC failure names the one part that failed ("HMAC: Digest does not
match the body"), because "401 Unauthorized" alone makes a signing bug a guessing game; no message, header
or log entry ever carries the secret, the signature or the ``Authorization`` value.

HMAC, per request: ``Date`` (RFC 7231 IMF-fixdate, GMT), ``Digest: SHA-256=<base64 sha256(body)>`` and
``Authorization: hmac username="<customer id>", algorithm="hmac-sha256", headers="host date request-line
digest", signature="<base64 HMAC-SHA256(secret, signing string)>"``, where the signing string is::

    host: <Host header as received, port included>
    date: <Date header>
    <METHOD> <request target as received, query included> HTTP/1.1
    digest: <Digest header>

joined by ``\\n`` without a trailing newline. Checks run in that order: parameters, username, algorithm,
header list, Digest, Date (and its distance from the emulator's clock), Host, signature.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import math
import re
import time
from typing import Callable, Dict, Literal, NamedTuple, Optional, Tuple

AuthState = Literal["ok", "missing", "bad"]
"""What the request log's ``auth`` field says (kept from before HMAC: callers assert on it)."""

AuthScheme = Literal["basic", "hmac", "none", "other"]
"""Which scheme a request used, for the request log's ``auth_scheme`` field."""

AuthMode = Literal["any", "basic", "hmac"]
AUTH_MODES: Tuple[AuthMode, ...] = ("any", "basic", "hmac")
"""``--auth``: which schemes the emulator accepts (``any``: either)."""

DEFAULT_MAX_CLOCK_SKEW = 300.0
"""Seconds a signed ``Date`` may be from the emulator's clock: the common API-gateway default."""

HMAC_ALGORITHM = "hmac-sha256"
HMAC_HEADERS = "host date request-line digest"
REALM = 'realm="Agora"'

Headers = Tuple[Tuple[str, str], ...]
Clock = Callable[[], float]


class AuthResult(NamedTuple):
    """The verdict on one request: ``reason`` is the 401 message when ``state`` is not ``ok``."""

    state: AuthState
    scheme: AuthScheme
    reason: Optional[str] = None


class SignedParts(NamedTuple):
    """The parts of a request an HMAC signature covers, as received. ``body`` is ``None`` when the body
    could not be framed (the request is answered before authentication matters, but is still logged)."""

    method: str
    target: str
    host: Optional[str]
    date: Optional[str]
    digest: Optional[str]
    body: Optional[bytes]


# ------------------------------------------------------------------------------------------------ helpers


def body_digest(body: bytes) -> str:
    """The ``Digest`` header value for a body: ``SHA-256=`` + base64 of its SHA-256 (of b"" when empty)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def signing_string(host: str, date: str, method: str, target: str, digest: str) -> str:
    """The four signed lines, joined by ``\\n`` with no trailing newline."""
    return f"host: {host}\ndate: {date}\n{method} {target} HTTP/1.1\ndigest: {digest}"


def hmac_signature(secret: str, text: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=text)), both UTF-8."""
    mac = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def _same(given: str, expected: str) -> bool:
    """Constant-time string comparison (bytes, so non-ASCII input cannot raise)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_IMF_FIXDATE = re.compile(
    r"(?P<wday>[A-Z][a-z]{2}), (?P<day>[0-9]{2}) (?P<mon>[A-Z][a-z]{2}) (?P<year>[0-9]{4})"
    r" (?P<h>[0-9]{2}):(?P<m>[0-9]{2}):(?P<s>[0-9]{2}) GMT"
)


def parse_http_date(text: str) -> Optional[int]:
    """Seconds since the epoch of an RFC 7231 IMF-fixdate (``Wed, 02 Dec 2026 09:30:00 GMT``), else ``None``.

    Only the preferred form is accepted (not RFC 850 or asctime dates): it is the one the reference shows
    and every HTTP library writes, and a signed header that a client formats otherwise is a bug to surface.
    The weekday must agree with the date.
    """
    match = _IMF_FIXDATE.fullmatch(text.strip())
    if match is None or match["wday"] not in _DAYS or match["mon"] not in _MONTHS:
        return None
    try:
        fields = (int(match["year"]), _MONTHS.index(match["mon"]) + 1, int(match["day"]))
        clock = (int(match["h"]), int(match["m"]), int(match["s"]))
        if clock[0] > 23 or clock[1] > 59 or clock[2] > 60:
            return None
        if not 1 <= fields[2] <= calendar.monthrange(fields[0], fields[1])[1]:
            return None
        if calendar.weekday(*fields) != _DAYS.index(match["wday"]):
            return None
        epoch = calendar.timegm((*fields, *clock, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    return epoch


_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*"([^"]*)"\s*(?:,|$)')
_HMAC_PARAMS = ("username", "algorithm", "headers", "signature")
_MALFORMED = (
    'HMAC: malformed Authorization header (expected username="…", algorithm="…", headers="…", signature="…")'
)


def parse_hmac_params(params: str) -> Optional[Dict[str, str]]:
    """``username="a", algorithm="b", ...`` -> a dict, or ``None`` when malformed, duplicated, or not
    exactly the four documented parameters."""
    out: Dict[str, str] = {}
    position = 0
    text = params.strip()
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None or match.end() == position:
            return None
        name = match.group(1).lower()
        if name in out:
            return None
        out[name] = match.group(2)
        position = match.end()
    return out if set(out) == set(_HMAC_PARAMS) else None


# ----------------------------------------------------------------------------------------------- verifiers


def verify_hmac(
    params: str,
    parts: SignedParts,
    customer_id: str,
    customer_secret: str,
    now: float,
    max_skew: float,
) -> Optional[str]:
    """Check an HMAC request (``params`` is the ``Authorization`` value after ``hmac``); ``None`` when it
    is valid, else the 401 message naming the part that failed.

    The clock comparison uses the server's time truncated to whole seconds, the ``Date`` header's
    resolution, so a client on the same clock is 0 s away, not a fraction.
    """
    fields = parse_hmac_params(params)
    if fields is None:
        return _MALFORMED
    if not _same(fields["username"], customer_id):
        return "HMAC: unknown username"
    if fields["algorithm"] != HMAC_ALGORITHM:
        return f"HMAC: algorithm must be {HMAC_ALGORITHM}"
    if fields["headers"] != HMAC_HEADERS:
        return f'HMAC: headers must be "{HMAC_HEADERS}"'
    if parts.digest is None:
        return "HMAC: Digest header missing"
    if parts.body is not None and not _same(parts.digest, body_digest(parts.body)):
        return "HMAC: Digest does not match the body"
    signed_at = parse_http_date(parts.date) if parts.date is not None else None
    if parts.date is None or signed_at is None:
        return "HMAC: Date header missing or not an RFC 7231 date"
    distance = abs(signed_at - math.floor(now))
    if distance > max_skew:
        return f"HMAC: Date is {distance} s away from the server clock (allowed ±{max_skew:g} s)"
    if parts.host is None:
        return "HMAC: Host header missing"
    expected = hmac_signature(
        customer_secret, signing_string(parts.host, parts.date, parts.method, parts.target, parts.digest)
    )
    if not _same(fields["signature"], expected):
        return f"HMAC: signature does not match (signed for host {parts.host})"
    return None


def verify_basic(token: str, customer_id: str, customer_secret: str) -> bool:
    """Whether a Basic token (the part after ``Basic``) is base64 of ``customer_id:customer_secret``."""
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    if not sep:
        return False
    ok_user = _same(user, customer_id)
    ok_pass = _same(password, customer_secret)
    return ok_user and ok_pass


def classify_auth(header: Optional[str], customer_id: str, customer_secret: str) -> AuthState:
    """Basic auth only: ``missing`` (no or empty header), ``bad`` (another scheme, undecodable base64, no
    colon, or the wrong pair) or ``ok``. The scheme name is case-insensitive (RFC 7617)."""
    if header is None or not header.strip():
        return "missing"
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return "bad"
    return "ok" if verify_basic(token, customer_id, customer_secret) else "bad"


# ----------------------------------------------------------------------------------------- authenticator

MISSING_MESSAGE = "Unauthorized: missing Authorization header"
INVALID_MESSAGE = "Unauthorized: invalid authentication credentials"


class Authenticator:
    """The emulator's auth policy: the accepted customer pair, the ``--auth`` mode, the clock and the
    allowed clock skew."""

    def __init__(
        self,
        customer_id: str,
        customer_secret: str,
        mode: AuthMode = "any",
        max_skew: float = DEFAULT_MAX_CLOCK_SKEW,
        clock: Optional[Clock] = None,
    ) -> None:
        if mode not in AUTH_MODES:
            raise ValueError(f"auth mode must be one of {', '.join(AUTH_MODES)}, got {mode!r}")
        self.customer_id = customer_id
        self.customer_secret = customer_secret
        self.mode: AuthMode = mode
        self.max_skew = max_skew
        self._clock: Clock = clock or time.time

    def challenges(self) -> Headers:
        """``WWW-Authenticate`` headers of a 401: one per accepted scheme, Basic first."""
        basic = ("WWW-Authenticate", f"Basic {REALM}")
        signed = ("WWW-Authenticate", f'hmac {REALM}, algorithm="{HMAC_ALGORITHM}", headers="{HMAC_HEADERS}"')
        if self.mode == "basic":
            return (basic,)
        if self.mode == "hmac":
            return (signed,)
        return (basic, signed)

    def check(self, authorization: Optional[str], parts: SignedParts) -> AuthResult:
        """Verdict on one request's ``Authorization`` header and signed parts."""
        if authorization is None or not authorization.strip():
            return AuthResult("missing", "none", MISSING_MESSAGE)
        scheme, _, rest = authorization.strip().partition(" ")
        kind = scheme.lower()
        if kind == "basic":
            if self.mode == "hmac":
                return AuthResult("bad", "basic", "Unauthorized: this emulator accepts HMAC auth only")
            ok = bool(rest.strip()) and verify_basic(rest, self.customer_id, self.customer_secret)
            return AuthResult("ok", "basic") if ok else AuthResult("bad", "basic", INVALID_MESSAGE)
        if kind == "hmac":
            if self.mode == "basic":
                return AuthResult("bad", "hmac", "Unauthorized: this emulator accepts Basic auth only")
            now = self._clock()
            reason = verify_hmac(rest, parts, self.customer_id, self.customer_secret, now, self.max_skew)
            return AuthResult("ok", "hmac") if reason is None else AuthResult("bad", "hmac", reason)
        return AuthResult("bad", "other", INVALID_MESSAGE)
