"""The ``/_emulator/...`` admin routes: what a test or a developer uses to observe and steer the emulator.

The admin API has no auth (it is loopback tooling), so :func:`refusal` guards it against the two ways a
web page in a browser on the same machine could still reach it: a cross-origin request (any ``Origin``
header -> 403; a ``text/plain`` POST needs no CORS preflight, so without this any page could reset the
emulator), and DNS rebinding (a ``Host`` that is not a loopback name -> 403, so ``evil.example`` resolving
to 127.0.0.1 cannot read stored keys). Loopback is decided by parsing the host as an IP address, never by
prefix (``127.0.0.1.evil.example`` is not loopback).

Each route is a pure function ``(app, request, path params) -> Response`` found through :data:`ROUTES`
(path template -> method -> handler), so adding a route is one table row, the ``Allow`` header of a 405 is
derived from the same row, and a route can be called without a socket. :mod:`.server` frames the request
and writes the answer.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Callable, Mapping, NamedTuple, Optional, Tuple
from urllib.parse import unquote

from .faults import FaultConfig
from .models import LEGACY, SettingKey, SettingKind, parse_kind
from .responses import Response, error_response, json_response
from .state import EmulatorApp

ADMIN_PREFIX = "/_emulator"


class AdminRequest(NamedTuple):
    """An admin request after framing: ``path`` is the full path (``/_emulator/...``) without the query;
    ``hosts`` every ``Host`` header received and ``origin`` the ``Origin`` header, if any."""

    method: str
    path: str
    body: bytes
    request_id: str
    hosts: Tuple[str, ...]
    origin: Optional[str] = None


Params = Tuple[str, ...]
AdminHandler = Callable[[EmulatorApp, AdminRequest, Params], Response]


def is_admin_path(path: str) -> bool:
    """Whether a request path belongs to the admin API (``/_emulatorx`` does not)."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


# ------------------------------------------------------------------------------------------------- guard

_PORT = re.compile(r"[0-9]{1,5}")


def is_loopback_host(host: str) -> bool:
    """Whether a ``Host`` header names this machine's loopback: ``localhost``, an IPv4 address in
    127.0.0.0/8 or ``[::1]``, each with an optional numeric port. Anything else, including names that
    merely start like one (``127.0.0.1.evil.example``, ``localhost.evil``), is not."""
    text = host.strip()
    if text.startswith("["):
        name, bracket, port = text[1:].partition("]")
        if not bracket or (port and not (port.startswith(":") and _PORT.fullmatch(port[1:]))):
            return False
        if ":" not in name:
            return False  # brackets are for IPv6 literals only
    else:
        name, colon, port = text.partition(":")
        if colon and not _PORT.fullmatch(port):
            return False
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def refusal(request: AdminRequest) -> Optional[Response]:
    """A 403 for an admin request a browser page could have sent (see the module docstring), else ``None``."""
    if request.origin is not None:
        message = "the admin API refuses requests with an Origin header (cross-origin browser requests)"
        return error_response(403, message, request.request_id)
    if len(request.hosts) != 1 or not is_loopback_host(request.hosts[0]):
        message = (
            "the admin API answers only a single loopback Host (localhost, 127.x.y.z or [::1], optional port)"
        )
        return error_response(403, message, request.request_id)
    return None


# ---------------------------------------------------------------------------------------------- handlers


def _ok() -> Response:
    return json_response(200, {"ok": True})


