"""Request validation and the snapshot-settings handlers: pure functions from a request to a response.

Nothing here touches sockets, so every rule of the API doc can be read in one place and unit-tested
without a server. Handlers return a :class:`Response` ``(status, headers, body)``; :mod:`.server` writes
it, adds ``X-Request-Id`` and logs it.

Three snapshot paths are served, each a :class:`SnapshotApi` with its own body rules and its own stored
settings (see :data:`SNAPSHOT_APIS`):

* ``legacy`` -- the seed doc's ``.../settings/snapshot/regions/{region}``: ``storageConfig`` with the seed's
  vendors 0-5 (``SEED_CATALOG``);
* ``standard`` -- the current reference's ``.../settings/snapshot/standard/regions/{region}``: no
  ``storageConfig`` at all ("standard snapshot ... does not" use third-party storage);
* ``custom`` -- ``.../settings/snapshot/custom/regions/{region}``: ``storageConfig`` with the current
  reference's vendors 0-8 (``CURRENT_CATALOG``).

Order of checks, the same on every path (the doc is silent; this is what an API gateway in front of a
service does, and what makes every error deterministic):

0. Framing, in :mod:`.server`, before anything else: a malformed request line or target -> 400, a body
   over 64 KiB or a bad ``Content-Length`` -> 400, chunked encoding -> 411, a stalled body -> 408.
1. ``Authorization`` (Basic or HMAC, see :mod:`.auth`) -> 401 for anything under the API, even unknown
   paths, so an unauthenticated caller learns nothing about which paths exist.
2. The path must match one of the three settings templates -> otherwise 404.
3. The method must be GET or PATCH -> otherwise 405 with ``Allow: GET, PATCH``.
4. Path parameters: empty ``appid``/``entry_point`` or a ``region`` outside cn/ap/na/eu -> 400.
5. The entry point must exist -> otherwise 404.
6. PATCH body validation, by the path's rules -> 400.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple
from urllib.parse import unquote

from agora_pulumi.regions import (
    CURRENT_CATALOG,
    MAX_INTERVAL,
    MIN_INTERVAL,
    PUSH_REGIONS,
    SEED_CATALOG,
    StorageCatalog,
)

from .auth import INVALID_MESSAGE, Authenticator, AuthResult, SignedParts
from .models import (
    LEGACY,
    EntryPoints,
    JsonObject,
    SettingKey,
    SettingKind,
    SettingsStore,
    canonical,
    default_setting,
)

MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (64 KiB). A real settings body is ~300 bytes; anything near the limit is a
bug or an attack. Bodies above it get 400 and the connection is closed without reading them."""

ALLOWED_METHODS = ("GET", "PATCH")
ALLOW_HEADER = ", ".join(ALLOWED_METHODS)

Headers = Tuple[Tuple[str, str], ...]

JSON_TYPE = "application/json"

SETTINGS_PATH = re.compile(
    r"^/v1/projects/(?P<appid>[^/]*)/fls/entry_points/(?P<entry_point>[^/]*)"
    r"/settings/snapshot(?:/(?P<kind>standard|custom))?/regions/(?P<region>[^/]*)$"
)
"""The API's resources: the legacy path, or with ``standard``/``custom`` before ``regions``. Segments may be
empty here so that ``/v1/projects//fls/...`` reaches the 400 "appid is empty" rule of the doc instead of a
404. Any other word in the kind position (``legacy`` included) is an unknown path, 404."""

TOP_LEVEL_FIELDS = ("enabled", "snapshotInterval", "storageConfig", "enableModeration")
STANDARD_FIELDS = ("enabled", "snapshotInterval", "enableModeration")
STORAGE_FIELDS = ("vendor", "region", "bucket", "accessKey", "secretKey")

_PATH_KINDS: Mapping[Optional[str], SettingKind] = {None: LEGACY, "standard": "standard", "custom": "custom"}
"""The kind segment of :data:`SETTINGS_PATH` (absent on the legacy path) -> the setting's kind."""


@dataclass(frozen=True)
class SnapshotApi:
    """One snapshot path's body rules: its top-level fields and the catalog ``storageConfig`` is checked
    against (``None``: the path takes no ``storageConfig``). ``table`` is how error messages name that
    catalog's region table; empty for legacy, so the seed's messages read exactly as they always did."""

    kind: SettingKind
    fields: Tuple[str, ...]
    catalog: Optional[StorageCatalog]
    table: str = ""


SNAPSHOT_APIS: Mapping[SettingKind, SnapshotApi] = {
    "legacy": SnapshotApi("legacy", TOP_LEVEL_FIELDS, SEED_CATALOG),
    "standard": SnapshotApi("standard", STANDARD_FIELDS, None),
    "custom": SnapshotApi(
        "custom", TOP_LEVEL_FIELDS, CURRENT_CATALOG, " in the current reference's custom-snapshot table"
    ),
}


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
    """The raw ``(appid, entry_point, region)`` segments if ``path`` is a settings resource, else ``None``."""
    found = parse_settings_target(path)
    return None if found is None else found[1]


