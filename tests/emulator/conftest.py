"""Fixtures for the emulator's conformance suite.

``emu`` runs each test twice: against a module-scoped *subprocess* emulator (the real CLI, over real
HTTP) and against a module-scoped in-process one (what most provider tests use), reset before each test,
so both modes are held to the same contract.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

from .support import ENTRY_POINTS, new_session


@pytest.fixture(scope="module")
def subprocess_emulator() -> Iterator[EmulatorHandle]:
    # No rate limit: one emulator serves the whole module in turn (the limit has its own tests, test_rate_limit.py).
    with running_emulator(in_process=False, entry_points=ENTRY_POINTS, rate_limit=0) as handle:
        yield handle


@pytest.fixture(scope="module")
def in_process_emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(in_process=True, entry_points=ENTRY_POINTS, rate_limit=0) as handle:
        yield handle


@pytest.fixture(params=["subprocess", "in_process"])
def emu(request: pytest.FixtureRequest) -> EmulatorHandle:
    """A clean emulator with entry points ``APP/live`` and ``APP/studio`` (both modes)."""
    handle: EmulatorHandle = request.getfixturevalue(f"{request.param}_emulator")
    handle.reset()
    return handle


@pytest.fixture
def open_emu() -> Iterator[EmulatorHandle]:
    """A fresh in-process emulator where every entry point exists (no ``--entry-point``), without the rate
    limit (its tests send what they need as fast as they can)."""
    with running_emulator(rate_limit=0) as handle:
        yield handle


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A session sending the demo credentials."""
    session = new_session()
    yield session
    session.close()
