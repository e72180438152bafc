"""Start the native provider as the engine expects: a gRPC server on 127.0.0.1, its port on stdout.

The SDK's ``server.main`` with the one-line-error servicer (:mod:`.server`) in place of its own; the engine
address is kept for the ``Log`` service (warnings the user sees).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Callable, Optional, Sequence

import grpc
import grpc.aio
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from .._version import __version__
from .provider import AgoraProvider
from .server import ShapedServicer


def main(
    argv: Optional[Sequence[str]] = None,
    make_provider: Callable[..., AgoraProvider] = AgoraProvider,
) -> None:
    """Serve until the engine stops the process. ``make_provider``: another provider class on the same server
    (``benchmarks.instant_provider`` measures the engine alone with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="agora-pulumi-provider", description="The agora Pulumi provider (gRPC).")
    parser.add_argument("engine", nargs="?", default="", help="the Pulumi engine's address")
    parser.add_argument("--logflow", action="store_true", help="ignored (passed by the CLI)")
    parser.add_argument("--logtostderr", action="store_true", help="ignored (passed by the CLI)")
    parser.add_argument("-v", type=int, default=0, help="ignored (passed by the CLI)")
    known, _ = parser.parse_known_args(args)
    provider = make_provider(engine=known.engine or None)

    async def serve() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = ShapedServicer(args, __version__, provider, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
