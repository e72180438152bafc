"""The SDK's own mock monitor, recording what a program registers (raw requests, options included).

Shared by the resource tests: ``monitor`` (in ``tests/conftest.py``) installs it with ``set_mocks``.
"""

from __future__ import annotations

from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks, rpc

SECRET_SIG = {rpc._special_sig_key: rpc._special_secret_sig}


class RecordingMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, keeping the raw RegisterResource requests (options included)."""

    def __init__(self, m: mocks.Mocks) -> None:
        super().__init__(m)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if request.type != "pulumi:pulumi:Stack":
            self.requests.append(request)
        return super().RegisterResource(request)


class EchoMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", args.inputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def install() -> RecordingMonitor:
    """Run the program under test against a fresh recording monitor."""
    recording = RecordingMonitor(EchoMocks())
    pulumi.runtime.set_mocks(EchoMocks(), project="agora-snapshots", stack="dev", preview=False, monitor=recording)
    return recording


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and all(value.get(k) == v for k, v in SECRET_SIG.items())


def registered(monitor: RecordingMonitor) -> list[dict[str, Any]]:
    return [json_format.MessageToDict(r.object) for r in monitor.requests]


