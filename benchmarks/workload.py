"""The settings every side of the benchmark writes, and the exact requests each side sends.

One place defines the N settings (one per entry point), their state before and after the update, the PATCH
bodies and paths, so the script, the floor provider and the real provider send byte-identical requests to
the emulator. Engine-side messages (``CreateRequest``...) are built here too, before any timing starts: the
engine is a Go program that prepares them concurrently, so their cost is not the provider's.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2

from agora_pulumi.testing.engine import PROVIDER_KEY, TYPE_TOKEN, to_struct, urn_for

APP_ID = "0123456789abcdef"
REGIONS = ("cn", "ap", "na", "eu")
CREATE_INTERVAL = 30
UPDATE_INTERVAL = 60
DELETE_BODY: dict[str, Any] = {"enabled": False}


def name(i: int) -> str:
    return f"setting-{i:05d}"


def entry_point(i: int) -> str:
    return f"ep-{i // len(REGIONS):05d}"


def region(i: int) -> str:
    return REGIONS[i % len(REGIONS)]


def setting_id(i: int) -> str:
    return f"{APP_ID}/{entry_point(i)}/{region(i)}"


def path(i: int) -> str:
    return f"/v1/projects/{APP_ID}/fls/entry_points/{entry_point(i)}/settings/snapshot/regions/{region(i)}"


def state(i: int, interval: int) -> dict[str, Any]:
    """The checked inputs (= outputs) of setting ``i``, numbers as floats like every value on the wire."""
    return {
        "appId": APP_ID,
        "entryPoint": entry_point(i),
        "region": region(i),
        "enabled": True,
        "snapshotInterval": float(interval),
        "enableModeration": True,
        "storageConfig": {
            "vendor": 2.0,
            "region": 3.0,
            "bucket": "snapshots",
            "accessKey": f"AK-bench-{i:05d}",
            "secretKey": f"SK-bench-{i:05d}",
        },
    }


def body(i: int, interval: int) -> dict[str, Any]:
    """The full PATCH body the provider sends for ``state(i, interval)``."""
    return {
        "enabled": True,
        "snapshotInterval": interval,
        "enableModeration": True,
        "storageConfig": {
            "vendor": 2,
            "region": 3,
            "bucket": "snapshots",
            "accessKey": f"AK-bench-{i:05d}",
            "secretKey": f"SK-bench-{i:05d}",
        },
    }


def encode(obj: dict[str, Any]) -> bytes:
    """Compact JSON, as the provider's client encodes a body."""
    return json.dumps(obj, separators=(",", ":")).encode()


def script_requests(op: str, n: int) -> list[tuple[str, bytes]]:
    """(path, body) of the PATCH for each setting in phase ``op`` (create, update or delete)."""
    if op == "create":
        return [(path(i), encode(body(i, CREATE_INTERVAL))) for i in range(n)]
    if op == "update":
        return [(path(i), encode(body(i, UPDATE_INTERVAL))) for i in range(n)]
    if op == "delete":
        return [(path(i), encode(DELETE_BODY)) for i in range(n)]
    raise ValueError(f"no script phase {op!r}")


def _struct(props: dict[str, Any], blob: str) -> struct_pb2.Struct:
    return to_struct({**props, PROVIDER_KEY: blob})


def grpc_requests(op: str, n: int, blob: str) -> list[Any]:
    """The engine's request messages for ``op`` on settings ``0..n-1`` with provider ``blob``.

    ``create``/``update``/``delete`` as in ``pulumi up``/``destroy``; ``read`` as in ``pulumi refresh``;
    ``check`` and ``diff`` of the update's new inputs against the old ones (the preview of that update).
    """
    out: list[Any] = []
    for i in range(n):
        urn, nm, old, new = urn_for(name(i)), name(i), state(i, CREATE_INTERVAL), state(i, UPDATE_INTERVAL)
        if op == "create":
            out.append(provider_pb2.CreateRequest(urn=urn, properties=_struct(old, blob), name=nm, type=TYPE_TOKEN))
        elif op == "update":
            olds, news = _struct(old, blob), _struct(new, blob)
            out.append(
                provider_pb2.UpdateRequest(
                    id=setting_id(i), urn=urn, olds=olds, news=news, old_inputs=olds, name=nm, type=TYPE_TOKEN
                )
            )
        elif op == "delete":
            props = _struct(new, blob)
            out.append(
                provider_pb2.DeleteRequest(
                    id=setting_id(i), urn=urn, properties=props, old_inputs=props, name=nm, type=TYPE_TOKEN
                )
            )
        elif op == "read":
            props = _struct(old, blob)
            out.append(
                provider_pb2.ReadRequest(
                    id=setting_id(i), urn=urn, properties=props, inputs=props, name=nm, type=TYPE_TOKEN
                )
            )
        elif op == "check":
            out.append(
                provider_pb2.CheckRequest(
                    urn=urn, olds=_struct(old, blob), news=_struct(new, blob), name=nm, type=TYPE_TOKEN
                )
            )
        elif op == "diff":
            out.append(
                provider_pb2.DiffRequest(
                    id=setting_id(i), urn=urn, olds=_struct(old, blob), news=_struct(new, blob), name=nm, type=TYPE_TOKEN
                )
            )
        else:
            raise ValueError(f"no engine call {op!r}")
    return out


def preview_requests(n: int, blob: str) -> list[tuple[Any, Any]]:
    """A no-op preview (or the plan of a no-op ``up``): per setting, the engine's Check of unchanged inputs,
    then a Diff of the stored outputs against what Check returned (its ``news`` is filled in by the caller
    from the Check response, as the engine does)."""
    out: list[tuple[Any, Any]] = []
    for i in range(n):
        urn, nm, same = urn_for(name(i)), name(i), _struct(state(i, CREATE_INTERVAL), blob)
        check = provider_pb2.CheckRequest(urn=urn, olds=same, news=same, name=nm, type=TYPE_TOKEN)
        diff = provider_pb2.DiffRequest(id=setting_id(i), urn=urn, olds=same, name=nm, type=TYPE_TOKEN)
        out.append((check, diff))
    return out
