"""The package metadata in the form current setuptools reads without deprecation warnings (`.ci/run` showed
three blocks about `project.license` before)."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_expression_and_the_build_needs_a_setuptools_that_reads_it() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert not any("License ::" in c for c in PYPROJECT["project"].get("classifiers", []))
    assert "setuptools>=77" in PYPROJECT["build-system"]["requires"]
