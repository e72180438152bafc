"""The floor: the least a dynamic provider can do for these settings, run by the same SDK server.

``FloorProvider`` sends exactly the PATCH (or GET) the real provider sends, with one module-level pooled
``requests.Session``, and does nothing else: no validation, no model, no error translation. Whatever time it
takes through ``python -m pulumi.dynamic`` is the SDK's per-call cost (gRPC, property (de)serialisation, a
fresh asyncio loop per call) plus one HTTP request: a cost the project cannot remove. The benchmark pickles it
with ``serialize_provider`` like a resource would, and the provider process imports this module by reference
(``benchmarks`` must be on its ``PYTHONPATH``).

It imports only what the real provider's process imports anyway (``pulumi.dynamic`` and ``requests``), so its
cold start is the SDK's too.
"""

from __future__ import annotations

import json
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

_SESSION = requests.Session()
_SESSION.trust_env = False
_ADAPTER = HTTPAdapter(pool_connections=1, pool_maxsize=4)
_SESSION.mount("http://", _ADAPTER)
_SESSION.mount("https://", _ADAPTER)
_BASE: list[str] = [""]
_JSON = {"Content-Type": "application/json"}


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


def _patch(path: str, data: bytes) -> None:
    response = _SESSION.patch(_BASE[0] + path, data=data, headers=_JSON, timeout=(5, 30), allow_redirects=False)
    if response.status_code != 200:
        raise RuntimeError(f"PATCH {path}: HTTP {response.status_code}")


def _id(props: dict[str, Any]) -> str:
    return f"{props['appId']}/{props['entryPoint']}/{props['region']}"


class FloorProvider(ResourceProvider):
    """Only the request: create/update = PATCH of the full body, delete = PATCH ``enabled: false``."""

    def configure(self, req: ConfigureRequest) -> None:
        _BASE[0] = str(req.config.get("agora:endpoint")).rstrip("/")
        _SESSION.auth = (str(req.config.get("agora:customerId")), str(req.config.get("agora:customerSecret")))

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
        response = _SESSION.get(_BASE[0] + _path(props), timeout=(5, 30), allow_redirects=False)
        if response.status_code != 200:
            raise RuntimeError(f"GET {id_}: HTTP {response.status_code}")
        return ReadResult(id_, props, props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _patch(_path(props), b'{"enabled":false}')


def blob() -> str:
    """The ``__provider`` value a resource using ``FloorProvider`` would register."""
    from pulumi.dynamic.dynamic import serialize_provider

    return str(serialize_provider(FloorProvider()))


