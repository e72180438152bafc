"""Request validation and the snapshot-settings handlers: pure functions from a request to a response.

Nothing here touches sockets, so every rule of the API doc can be read in one place and unit-tested
without a server. Handlers return a :class:`Response` ``(status, headers, body)``; :mod:`.server` writes
it, adds ``X-Request-Id`` and logs it.

Order of checks (the doc is silent; this is what an API gateway in front of a service does, and what
makes every error deterministic):

0. Framing, in :mod:`.server`, before anything else: a malformed request line or target -> 400, a body
   over 64 KiB or a bad ``Content-Length`` -> 400, chunked encoding -> 411, a stalled body -> 408.
1. ``Authorization`` (Basic or HMAC, see :mod:`.auth`) -> 401 for anything under the API, even unknown
   paths, so an unauthenticated caller learns nothing about which paths exist.
2. The path must match the settings template -> otherwise 404.
3. The method must be GET or PATCH -> otherwise 405 with ``Allow: GET, PATCH``.
4. Path parameters: empty ``appid``/``entry_point`` or a ``region`` outside cn/ap/na/eu -> 400.
5. The entry point must exist -> otherwise 404.
6. PATCH body validation -> 400.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple
from urllib.parse import unquote

from agora_pulumi.regions import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    PUSH_REGIONS,
    STORAGE_REGIONS,
    VENDOR_NAMES,
    VENDORS_WITHOUT_REGION,
    Vendor,
    describe_regions,
)

from .auth import INVALID_MESSAGE, Authenticator, AuthResult, SignedParts
from .models import EntryPoints, JsonObject, SettingKey, SettingsStore, canonical, default_setting

MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (64 KiB). A real settings body is ~300 bytes; anything near the limit is a
bug or an attack. Bodies above it get 400 and the connection is closed without reading them."""

ALLOWED_METHODS = ("GET", "PATCH")
ALLOW_HEADER = ", ".join(ALLOWED_METHODS)

Headers = Tuple[Tuple[str, str], ...]

JSON_TYPE = "application/json"

SETTINGS_PATH = re.compile(
    r"^/v1/projects/(?P<appid>[^/]*)/fls/entry_points/(?P<entry_point>[^/]*)"
    r"/settings/snapshot/regions/(?P<region>[^/]*)$"
)
"""The one resource of the API. Segments may be empty here so that ``/v1/projects//fls/...`` reaches the
400 "appid is empty" rule of the doc instead of a 404."""

TOP_LEVEL_FIELDS = ("enabled", "snapshotInterval", "storageConfig", "enableModeration")
STORAGE_FIELDS = ("vendor", "region", "bucket", "accessKey", "secretKey")


class Response(NamedTuple):
    """What a handler answers. ``headers`` excludes ``X-Request-Id``/``Content-Length`` (added when sent)."""

    status: int
    headers: Headers
    body: bytes


