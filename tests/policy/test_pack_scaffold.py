"""``python -m agora_pulumi policy new`` and what a user's Pulumi CLI would run (issue 13).

No Pulumi CLI here: a pack is started the way the CLI's Python language host starts one,
``<virtualenv>/bin/python -u -m pulumi.policy <engine> <pack dir>`` with the pack directory as working
directory, using the interpreter its ``PulumiPolicy.yaml`` names, and spoken to over gRPC (``policy_harness``).
The environments are real virtualenvs made for the test; they see this checkout's ``.venv`` packages through a
``.pth`` file, and ``agora_pulumi`` only when the test wants them to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml
from policy_harness import FAKE_ENGINE, PACK_DIR, PACK_NAME, REPO, Analyzer, run_program

from agora_pulumi import SnapshotSetting, StorageConfigArgs, Vendor
from agora_pulumi.policy import pack, scaffold
from agora_pulumi.policy.policies import ALL_POLICIES

POLICY_NAMES = [p.name for p in ALL_POLICIES]


def make_venv(path: Path, *, pulumi: bool, agora: bool) -> Path:
    """A virtualenv at ``path`` (no pip); its python, seeing pulumi and/or agora_pulumi as asked."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120)
    python = scaffold.venv_python(path)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()
    lines = [sysconfig.get_paths()["purelib"]] if pulumi else []  # this .venv: pulumi, pulumi_policy, grpc ...
    if agora:
        lines.append(str(REPO))  # what `pip install agora-pulumi` would provide
    Path(site, "test-links.pth").write_text("".join(f"{line}\n" for line in lines))
    return python


