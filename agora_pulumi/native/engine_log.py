"""Warnings and notes that reach the user: the engine's ``Log`` service, attached to the resource.

A native provider's stderr is not shown by the CLI (``pulumi.log`` from the experimental interface goes
there too), so a warning such as "left enabled by the rename guard", and a note such as "disabled at Agora
(its storage config is kept)" after a delete, must go through the engine's own ``Log`` RPC at the address
the engine passed on the command line. Falls back to stderr if that fails.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Optional

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc


class EngineLog:
    """A thread-safe sender of warnings to the engine at ``address`` (``host:port``)."""

    def __init__(self, address: Optional[str]) -> None:
        self._address = address
        self._stub: Any = None
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        with self._lock:
            if self._stub is None and self._address:
                self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(self._address))
            return self._stub

    def warn(self, message: str, urn: str = "") -> None:
        self._log(engine_pb2.WARNING, "warning", message, urn)

    def note(self, message: str, urn: str = "") -> None:
        """Information the user should see (what a delete really did), not a problem: severity INFO."""
        self._log(engine_pb2.INFO, "info", message, urn)

    def _log(self, severity: Any, label: str, message: str, urn: str) -> None:
        stub = self._engine()
        if stub is not None:
            try:
                stub.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn), timeout=10)
                return
            except grpc.RpcError:
                pass
        sys.stderr.write(f"{label}: {message}\n")
        sys.stderr.flush()

    def for_urn(self, urn: str) -> Callable[[str], None]:
        """The ``warn`` callable the core takes, bound to one resource."""
        return lambda message: self.warn(message, urn)

    def notes_for(self, urn: str) -> Callable[[str], None]:
        """The ``tell`` callable the core takes, bound to one resource."""
        return lambda message: self.note(message, urn)