class ApiError(Exception):
    """A request the API refuses; becomes the JSON error body ``{"message", "requestId"}``."""

    def __init__(self, status: int, message: str, headers: Headers = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def json_body(obj: Any) -> bytes:
    """Compact UTF-8 JSON, the way the service sends it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(status: int, obj: Any, headers: Headers = ()) -> Response:
    """A JSON response."""
    return Response(status, (("Content-Type", JSON_TYPE), *headers), json_body(obj))


def error_response(status: int, message: str, request_id: str, headers: Headers = ()) -> Response:
    """The error shape: ``{"message": "...", "requestId": "..."}``.

    The doc shows no error body. Agora's REST gateway answers errors with a JSON ``message``; the emulator
    adds ``requestId`` (the same value as the ``X-Request-Id`` header) so a log line or a bug report can
    quote it. Clients should read ``message`` and the header, and tolerate extra keys.
    """
    return json_response(status, {"message": message, "requestId": request_id}, headers)


def status_phrase(status: int) -> str:
    """The reason phrase of a status, for messages (``HTTP 599`` for codes the stdlib does not name)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def empty_response(status: int = 200) -> Response:
    """PATCH success: the doc shows only ``HTTP/1.1 200 OK``, so the body is empty (``Content-Length: 0``)."""
    return Response(status, (), b"")


# --------------------------------------------------------------------------------------------------- path


def _decode_segment(raw: str, name: str) -> str:
    """Percent-decode one path segment and refuse what no real id can be.

    Decisions (the doc only says "empty -> 400"): a segment that is empty or only whitespace is "empty";
    after decoding, ``.``/``..``, a ``/`` or ``\\`` (from ``%2F``/``%5C``), control characters and invalid
    UTF-8 are illegal parameters -> 400. They can never name a real app or entry point, and rejecting them
    keeps path-traversal-looking ids away from the store.
    """
    try:
        value = unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ApiError(400, f"{name} is not valid percent-encoded UTF-8") from None
    if not value.strip():
        raise ApiError(400, f"{name} is empty")
    if value in (".", "..") or "/" in value or "\\" in value:
        raise ApiError(400, f"{name} is illegal: {raw!r}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ApiError(400, f"{name} contains control characters")
    return value


def parse_settings_path(path: str) -> Optional[Tuple[str, str, str]]:
    """The raw ``(appid, entry_point, region)`` segments if ``path`` is the settings resource, else ``None``."""
    match = SETTINGS_PATH.match(path)
    if match is None:
        return None
    return match.group("appid"), match.group("entry_point"), match.group("region")


def settings_key(raw: Tuple[str, str, str]) -> SettingKey:
    """Validate the three path parameters (400 on failure).

    ``region`` is case-sensitive: the doc's values are lower case (``cn``), and ``CN`` is rejected rather
    than silently aliased, so a client that sends the wrong case finds out.
    """
    appid = _decode_segment(raw[0], "appid")
    entry_point = _decode_segment(raw[1], "entry_point")
    try:
        region = unquote(raw[2], encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        region = raw[2]
    if region not in PUSH_REGIONS:
        raise ApiError(400, f"region {region!r} is illegal; expected one of {', '.join(PUSH_REGIONS)}")
    return SettingKey(appid, entry_point, region)


# --------------------------------------------------------------------------------------------------- body


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value, for messages (``true`` is a boolean, ``30.0`` a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8 only, no ``NaN``/``Infinity``, no duplicate keys, bounded nesting.

    Duplicate keys are refused (a Go backend would silently take the last one): a client that sends two
    values has a bug the emulator should surface, not hide.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"request body is not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        raise ApiError(400, "request body must not start with a byte order mark")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc.msg} at position {exc.pos}") from None
    except ValueError as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "request body is not valid JSON: nested too deeply") from None


def _require_bool(obj: Mapping[str, Any], key: str, where: str = "") -> None:
    value = obj[key]
    if not isinstance(value, bool):
        raise ApiError(400, f"'{where}{key}' must be a boolean, got {json_type(value)}")


def _require_int(obj: Mapping[str, Any], key: str, where: str = "") -> int:
    """An integer in the JSON sense: ``true`` (a Python int subclass) and ``30.0`` (a float) are not."""
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"'{where}{key}' must be an integer, got {json_type(value)}")
    return value


def _require_string(obj: Mapping[str, Any], key: str, where: str = "") -> None:
    value = obj[key]
    if not isinstance(value, str):
        raise ApiError(400, f"'{where}{key}' must be a string, got {json_type(value)}")
    if not value.strip():
        raise ApiError(400, f"'{where}{key}' must not be empty")


def _unknown(obj: Mapping[str, Any], allowed: Tuple[str, ...], where: str = "") -> None:
    extra = sorted(set(obj) - set(allowed))
    if extra:
        raise ApiError(
            400, f"unknown field '{where}{extra[0]}'; allowed fields: {', '.join(where + a for a in allowed)}"
        )


def validate_storage_config(value: Any) -> JsonObject:
    """``storageConfig`` per the doc's StorageConfig section.

    Decisions where the doc is silent: ``vendor``, ``bucket``, ``accessKey`` and ``secretKey`` are required
    and the strings must be non-empty (a storage target without them cannot receive a file); ``region`` is
    required for every vendor but Azure, and must be a code in that vendor's table (so S3 ``18``/``19``
    are refused). For Azure the doc says region "does not take effect": it may be omitted or be any integer,
    and is stored and echoed as given. ``null`` is not accepted: the API has no documented way to remove a
    storage configuration.
    """
    where = "storageConfig."
    if not isinstance(value, dict):
        raise ApiError(400, f"'storageConfig' must be an object, got {json_type(value)}")
    _unknown(value, STORAGE_FIELDS, where)
    for key in ("vendor", "bucket", "accessKey", "secretKey"):
        if key not in value:
            raise ApiError(400, f"'{where}{key}' is required")
    vendor_code = _require_int(value, "vendor", where)
    if vendor_code not in set(Vendor):
        raise ApiError(400, f"'{where}vendor' must be one of 0-5, got {vendor_code}")
    vendor = Vendor(vendor_code)
    if "region" in value:
        region = _require_int(value, "region", where)
        if vendor not in VENDORS_WITHOUT_REGION and region not in STORAGE_REGIONS[vendor]:
            raise ApiError(
                400,
                f"'{where}region' {region} is not a region of vendor {vendor_code} ({VENDOR_NAMES[vendor]});"
                f" valid: {describe_regions(vendor)}",
            )
    elif vendor not in VENDORS_WITHOUT_REGION:
        raise ApiError(400, f"'{where}region' is required for vendor {vendor_code} ({VENDOR_NAMES[vendor]})")
    for key in ("bucket", "accessKey", "secretKey"):
        _require_string(value, key, where)
    return dict(value)


def validate_patch_body(raw: bytes) -> JsonObject:
    """Parse and validate a PATCH body exactly per the doc's request-body table (400 on any violation).

    ``enabled`` is required; ``snapshotInterval`` is an integer in [5, 300]; ``enableModeration`` a boolean;
    ``storageConfig`` see :func:`validate_storage_config`. Unknown fields and ``null`` values are refused.
    The stored-region/push-region "same geography" advice of the doc is *not* enforced: the doc presents it
    as a recommendation for upload performance, not as a request rule.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, f"request body exceeds {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise ApiError(400, "request body is empty; 'enabled' is required")
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise ApiError(400, f"request body must be a JSON object, got {json_type(body)}")
    _unknown(body, TOP_LEVEL_FIELDS)
    if "enabled" not in body:
        raise ApiError(400, "'enabled' is required")
    _require_bool(body, "enabled")
    if "snapshotInterval" in body:
        interval = _require_int(body, "snapshotInterval")
        if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            raise ApiError(
                400, f"'snapshotInterval' must be in [{MIN_INTERVAL}, {MAX_INTERVAL}], got {interval}"
            )
    if "enableModeration" in body:
        _require_bool(body, "enableModeration")
    if "storageConfig" in body:
        body["storageConfig"] = validate_storage_config(body["storageConfig"])
    return body


# ------------------------------------------------------------------------------------------------ handler


class SnapshotSettingsApi:
    """The two documented operations over a :class:`SettingsStore`, behind an :class:`Authenticator`."""

    def __init__(self, store: SettingsStore, entry_points: EntryPoints, authenticator: Authenticator) -> None:
        self.store = store
        self.entry_points = entry_points
        self.authenticator = authenticator

    def authenticate(self, authorization: Optional[str], parts: SignedParts) -> AuthResult:
        """The verdict on the request's ``Authorization`` header (Basic or HMAC, per ``--auth``)."""
        return self.authenticator.check(authorization, parts)

    def handle(self, method: str, path: str, auth: AuthResult, body: bytes, request_id: str) -> Response:
        """Answer one API request (already framed: ``body`` is complete and within the size limit)."""
        try:
            return self._handle(method, path, auth, body)
        except ApiError as err:
            return error_response(err.status, err.message, request_id, err.headers)

    def _handle(self, method: str, path: str, auth: AuthResult, body: bytes) -> Response:
        if auth.state != "ok":
            raise ApiError(401, auth.reason or INVALID_MESSAGE, self.authenticator.challenges())
        raw = parse_settings_path(path)
        if raw is None:
            raise ApiError(404, f"no such resource: {path}")
        if method not in ALLOWED_METHODS:
            raise ApiError(405, f"method {method} is not allowed", (("Allow", ALLOW_HEADER),))
        key = settings_key(raw)
        if not self.entry_points.exists(key.appid, key.entry_point):
            raise ApiError(404, f"entry point {key.entry_point!r} does not exist in project {key.appid!r}")
        if method == "GET":
            stored = self.store.get(key)
            return json_response(200, stored if stored is not None else canonical(default_setting()))
        patch = validate_patch_body(body)
        self.store.merge(key, patch)
        return empty_response(200)