def parse_settings_target(path: str) -> Optional[Tuple[SettingKind, Tuple[str, str, str]]]:
    """Which snapshot API ``path`` addresses and its raw ``(appid, entry_point, region)``, else ``None``."""
    match = SETTINGS_PATH.match(path)
    if match is None:
        return None
    kind = _PATH_KINDS[match.group("kind")]
    return kind, (match.group("appid"), match.group("entry_point"), match.group("region"))


def settings_key(raw: Tuple[str, str, str], kind: SettingKind = LEGACY) -> SettingKey:
    """Validate the three path parameters (400 on failure); the same rules on every path.

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
    return SettingKey(appid, entry_point, region, kind)


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


def validate_storage_config(
    value: Any, catalog: StorageCatalog = SEED_CATALOG, table: str = ""
) -> JsonObject:
    """``storageConfig`` per the doc's StorageConfig section, against ``catalog``'s vendors and regions.

    Decisions where the doc is silent: ``vendor``, ``bucket``, ``accessKey`` and ``secretKey`` are required
    and the strings must be non-empty (a storage target without them cannot receive a file); ``region`` is
    required for every vendor that takes one, and must be a code in that vendor's table (so seed S3
    ``18``/``19`` and current S3 ``17``/``23``/``26`` are refused). For a vendor without regions (Azure;
    Google Cloud in the current catalog) the doc says region "does not take effect": it may be omitted or be
    any integer, and is stored and echoed as given. ``null`` is not accepted: the API has no documented way
    to remove a storage configuration. ``table`` is appended to the messages that cite the catalog.
    """
    where = "storageConfig."
    if not isinstance(value, dict):
        raise ApiError(400, f"'storageConfig' must be an object, got {json_type(value)}")
    _unknown(value, STORAGE_FIELDS, where)
    for key in ("vendor", "bucket", "accessKey", "secretKey"):
        if key not in value:
            raise ApiError(400, f"'{where}{key}' is required")
    vendor = _require_int(value, "vendor", where)
    if vendor not in catalog.vendor_names:
        codes = sorted(catalog.vendor_names)
        raise ApiError(400, f"'{where}vendor' must be one of {codes[0]}-{codes[-1]}{table}, got {vendor}")
    name = catalog.vendor_names[vendor]
    takes_region = vendor not in catalog.vendors_without_region
    if "region" in value:
        region = _require_int(value, "region", where)
        if takes_region and region not in catalog.storage_regions[vendor]:
            raise ApiError(
                400,
                f"'{where}region' {region} is not a region of vendor {vendor} ({name}){table};"
                f" valid: {catalog.describe_regions(vendor)}",
            )
    elif takes_region:
        raise ApiError(400, f"'{where}region' is required for vendor {vendor} ({name})")
    for key in ("bucket", "accessKey", "secretKey"):
        _require_string(value, key, where)
    return dict(value)


def validate_patch_body(raw: bytes, api: SnapshotApi = SNAPSHOT_APIS[LEGACY]) -> JsonObject:
    """Parse and validate a PATCH body exactly per the doc's request-body table (400 on any violation).

    ``enabled`` is required; ``snapshotInterval`` is an integer in [5, 300]; ``enableModeration`` a boolean;
    ``storageConfig`` see :func:`validate_storage_config`, checked against ``api``'s catalog; a path without
    one (standard) refuses the field by name, before anything else in the body, since that is the mistake
    worth explaining. Unknown fields and ``null`` values are refused. The stored-region/push-region "same
    geography" advice of the doc is *not* enforced: the doc presents it as a recommendation for upload
    performance, not as a request rule.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, f"request body exceeds {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise ApiError(400, "request body is empty; 'enabled' is required")
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise ApiError(400, f"request body must be a JSON object, got {json_type(body)}")
    if api.catalog is None and "storageConfig" in body:
        raise ApiError(
            400,
            f"'storageConfig' is not accepted here: {api.kind} snapshot does not take third-party storage;"
            " use the custom snapshot path (.../settings/snapshot/custom/regions/{region})",
        )
    _unknown(body, api.fields)
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
    if "storageConfig" in body and api.catalog is not None:
        body["storageConfig"] = validate_storage_config(body["storageConfig"], api.catalog, api.table)
    return body


# ------------------------------------------------------------------------------------------------ handler


class SnapshotSettingsApi:
    """The two documented operations (GET, PATCH) of each snapshot path over a :class:`SettingsStore`,
    behind an :class:`Authenticator`. The path decides the rules and which stored setting is addressed."""

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
        target = parse_settings_target(path)
        if target is None:
            raise ApiError(404, f"no such resource: {path}")
        if method not in ALLOWED_METHODS:
            raise ApiError(405, f"method {method} is not allowed", (("Allow", ALLOW_HEADER),))
        kind, raw = target
        key = settings_key(raw, kind)
        if not self.entry_points.exists(key.appid, key.entry_point):
            raise ApiError(404, f"entry point {key.entry_point!r} does not exist in project {key.appid!r}")
        if method == "GET":
            stored = self.store.get(key)
            return json_response(200, stored if stored is not None else canonical(default_setting()))
        patch = validate_patch_body(body, SNAPSHOT_APIS[kind])
        self.store.merge(key, patch)
        return empty_response(200)
