"""Fixtures shared by the provider's tests: the Agora emulator and the SDK's dynamic-provider server."""

from __future__ import annotations

from typing import Iterator

import pytest

from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import ProviderServer
from tests.mock_monitor import RecordingMonitor, install
from tests.support import clean_env, stack_config


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(auth="hmac") as handle:  # every provider test proves HMAC signing end to end
        yield handle


@pytest.fixture
def emu(emulator: EmulatorHandle) -> EmulatorHandle:
    """The module's emulator, emptied for each test."""
    emulator.reset()
    return emulator


@pytest.fixture
def server(emu: EmulatorHandle) -> Iterator[ProviderServer]:
    """A fresh provider process (one deployment), configured like a stack pointing at the emulator."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emu.url))
        yield srv


@pytest.fixture
def monitor() -> RecordingMonitor:
    """A program's registrations, recorded by the SDK's mock monitor."""
    return install()
