"""Drive the native provider the way the Pulumi engine does, without the Pulumi CLI.

The CLI starts a Python provider as ``<venv python> <plugin dir> <engine address>``; the plugin runs
``python -m agora_pulumi.native``. This module starts that process with the address of a stand-in engine
(a gRPC ``Engine`` service on 127.0.0.1 that records ``Log`` calls: the warnings a user would see), reads
the port it prints and calls the ``ResourceProvider`` service as the engine does:

* properties travel as ``google.protobuf.Struct``: every number arrives as a float;
* the provider answers Configure with ``acceptSecrets``, so secrets travel wrapped in the engine's secret
  signature (:func:`secret`), and preview unknowns are the sentinel string (:data:`UNKNOWN`);
* ``pulumi import`` and ``.get`` are a Read with an id and no state.

Not used by the provider itself; it needs only ``grpcio`` and ``protobuf``, which ``pulumi`` brings.
"""

from __future__ import annotations

import sys
import threading
from concurrent import futures
from typing import Any, Mapping, Optional

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2

from ..native.schema import token
from .engine import ServedProvider, from_struct, to_struct

UNKNOWN = rpc.UNKNOWN
SECRET_SIG = {rpc._special_sig_key: rpc._special_secret_sig}


def secret(value: Any) -> dict[str, Any]:
    """A value as the engine sends a secret to a provider that accepts secrets."""
    return {**SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def unwrap(value: Any) -> Any:
    """Secrets unwrapped, recursively (what the value is, whatever its secrecy)."""
    if is_secret(value):
        return unwrap(value["value"])
    if isinstance(value, Mapping):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[tuple[int, str, str]] = []
        self._lock = threading.Lock()

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802 - gRPC's name
        with self._lock:
            self.logs.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()


class NativeProviderServer(ServedProvider):
    """One native provider process (one provider instance: the default one, or an explicit one) and a stub,
    with a stand-in engine for its ``Log`` calls."""

    def __init__(
        self,
        env: Optional[Mapping[str, str]] = None,
        python: str = sys.executable,
        *,
        stack: str = "dev",
        project: str = "agora-infra",
    ) -> None:
        super().__init__(env, python)
        self.stack = stack
        self.project = project
        self.engine = _Engine()
        self._engine_server: Any = None
        self._engine_port = 0

    def command(self) -> list[str]:
        return [self._python, "-u", "-m", "agora_pulumi.native", f"127.0.0.1:{self._engine_port}"]

    def start(self) -> None:
        self._engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._engine_server)
        self._engine_port = self._engine_server.add_insecure_port("127.0.0.1:0")
        self._engine_server.start()
        super().start()

    def close(self) -> None:
        super().close()
        if self._engine_server is not None:
            self._engine_server.stop(grace=None)
            self._engine_server = None

    def warnings(self) -> list[tuple[str, str]]:
        """``(urn, message)`` of every warning the provider sent the engine."""
        return [(urn, message) for severity, urn, message in self.engine.logs if severity == engine_pb2.WARNING]

    def notes(self) -> list[tuple[str, str]]:
        """``(urn, message)`` of every note (severity INFO) the provider sent the engine."""
        return [(urn, message) for severity, urn, message in self.engine.logs if severity == engine_pb2.INFO]

    # --- the engine's calls ----------------------------------------------------------------------------

    def urn(self, resource: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{token(resource)}::{name}"

    def get_schema(self) -> str:
        return str(self.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema)

    def configure(self, args: Mapping[str, Any], variables: Optional[Mapping[str, str]] = None) -> Any:
        """``args``: the provider's inputs (an explicit provider's, or the stack's ``agora:*`` config without
        the namespace); ``variables``: the raw ``agora:*`` config, as the engine also sends it."""
        return self.stub.Configure(
            provider_pb2.ConfigureRequest(
                variables=dict(variables or {}), args=to_struct(args), acceptSecrets=True, acceptResources=True
            )
        )

    def check(
        self, resource: str, news: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None, name: str = "s"
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self.stub.Check(
            provider_pb2.CheckRequest(
                urn=self.urn(resource, name), olds=to_struct(olds or {}), news=to_struct(news),
                name=name, type=token(resource),
            )
        )
        return from_struct(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(
        self, resource: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "s"
    ) -> Any:
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id=id_, urn=self.urn(resource, name), olds=to_struct(olds), news=to_struct(news),
                old_inputs=to_struct(olds), name=name, type=token(resource),
            )
        )

    def create(self, resource: str, props: Mapping[str, Any], name: str = "s") -> tuple[str, dict[str, Any]]:
        response = self.stub.Create(
            provider_pb2.CreateRequest(
                urn=self.urn(resource, name), properties=to_struct(props), name=name, type=token(resource)
            )
        )
        return str(response.id), from_struct(response.properties)

    def read(
        self, resource: str, id_: str, props: Optional[Mapping[str, Any]] = None, name: str = "s"
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """A refresh (``props``: the state) or, with no ``props``, ``pulumi import`` / ``.get``."""
        response = self.stub.Read(
            provider_pb2.ReadRequest(
                id=id_, urn=self.urn(resource, name), properties=to_struct(props or {}),
                inputs=to_struct(props or {}), name=name, type=token(resource),
            )
        )
        return str(response.id), from_struct(response.properties), from_struct(response.inputs)

    def update(
        self, resource: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "s"
    ) -> dict[str, Any]:
        response = self.stub.Update(
            provider_pb2.UpdateRequest(
                id=id_, urn=self.urn(resource, name), olds=to_struct(olds), news=to_struct(news),
                old_inputs=to_struct(olds), name=name, type=token(resource),
            )
        )
        return from_struct(response.properties)

    def delete(self, resource: str, id_: str, props: Mapping[str, Any], name: str = "s") -> None:
        self.stub.Delete(
            provider_pb2.DeleteRequest(
                id=id_, urn=self.urn(resource, name), properties=to_struct(props), old_inputs=to_struct(props),
                name=name, type=token(resource),
            )
        )

    def invoke(self, function: str, args: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self.stub.Invoke(provider_pb2.InvokeRequest(tok=token(function), args=to_struct(args)))
        return from_struct(getattr(response, "return")), [(f.property, f.reason) for f in response.failures]
