"""``benchmarks.fleet_scale`` without the CLI: the stack config it writes parses as the fleet it means to
measure (both groupings, both kinds of resources), and it skips saying why when no CLI is on PATH."""

from __future__ import annotations

import pytest

from agora_pulumi.fleet import parse_fleet
from benchmarks import fleet_scale


@pytest.mark.parametrize("resources", ["dynamic", "native"])
@pytest.mark.parametrize("grouping", ["setting", "app"])
def test_the_config_is_the_fleet_it_measures(grouping: str, resources: str) -> None:
    config = fleet_scale._config("http://127.0.0.1:1", 40, grouping, resources, changed=3)
    fleet = parse_fleet(
        config["agora-snapshots:defaults"], None, config["agora-snapshots:entryPoints"], grouping=grouping,
        resources=config["agora-snapshots:resources"],
    )
    assert (len(fleet.settings), fleet.grouping, fleet.resources) == (40, grouping, resources)
    assert sum(1 for s in fleet.settings if s.snapshot_interval == 60) == 3


def test_without_the_cli_it_skips_saying_why(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert fleet_scale.main(["--sizes", "4"]) == 0
    assert "fleet_scale: skipped: no `pulumi` CLI on PATH" in capsys.readouterr().out
