"""The ``/_emulator/...`` admin routes: what a test or a developer uses to observe and steer the emulator.

Each route is a pure function ``(app, request, path params) -> Response`` found through :data:`ROUTES`
(path template -> method -> handler), so adding a route is one table row, the ``Allow`` header of a 405 is
derived from the same row, and a route can be called without a socket. :mod:`.server` frames the request
and writes the answer.
"""

from __future__ import annotations

import json
import re
from typing import Callable, Mapping, NamedTuple, Optional, Tuple
from urllib.parse import unquote

from .faults import FaultConfig
from .models import SettingKey
from .responses import Response, error_response, json_response
from .state import EmulatorApp

ADMIN_PREFIX = "/_emulator"


class AdminRequest(NamedTuple):
    """An admin request after framing: ``path`` is the full path (``/_emulator/...``) without the query."""

    method: str
    path: str
    body: bytes
    request_id: str


Params = Tuple[str, ...]
AdminHandler = Callable[[EmulatorApp, AdminRequest, Params], Response]


def is_admin_path(path: str) -> bool:
    """Whether a request path belongs to the admin API (``/_emulatorx`` does not)."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


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
    """``GET /settings/{appid}/{entry_point}/{region}``: the stored setting unredacted, 404 if never set."""
    try:
        key = SettingKey(*(unquote(p, errors="strict") for p in params))
    except UnicodeDecodeError:
        return error_response(400, "invalid percent-encoding", request.request_id)
    stored = app.store.get(key)
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
    """Answer one admin request: 404 for an unknown path, 405 (with ``Allow``) for a known path's other
    methods, else the route's answer."""
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
