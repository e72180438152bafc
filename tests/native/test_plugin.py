"""``agora-pulumi provider new DIR``: the plugin directory the Pulumi CLI runs the native provider from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agora_pulumi import __version__
from agora_pulumi.cli import main


def test_writes_a_plugin_whose_venv_serves_the_installed_provider(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plugin = tmp_path / "agora-provider"
    assert main(["provider", "new", str(plugin)]) == 0
    out = capsys.readouterr().out
    assert f"pulumi package add {plugin}" in out and "packages: {agora:" in out
    assert (plugin / "PulumiPlugin.yaml").read_text().splitlines()[-2:] == ["name: agora", "runtime: python"]
    requirements = (plugin / "requirements.txt").read_text().splitlines()
    assert requirements[0] == f"agora-pulumi=={__version__}" and requirements[1].startswith("pulumi==")
    assert (plugin / ".gitignore").read_text().splitlines()[0] == "venv/"
    # What the CLI runs: <dir>/venv/bin/python <dir> <engine address>; it prints its port and serves.
    process = subprocess.Popen(
        [str(plugin / "venv" / "bin" / "python"), str(plugin), "127.0.0.1:1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().decode().strip().isdigit()
    finally:
        process.kill()
        process.wait()


def test_the_venv_survives_the_clis_rebuild_over_it(tmp_path: Path) -> None:
    """The CLI runs `python3 -m venv <dir>/venv` over the existing one on `pulumi install`: the link to the
    installed package must still be there."""
    plugin = tmp_path / "p"
    assert main(["provider", "new", str(plugin)]) == 0
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(plugin / "venv")], check=True)
    found = subprocess.run([str(plugin / "venv" / "bin" / "python"), "-c", "import agora_pulumi.native.serve"])
    assert found.returncode == 0


def test_requirement_and_no_venv_write_only_what_a_team_commits(tmp_path: Path) -> None:
    plugin = tmp_path / "p"
    spec = "agora-pulumi @ git+https://git.example.com/infra/agora-pulumi@v0.1.0"
    assert main(["provider", "new", str(plugin), "--no-venv", "--requirement", spec]) == 0
    assert sorted(p.name for p in plugin.iterdir()) == [".gitignore", "PulumiPlugin.yaml", "__main__.py", "requirements.txt"]
    assert (plugin / "requirements.txt").read_text().splitlines()[0] == spec


def test_an_existing_plugin_is_kept_unless_forced_and_links_are_never_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = tmp_path / "p"
    assert main(["provider", "new", str(plugin), "--no-venv"]) == 0
    assert main(["provider", "new", str(plugin), "--no-venv"]) == 2
    assert "already holds a plugin: pass --force" in capsys.readouterr().err
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (plugin / "requirements.txt").unlink()
    (plugin / "requirements.txt").symlink_to(outside)
    assert main(["provider", "new", str(plugin), "--no-venv", "--force"]) == 0
    assert outside.read_text() == "keep me"
    assert not (plugin / "requirements.txt").is_symlink()
    assert (plugin / "requirements.txt").read_text().startswith("agora-pulumi==")