def list_requests(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``GET /requests``: the API request log, oldest first, secrets already redacted."""
    return json_response(200, app.requests.entries())


def clear_requests(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``DELETE /requests``: forget the log only (settings and faults stay)."""
    app.requests.clear()
    return _ok()


def reset(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``POST /reset``: settings, faults and log back to a fresh emulator."""
    app.reset()
    return _ok()


def get_faults(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``GET /faults``: the fault config with the queue as it is now (consumed items gone)."""
    return json_response(200, app.faults.current().to_json())


def set_faults(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``POST /faults``: replace the whole fault config; an invalid one is 400 and the old one stays."""
    body = request.body
    try:
        config = FaultConfig.from_json(json.loads(body.decode("utf-8")) if body.strip() else {})
    except (ValueError, UnicodeDecodeError) as exc:
        return error_response(400, f"invalid fault config: {exc}", request.request_id)
    app.faults.configure(config)
    return json_response(200, config.to_json())


def health(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``GET /health``: liveness plus which entry points exist (``any`` when unrestricted)."""
    return json_response(200, {"ok": True, "entry_points": app.entry_points.listing() or "any"})


def get_setting(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``GET /settings/{appid}/{entry_point}/{region}``: the stored *legacy* setting unredacted, 404 if
    never set. Legacy because that is what this route returned before the other kinds existed."""
    return _stored(app, request, LEGACY, params)


def get_setting_of_kind(app: EmulatorApp, request: AdminRequest, params: Params) -> Response:
    """``GET /settings/{kind}/{appid}/{entry_point}/{region}``: the stored setting of that kind
    (``legacy``, ``standard`` or ``custom``) unredacted; 404 if never set or the kind is unknown.

    The kind is a path segment rather than a query parameter so every admin route stays a plain path
    template; four segments cannot be mistaken for the three of the legacy route."""
    try:
        kind = parse_kind(params[0])
    except ValueError as exc:
        return error_response(404, str(exc), request.request_id)
    return _stored(app, request, kind, params[1:])


def _stored(app: EmulatorApp, request: AdminRequest, kind: SettingKind, params: Params) -> Response:
    try:
        appid, entry_point, region = (unquote(p, errors="strict") for p in params)
    except UnicodeDecodeError:
        return error_response(400, "invalid percent-encoding", request.request_id)
    stored = app.store.get(SettingKey(appid, entry_point, region, kind))
    if stored is None:
        return error_response(404, "never configured", request.request_id)
    return json_response(200, stored)


# ---------------------------------------------------------------------------------------------- dispatch

ROUTES: Tuple[Tuple[re.Pattern[str], Mapping[str, AdminHandler]], ...] = (
    (re.compile(r"/requests"), {"GET": list_requests, "DELETE": clear_requests}),
    (re.compile(r"/reset"), {"POST": reset}),
    (re.compile(r"/faults"), {"GET": get_faults, "POST": set_faults}),
    (re.compile(r"/health"), {"GET": health}),
    (re.compile(r"/settings/([^/]*)/([^/]*)/([^/]*)"), {"GET": get_setting}),
    (re.compile(r"/settings/([^/]*)/([^/]*)/([^/]*)/([^/]*)"), {"GET": get_setting_of_kind}),
)
"""Route template (relative to ``/_emulator``) -> method -> handler. The methods' order is the ``Allow``
header's order."""


def resolve(path: str) -> Optional[Tuple[Mapping[str, AdminHandler], Params]]:
    """The route row and path parameters for an admin path, or ``None`` (404)."""
    route = path[len(ADMIN_PREFIX) :]
    for pattern, methods in ROUTES:
        match = pattern.fullmatch(route)
        if match is not None:
            return methods, match.groups()
    return None


def handle_admin(app: EmulatorApp, request: AdminRequest) -> Response:
    """Answer one admin request: 403 for what a browser page could have sent (checked first, before the
    path is even looked at), 404 for an unknown path, 405 (with ``Allow``) for a known path's other
    methods, else the route's answer."""
    refused = refusal(request)
    if refused is not None:
        return refused
    found = resolve(request.path)
    if found is None:
        return error_response(404, f"no such emulator endpoint: {request.path}", request.request_id)
    methods, params = found
    handler = methods.get(request.method)
    if handler is None:
        allow = ", ".join(methods)
        return error_response(
            405, f"method {request.method} is not allowed", request.request_id, (("Allow", allow),)
        )
    return handler(app, request, params)