def cli(python: Path | str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "PYTHONPATH"))}
    return subprocess.run(
        [str(python), "-m", "agora_pulumi", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def runtime_of(pack_dir: Path) -> dict[str, Any]:
    runtime: dict[str, Any] = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())["runtime"]
    return runtime


def cli_python(pack_dir: Path) -> Path:
    """The interpreter the CLI would start for ``pack_dir`` (pip toolchain: <virtualenv>/bin/python)."""
    return scaffold.venv_python(pack_dir / runtime_of(pack_dir)["options"]["virtualenv"])


def start_without_engine(python: Path | str, pack_dir: Path) -> subprocess.CompletedProcess[str]:
    """Start a pack that is expected to stop on its own; a hang fails the test through the timeout."""
    return subprocess.run(
        [str(python), "-u", "-m", "pulumi.policy", FAKE_ENGINE, str(pack_dir)],
        cwd=pack_dir, capture_output=True, text=True, timeout=60,
    )


def placeholder_program() -> None:
    SnapshotSetting(
        "sample",
        app_id="8f2c1c5e0b7a4d3e9f6a1b2c3d4e5f60",
        entry_point="live",
        region="cn",
        enabled=True,
        storage_config=StorageConfigArgs(
            vendor=Vendor.ALIYUN, region=3, bucket="snapshots", access_key="{your access key}", secret_key="x" * 30
        ),
    )


@pytest.fixture(scope="module")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's infra repository: git, its own .venv with agora-pulumi installed."""
    root = tmp_path_factory.mktemp("infra")
    (root / ".git").mkdir()
    make_venv(root / ".venv", pulumi=True, agora=True)
    return root


@pytest.fixture(scope="module")
def without_agora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with pulumi and pulumi-policy but not agora-pulumi."""
    return make_venv(tmp_path_factory.mktemp("other") / "venv", pulumi=True, agora=False)


# ------------------------------------------------------------------------------------------------------
# The generated pack
# ------------------------------------------------------------------------------------------------------


def test_generated_pack_runs_with_the_recorded_virtualenv_and_serves_the_policies(infra: Path) -> None:
    out = cli(infra / ".venv" / "bin" / "python", "policy", "new", "policy", cwd=infra)
    assert out.returncode == 0, out.stderr
    assert "pulumi preview --policy-pack policy\n" in out.stdout
    pack_dir = infra / "policy"
    assert sorted(p.name for p in pack_dir.iterdir()) == sorted(scaffold.PACK_FILES)

    # The venv is inside the repo, so the committed yaml names it relative to the pack and the path exists.
    assert runtime_of(pack_dir) == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "../.venv"}}
    python = cli_python(pack_dir)
    assert python.is_file()

    server = Analyzer(pack_dir=pack_dir, python=str(python))
    try:
        assert server.info.name == PACK_NAME
        assert [p.name for p in server.info.policies] == POLICY_NAMES
        # The example config is every policy at its default: passing it changes nothing.
        assert server.configure_from_file(pack_dir / "policy-config.json") == server.configure()
        [finding] = server.analyze(run_program(placeholder_program)["sample"])
        assert (finding.policy, finding.level) == ("agora-storage-keys-not-placeholder", "mandatory")
        assert "sample value from Agora's API doc" in finding.message
    finally:
        server.close()


def test_outside_a_project_the_virtualenv_is_recorded_absolute(tmp_path: Path) -> None:
    written = scaffold.write_pack(tmp_path / "pack")
    assert written.virtualenv == Path(sys.prefix).resolve().as_posix()
    assert runtime_of(tmp_path / "pack")["options"]["virtualenv"] == written.virtualenv
    assert cli_python(tmp_path / "pack").is_file()


def test_relative_path_only_within_the_project(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".venv").mkdir(parents=True)
    (tmp_path / "repo" / "Pulumi.yaml").write_text("name: x\n")
    deep = tmp_path / "repo" / "policies" / "agora"
    assert scaffold.recorded_virtualenv(deep, tmp_path / "repo" / ".venv") == "../../.venv"
    (tmp_path / "elsewhere").mkdir()
    assert scaffold.recorded_virtualenv(deep, tmp_path / "elsewhere") == (tmp_path / "elsewhere").resolve().as_posix()


def test_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "policy"
    target.mkdir()
    (target / "notes.md").write_text("ours\n")
    out = cli(sys.executable, "policy", "new", str(target), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith(f"agora-pulumi: error: {target} is not empty;")
    assert "--force" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in target.iterdir()) == ["notes.md"]

    (target / "__main__.py").write_text("edited\n")
    out = cli(sys.executable, "policy", "new", "--force", str(target), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (target / "notes.md").read_text() == "ours\n"
    assert (target / "__main__.py").read_text() == scaffold.MAIN_PY


def test_force_replaces_symlinks_in_the_pack_instead_of_writing_through_them(tmp_path: Path) -> None:
    """Issue 20, item 18. Before: ``--force`` wrote the pack's files through links, over files outside it."""
    target = tmp_path / "policy"
    target.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in scaffold.PACK_FILES:
        (outside / name).write_text("precious\n")
        (target / name).symlink_to(outside / name)
    out = cli(sys.executable, "policy", "new", "--force", str(target), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert [(outside / name).read_text() for name in scaffold.PACK_FILES] == ["precious\n"] * len(scaffold.PACK_FILES)
    assert not any((target / name).is_symlink() for name in scaffold.PACK_FILES)
    assert (target / "__main__.py").read_text() == scaffold.MAIN_PY
    assert sorted(p.name for p in target.iterdir()) == sorted(scaffold.PACK_FILES)  # no temporary file left


def test_refuses_an_interpreter_that_cannot_run_the_pack(tmp_path: Path) -> None:
    # agora_pulumi reachable only through PYTHONPATH, pulumi-policy not at all: the CLI would start this
    # python, which could not serve the pack, so nothing is written.
    python = make_venv(tmp_path / "bare", pulumi=False, agora=False)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [str(python), "-m", "agora_pulumi", "policy", "new", "policy"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.startswith(f"agora-pulumi: error: {python} cannot run this policy pack (")
    assert "No module named 'pulumi_policy'" in out.stderr
    assert f"{python} -m pip install agora-pulumi" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "policy").exists()


def test_refuses_an_environment_without_a_python(tmp_path: Path) -> None:
    with pytest.raises(scaffold.PackError, match=r"(?s)not-a-venv/bin/python, which does not exist.*python3 -m venv \.venv"):
        scaffold.write_pack(tmp_path / "policy", env=tmp_path / "not-a-venv")
    assert not (tmp_path / "policy").exists()


def test_generated_pack_exits_at_once_when_its_virtualenv_lost_the_package(tmp_path: Path, without_agora: Path) -> None:
    scaffold.write_pack(tmp_path / "policy")
    out = start_without_engine(without_agora, tmp_path / "policy")
    assert out.returncode == 1 and out.stdout == ""  # no port: the CLI reports the failure instead of waiting
    assert f"agora-fls-snapshot: {without_agora} cannot import the agora-pulumi package" in out.stderr
    assert "policy new --force" in out.stderr


# ------------------------------------------------------------------------------------------------------
# The pack shipped in the package
# ------------------------------------------------------------------------------------------------------


def test_shipped_pack_refuses_an_interpreter_without_the_package(without_agora: Path) -> None:
    out = start_without_engine(without_agora, PACK_DIR)
    assert out.returncode == 2 and out.stdout == ""
    assert f"was started by {without_agora}, which cannot import agora_pulumi." in out.stderr
    assert "-m agora_pulumi policy new ./policy\n    pulumi preview --policy-pack ./policy\n" in out.stderr


def test_installed_copy_refuses_another_environments_package_and_names_its_own_python(tmp_path: Path) -> None:
    # The pack as installed in some venv's site-packages, started by a Python whose agora_pulumi is elsewhere
    # (this checkout): it must not serve that other copy's policies.
    venv = tmp_path / "site-venv"
    installed = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages" / "agora_pulumi" / "policy"
    shutil.copytree(PACK_DIR, installed, ignore=shutil.ignore_patterns("__pycache__"))
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    out = start_without_engine(sys.executable, installed)
    assert out.returncode == 2 and out.stdout == ""
    assert f"imports agora_pulumi.policy from {PACK_DIR}, not from this directory" in out.stderr
    assert f"    {venv / 'bin' / 'python'} -m agora_pulumi policy new ./policy\n" in out.stderr


def test_built_package_ships_a_pack_without_the_checkouts_virtualenv(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)],
        cwd=REPO, check=True, capture_output=True, timeout=120,
    )
    built = tmp_path / "agora_pulumi" / "policy"
    checkout = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    shipped = yaml.safe_load((built / "PulumiPolicy.yaml").read_text())
    assert shipped == {**checkout, "runtime": {"name": "python", "options": {"toolchain": "pip"}}}
    assert (built / "__main__.py").read_text() == (PACK_DIR / "__main__.py").read_text()
    # In a checkout the yaml names the repository's venv, which exists (the suite runs from it).
    assert checkout["runtime"]["options"] == {"toolchain": "pip", "virtualenv": "../../.venv"}
    assert scaffold.venv_python(PACK_DIR / "../../.venv").is_file()


def test_one_description_and_an_example_config_for_every_policy() -> None:
    checkout = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert scaffold.PACK_NAME == pack.PACK_NAME == PACK_NAME
    assert scaffold.PACK_DESCRIPTION == pack.PACK_DESCRIPTION == checkout["description"]
    assert list(scaffold.EXAMPLE_CONFIG) == POLICY_NAMES
    assert json.loads(json.dumps(scaffold.EXAMPLE_CONFIG)) == scaffold.EXAMPLE_CONFIG
