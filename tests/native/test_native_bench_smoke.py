"""The native-scale benchmark cannot rot: its program is a valid YAML program of the native package, its
engine-alone baseline serves the same schema and keeps the same state, and without a Pulumi CLI it says why
it skips (CI never has one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agora_pulumi.testing.native import NativeProviderServer
from benchmarks import native_scale
from tests.support import clean_env


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


def _settings(tmp_path: Path, n: int) -> list[dict[str, Any]]:
    native_scale._program(tmp_path, tmp_path / "agora-provider", n)
    return [r["properties"] for r in yaml.safe_load((tmp_path / "Pulumi.yaml").read_text())["resources"].values()]


def test_the_real_provider_keeps_the_benchmark_inputs_as_given_so_the_baseline_state_has_the_same_shape(
    tmp_path: Path, native: NativeProviderServer
) -> None:
    # The engine-alone baseline echoes inputs; its state matches the real one only if Check adds nothing.
    props = _settings(tmp_path, 1)[0]
    inputs, failures = native.check("SnapshotSetting", props)
    assert failures == [] and inputs == props
    _, outputs = native.create("SnapshotSetting", inputs)
    assert outputs == props


class _InstantPlugin(NativeProviderServer):
    """The baseline's plugin directory, started the way the CLI starts a Python provider."""

    def __init__(self, plugin: Path) -> None:
        super().__init__(env=clean_env())
        self._plugin = plugin

    def command(self) -> list[str]:
        return [str(self._plugin / "venv" / "bin" / "python"), "-u", str(self._plugin), f"127.0.0.1:{self._engine_port}"]


def test_the_baseline_plugin_serves_the_agora_schema_and_answers_without_the_api(
    tmp_path: Path, native: NativeProviderServer
) -> None:
    plugin = native_scale._instant_plugin(tmp_path)
    props = _settings(tmp_path, 2)
    with _InstantPlugin(plugin) as instant:
        assert json.loads(instant.get_schema()) == json.loads(native.get_schema())
        instant.configure({"endpoint": "http://127.0.0.1:9"})  # nothing listens there: no call may be made
        inputs, failures = instant.check("SnapshotSetting", props[0])
        assert failures == [] and inputs == props[0]
        id_, outputs = instant.create("SnapshotSetting", inputs)
        assert id_ == f"{props[0]['appId']}/{props[0]['entryPoint']}/{props[0]['region']}" and outputs == props[0]
        changed = {**props[0], "snapshotInterval": 60}
        diff = instant.diff("SnapshotSetting", id_, outputs, changed)
        assert list(diff.diffs) == ["snapshotInterval"] and list(diff.detailedDiff) == ["snapshotInterval"]
        assert instant.update("SnapshotSetting", id_, outputs, changed) == changed
        assert not instant.diff("SnapshotSetting", id_, changed, changed).diffs
