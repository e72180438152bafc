"""Fixtures for the policy-pack tests: one analyzer process per test module, default config per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from policy_harness import Analyzer


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    server = Analyzer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pack(analyzer: Analyzer) -> Analyzer:
    """The module's analyzer, reconfigured with the pack's defaults (Configure is sticky across calls)."""
    analyzer.configure()
    return analyzer
