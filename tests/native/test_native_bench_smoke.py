"""The native-scale benchmark cannot rot: its program is a valid YAML program of the native package, and
without a Pulumi CLI it says why it skips (CI never has one)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchmarks import native_scale


def test_the_benchmark_program_declares_n_native_settings_and_changes_exactly_those_asked(tmp_path: Path) -> None:
    native_scale._program(tmp_path, tmp_path / "agora-provider", 40, changed=16)
    program = yaml.safe_load((tmp_path / "Pulumi.yaml").read_text())
    assert program["packages"] == {"agora": str(tmp_path / "agora-provider")}
    resources = program["resources"].values()
    assert len(resources) == 40 and {r["type"] for r in resources} == {"agora:fls:SnapshotSetting"}
    assert sum(r["properties"]["snapshotInterval"] == 60 for r in resources) == 16
    ids = {(r["properties"]["entryPoint"], r["properties"]["region"]) for r in resources}
    assert len(ids) == 40


def test_without_the_cli_it_skips_saying_why(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert native_scale.main(["--sizes", "4"]) == 0
    assert "skipped: pulumi and pulumi-language-yaml not on PATH" in capsys.readouterr().out
