"""Plain helpers for the reliability & security suite (fixtures are in conftest.py).

Everything here talks to real sockets: the emulator's admin API, a closed port, the provider's gRPC server.
"""

from __future__ import annotations

import socket
import time
from typing import Any, Mapping, Optional

from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2

from agora_pulumi.client import AgoraClient, ClientConfig, settings_path, worst_case_seconds
from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.engine import PROVIDER_KEY, TYPE_TOKEN, ProviderServer, to_struct, urn_for
from tests.support import APP_ID

# The fault matrix's retry policy: the production policy with short waits, no jitter (so attempt counts
# and minimum waits are exact) and a per-attempt read timeout small enough to make "slow" cheap.
MAX_RETRIES = 2
ATTEMPTS = MAX_RETRIES + 1
READ_TIMEOUT = 0.5
BACKOFF = 0.05
RETRY_AFTER_CAP = 0.2
SLOW_SECONDS = 1.0  # an injected delay: longer than READ_TIMEOUT
SLACK_SECONDS = 1.5  # gRPC, process and scheduling overhead on a loaded 2-core CI machine

MATRIX_CONFIG: Mapping[str, str] = {
    "agora:maxRetries": str(MAX_RETRIES),
    "agora:timeoutSeconds": str(READ_TIMEOUT),
    "agora:connectTimeoutSeconds": "0.5",
    "agora:retryBackoffSeconds": str(BACKOFF),
    "agora:retryJitterSeconds": "0",
    "agora:maxRetryAfterSeconds": str(RETRY_AFTER_CAP),
}


def client_config(stack: Mapping[str, str]) -> ClientConfig:
    """The ClientConfig the provider builds from this stack config (same parser, no environment)."""
    return ClientConfig.from_sources(stack.get, {})


def bound_seconds(stack: Mapping[str, str]) -> float:
    """The documented worst case of one call under this stack config."""
    return worst_case_seconds(client_config(stack))


def backoff_before(retry: int, factor: float = BACKOFF) -> float:
    """The minimum wait before retry ``retry`` (1-based) with jitter 0: ``factor * 2**(retry-1)``."""
    return float(factor * 2 ** (retry - 1))


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def api_path(entry_point: str, region: str = "cn", app_id: str = APP_ID) -> str:
    return settings_path(SettingIdentity(app_id, entry_point, region))


def direct_client(url: str, secret: str = DEFAULT_CUSTOMER_SECRET) -> AgoraClient:
    """A client in the test process (another "deployment"): seeds settings the provider process never wrote."""
    return AgoraClient(ClientConfig(DEFAULT_CUSTOMER_ID, secret, endpoint=url, backoff_factor=0.01, backoff_jitter=0))


def settle(emu: EmulatorHandle, path: str, count: int, timeout: float = 8.0) -> list[dict[str, Any]]:
    """The log entries for ``path`` once there are ``count`` of them.

    The emulator records a request after answering it (and a delayed request only after its delay), so a
    test that has its answer may not see the entry yet; waiting for the exact count also proves no further
    request arrives in a short grace period.
    """
    deadline = time.monotonic() + timeout
    entries = [e for e in emu.api_requests() if e["path"] == path]
    while len(entries) < count and time.monotonic() < deadline:
        time.sleep(0.02)
        entries = [e for e in emu.api_requests() if e["path"] == path]
    time.sleep(0.05)
    entries = [e for e in emu.api_requests() if e["path"] == path]
    assert len(entries) == count, f"expected {count} requests to {path}, saw {[e['status'] for e in entries]}"
    return entries


def stored(emu: EmulatorHandle, entry_point: str, region: str = "cn") -> Optional[dict[str, Any]]:
    return emu.stored(APP_ID, entry_point, region)


def stored_setting(emu: EmulatorHandle, entry_point: str, region: str = "cn", app_id: str = APP_ID) -> dict[str, Any]:
    """The stored setting, which must exist."""
    setting = emu.stored(app_id, entry_point, region)
    assert setting is not None, f"{app_id}/{entry_point}/{region} was never configured"
    return setting


def wire_body(state: Mapping[str, Any]) -> dict[str, Any]:
    """What the emulator stores for a provider state (the PATCH body: identity removed, Azure region dropped)."""
    body = {k: state[k] for k in ("enabled", "snapshotInterval", "enableModeration")}
    storage = state.get("storageConfig")
    if storage is not None:
        body["storageConfig"] = {k: v for k, v in storage.items() if not (k == "region" and v is None)}
    return body


def value_to_python(value: struct_pb2.Value) -> Any:
    """A protobuf ``Value`` as Python, like ``json_format`` but keeping inf/NaN (which JSON cannot hold)."""
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return struct_to_python(value.struct_value)
    if kind == "list_value":
        return [value_to_python(v) for v in value.list_value.values]
    if kind in (None, "null_value"):
        return None
    return getattr(value, kind)


def struct_to_python(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {key: value_to_python(v) for key, v in struct.fields.items()}


def check_raw(
    server: ProviderServer, news: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None, name: str = "setting"
) -> tuple[Any, dict[str, Any], list[tuple[str, str]]]:
    """The engine's Check, returning the raw response too (for leak scans) and inputs without ``__provider``."""
    response = server.stub.Check(
        provider_pb2.CheckRequest(
            urn=urn_for(name),
            olds=to_struct({**olds, PROVIDER_KEY: server.provider} if olds else {}),
            news=to_struct({**news, PROVIDER_KEY: server.provider}),
            name=name,
            type=TYPE_TOKEN,
        )
    )
    inputs = without_provider(struct_to_python(response.inputs))
    return response, inputs, [(f.property, f.reason) for f in response.failures]
