"""Drive the SDK's dynamic-provider server the way the Pulumi engine does, without the Pulumi CLI.

The engine runs a dynamic provider as ``python -u -m pulumi.dynamic`` (the SDK's own gRPC
``ResourceProvider`` server, which prints its port on stdout) and calls Configure, Check, Diff, Create,
Read, Update and Delete on it. This module does exactly that, for this package's tests and benchmarks and
for anyone testing a program that uses it:

* properties travel as ``google.protobuf.Struct``, so every number arrives as a float;
* preview unknowns are the engine's sentinel string (``rpc.UNKNOWN``);
* secrets are sent unwrapped (the dynamic provider answers Configure with ``acceptSecrets: false``, so the
  engine strips secret markers before calling it);
* ``__provider`` is the base64 dill pickle the resource registered.

Not used by the provider itself; it only needs ``grpcio`` and ``protobuf``, which ``pulumi`` brings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import IO, Any, Mapping, Optional, TypeVar

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ..names import PROVIDER_KEY, TYPE_TOKEN

UNKNOWN = rpc.UNKNOWN
DEFAULT_STACK = "dev"
DEFAULT_PROJECT = "agora-snapshots"

__all__ = ["PROVIDER_KEY", "TYPE_TOKEN", "UNKNOWN", "ProviderServer", "ServedProvider", "from_struct", "provider_blob", "to_struct", "urn_for"]


def provider_blob(kind: str = "legacy") -> str:
    """The ``__provider`` value a resource of ``kind`` (``legacy``: ``SnapshotSetting``, ``standard``,
    ``custom``, or ``set``: ``SnapshotSettingSet``) registers: the same serialisation the resource uses."""
    from pulumi.dynamic.dynamic import serialize_provider

    from ..provider import PROVIDERS
    from ..set_provider import SnapshotSettingSetProvider

    provider = SnapshotSettingSetProvider() if kind == "set" else PROVIDERS[kind]()
    return str(serialize_provider(provider))


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))


def urn_for(
    name: str, stack: str = DEFAULT_STACK, project: str = DEFAULT_PROJECT, type_token: str = TYPE_TOKEN
) -> str:
    """The URN the engine gives a resource of ``type_token`` named ``name`` in ``project``/``stack``."""
    return f"urn:pulumi:{stack}::{project}::{type_token}::{name}"


class ServedProvider:
    """A provider process the way the engine runs one: started with ``command()``, it prints its gRPC port on
    stdout; a stub to it, its stderr kept. Use as a context manager. Subclasses name the command."""

    def __init__(self, env: Optional[Mapping[str, str]] = None, python: str = sys.executable) -> None:
        self._env = {**os.environ, **(env or {})}
        self._python = python
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.channel: Optional[grpc.Channel] = None
        self.stub: Any = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def __enter__(self: _Served) -> _Served:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        command = self.command()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr, env=self._env)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"{' '.join(command[2:])} did not print a port (got {line!r}): {self.stderr_text()}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def stderr_text(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")


_Served = TypeVar("_Served", bound=ServedProvider)


class ProviderServer(ServedProvider):
    """One ``python -u -m pulumi.dynamic`` process and a gRPC stub to it. Use as a context manager.

    ``stack``, ``project`` and ``type_token`` shape the URNs and types sent, as the engine would for a
    program of that project and stack.
    """

    def __init__(
        self,
        env: Optional[Mapping[str, str]] = None,
        python: str = sys.executable,
        provider: Optional[str] = None,
        *,
        stack: str = DEFAULT_STACK,
        project: str = DEFAULT_PROJECT,
        type_token: str = TYPE_TOKEN,
    ) -> None:
        super().__init__(env, python)
        self.stack = stack
        self.project = project
        self.type_token = type_token
        self.provider = provider or provider_blob()

    def command(self) -> list[str]:
        return [self._python, "-u", "-m", "pulumi.dynamic"]

    # --- the engine's calls ----------------------------------------------------------------------------

    def urn(self, name: str) -> str:
        return urn_for(name, self.stack, self.project, self.type_token)

    def _with_provider(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {**props, PROVIDER_KEY: self.provider}

    def configure(self, config: Mapping[str, str]) -> provider_pb2.ConfigureResponse:
        """The whole stack config, as the engine sends it to the default dynamic provider."""
        response: provider_pb2.ConfigureResponse = self.stub.Configure(
            provider_pb2.ConfigureRequest(
                variables=dict(config), args=to_struct(config), acceptSecrets=True, acceptResources=True
            )
        )
        return response

    def check(
        self, news: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None, name: str = "setting"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self.stub.Check(
            provider_pb2.CheckRequest(
                urn=self.urn(name),
                olds=to_struct(self._with_provider(olds) if olds else {}),
                news=to_struct(self._with_provider(news)),
                name=name,
                type=self.type_token,
            )
        )
        return from_struct(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "setting"
    ) -> provider_pb2.DiffResponse:
        response: provider_pb2.DiffResponse = self.stub.Diff(
            provider_pb2.DiffRequest(
                id=id_,
                urn=self.urn(name),
                olds=to_struct(self._with_provider(olds)),
                news=to_struct(self._with_provider(news)),
                name=name,
                type=self.type_token,
            )
        )
        return response

    def create(self, props: Mapping[str, Any], name: str = "setting") -> tuple[str, dict[str, Any]]:
        response = self.stub.Create(
            provider_pb2.CreateRequest(
                urn=self.urn(name), properties=to_struct(self._with_provider(props)), name=name, type=self.type_token
            )
        )
        return response.id, from_struct(response.properties)

    def read(
        self,
        id_: str,
        props: Mapping[str, Any],
        inputs: Optional[Mapping[str, Any]] = None,
        name: str = "setting",
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        response = self.stub.Read(
            provider_pb2.ReadRequest(
                id=id_,
                urn=self.urn(name),
                properties=to_struct(self._with_provider(props)),
                inputs=to_struct(self._with_provider(inputs if inputs is not None else props)),
                name=name,
                type=self.type_token,
            )
        )
        return response.id, from_struct(response.properties), from_struct(response.inputs)

    def update(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "setting"
    ) -> dict[str, Any]:
        response = self.stub.Update(
            provider_pb2.UpdateRequest(
                id=id_,
                urn=self.urn(name),
                olds=to_struct(self._with_provider(olds)),
                news=to_struct(self._with_provider(news)),
                old_inputs=to_struct(self._with_provider(olds)),
                name=name,
                type=self.type_token,
            )
        )
        return from_struct(response.properties)

    def delete(self, id_: str, props: Mapping[str, Any], name: str = "setting") -> None:
        self.stub.Delete(
            provider_pb2.DeleteRequest(
                id=id_,
                urn=self.urn(name),
                properties=to_struct(self._with_provider(props)),
                old_inputs=to_struct(self._with_provider(props)),
                name=name,
                type=self.type_token,
            )
        )
