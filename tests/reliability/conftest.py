"""Fixtures of the reliability & security suite: provider processes shared by a whole module.

Starting ``python -m pulumi.dynamic`` costs about half a second, so each module reuses one provider process
(one "deployment") and keeps its tests independent by giving every test its own entry point. The
module-scoped ``emulator`` and the per-test ``emu`` (emptied) come from ``tests/conftest.py``.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.engine import ProviderServer
from tests.support import clean_env, stack_config

from .helpers import MATRIX_CONFIG, closed_port_url


@pytest.fixture(scope="module")
def shared_server(emulator: EmulatorHandle) -> Iterator[ProviderServer]:
    """One provider process for a module, configured with the matrix's retry policy."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emulator.url, **MATRIX_CONFIG))
        yield srv


@pytest.fixture(scope="module")
def refused_server() -> Iterator[ProviderServer]:
    """A provider process whose agora:endpoint is a closed port (connection refused)."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(closed_port_url(), **MATRIX_CONFIG))
        yield srv
