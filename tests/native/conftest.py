"""Fixtures for the native provider: its process driven like the engine does, against the emulator."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

import pytest

from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.native import NativeProviderServer, secret
from tests.support import clean_env, stack_config


def provider_args(url: str, **extra: str) -> dict[str, Any]:
    """The default provider's arguments as the engine sends them: the stack's ``agora:*`` config without the
    namespace, the customer secret as a secret."""
    args: dict[str, Any] = {key.split(":", 1)[1]: value for key, value in stack_config(url, **extra).items()}
    args["customerSecret"] = secret(args["customerSecret"])
    return args


def configure(server: NativeProviderServer, url: str, **extra: str) -> None:
    config: Mapping[str, str] = stack_config(url, **extra)
    server.configure(provider_args(url, **extra), config)


@pytest.fixture
def native(emu: EmulatorHandle) -> Iterator[NativeProviderServer]:
    """A fresh native provider process (one deployment's default provider) configured for the emulator."""
    with NativeProviderServer(env=clean_env()) as srv:
        configure(srv, emu.url)
        yield srv
