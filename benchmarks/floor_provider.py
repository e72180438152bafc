"""The floor: the least a dynamic provider can do for these settings, run by the same SDK server.

``FloorProvider`` sends exactly the PATCH (or GET) the real provider sends, signed the same way (HMAC-SHA256
per request, :func:`agora_pulumi.signing.hmac_headers`), with one module-level pooled ``requests.Session``,
and does nothing else (no rate limit either): no validation, no model, no error translation. Whatever time it
takes through ``python -m pulumi.dynamic`` is the SDK's per-call cost (gRPC, property (de)serialisation, a
fresh asyncio loop per call) plus one HTTP request: a cost the project cannot remove. The benchmark pickles it
with ``serialize_provider`` like a resource would, and the provider process imports this module by reference
(``benchmarks`` must be on its ``PYTHONPATH``).

It imports only what the real provider's process imports anyway (``pulumi.dynamic``, ``requests`` and the
standard-library-only ``agora_pulumi.signing``), so its cold start is the SDK's too.
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests
from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from requests.adapters import HTTPAdapter

from agora_pulumi.signing import hmac_headers, host_header, http_date

_SESSION = requests.Session()
_SESSION.trust_env = False
_ADAPTER = HTTPAdapter(pool_connections=1, pool_maxsize=4)
_SESSION.mount("http://", _ADAPTER)
_SESSION.mount("https://", _ADAPTER)
_BASE: list[str] = [""]
_AUTH: dict[str, str] = {"customer_id": "", "customer_secret": "", "host": ""}


def _path(props: dict[str, Any]) -> str:
    return (
        f"/v1/projects/{props['appId']}/fls/entry_points/{props['entryPoint']}"
        f"/settings/snapshot/regions/{props['region']}"
    )


def _body(props: dict[str, Any]) -> bytes:
    storage = props["storageConfig"]
    body = {
        "enabled": props["enabled"],
        "snapshotInterval": int(props["snapshotInterval"]),
        "enableModeration": props["enableModeration"],
        "storageConfig": {
            "vendor": int(storage["vendor"]),
            "region": int(storage["region"]),
            "bucket": storage["bucket"],
            "accessKey": storage["accessKey"],
            "secretKey": storage["secretKey"],
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _signed(method: str, path: str, data: bytes) -> dict[str, str]:
    return hmac_headers(method=method, path=path, body=data, date=http_date(time.time()), **_AUTH)


def _patch(path: str, data: bytes) -> None:
    headers = {**_signed("PATCH", path, data), "Content-Type": "application/json"}
    response = _SESSION.patch(_BASE[0] + path, data=data, headers=headers, timeout=(5, 30), allow_redirects=False)
    if response.status_code != 200:
        raise RuntimeError(f"PATCH {path}: HTTP {response.status_code}")


def _id(props: dict[str, Any]) -> str:
    return f"{props['appId']}/{props['entryPoint']}/{props['region']}"


class FloorProvider(ResourceProvider):
    """Only the request: create/update = PATCH of the full body, delete = PATCH ``enabled: false``."""

    def configure(self, req: ConfigureRequest) -> None:
        _BASE[0] = str(req.config.get("agora:endpoint")).rstrip("/")
        _AUTH.update(customer_id=str(req.config.get("agora:customerId")),
                     customer_secret=str(req.config.get("agora:customerSecret")), host=host_header(_BASE[0]))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        _patch(_path(props), _body(props))
        return CreateResult(_id(props), props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _patch(_path(news), _body(news))
        return UpdateResult(news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = _path(props)
        headers = _signed("GET", path, b"")
        response = _SESSION.get(_BASE[0] + path, headers=headers, timeout=(5, 30), allow_redirects=False)
        if response.status_code != 200:
            raise RuntimeError(f"GET {id_}: HTTP {response.status_code}")
        return ReadResult(id_, props, props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _patch(_path(props), b'{"enabled":false}')


def blob() -> str:
    """The ``__provider`` value a resource using ``FloorProvider`` would register."""
    from pulumi.dynamic.dynamic import serialize_provider

    return str(serialize_provider(FloorProvider()))


