"""``policy new``: write a policy pack directory that an infra repository commits and runs with its own venv.

Why this exists (issue 13): the pack shipped inside the package cannot know which Python the Pulumi CLI should
run it with. The CLI's Python language host starts a pack as ``<virtualenv>/bin/python -m pulumi.policy
<engine> <pack dir>`` (pip toolchain, ``runtime.options.virtualenv`` relative to the pack directory) or, with no
``virtualenv`` option, with ``python3`` from ``PATH``. It never creates that virtualenv, and when the
interpreter does not exist the engine waits forever ("Loading policy packs...: starting"): the host's policy
proxy has already answered the engine when starting Python fails, and nothing tells the engine. So the pack
written here records the environment of the interpreter running this command, and only after checking that
exactly the interpreter the CLI will start exists and can import ``pulumi.policy``, ``pulumi_policy`` and
``agora_pulumi``.

Only the standard library is imported at module level, so the CLI starts quickly and can explain a broken
environment instead of failing on an import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Optional

from agora_pulumi import files

PACK_NAME: Final = "agora-fls-snapshot"
# Kept equal to agora_pulumi.policy.pack.PACK_DESCRIPTION (a test checks); not imported from there because
# that module imports pulumi_policy, and this one must work to explain an environment that lacks it.
PACK_DESCRIPTION: Final = (
    "Guardrails for Agora FLS snapshot settings "
    "(agora_pulumi SnapshotSetting, StandardSnapshotSetting, CustomSnapshotSetting, SnapshotSettingSet)."
)
PACK_FILES: Final = ("PulumiPolicy.yaml", "__main__.py", "policy-config.json")

# Run by the recorded interpreter: what ``python -m pulumi.policy`` and the generated __main__.py need.
_CHECK: Final = """\
import importlib.util, json, sys
import pulumi_policy
if importlib.util.find_spec("pulumi.policy.__main__") is None:
    raise ImportError("pulumi.policy (the pulumi package's policy-pack runner) is missing")
import agora_pulumi, agora_pulumi.policy.pack
print(json.dumps({"agora_pulumi": agora_pulumi.__version__, "executable": sys.executable}))
"""

MAIN_PY: Final = '''\
"""The agora-fls-snapshot policy pack, written by `python -m agora_pulumi policy new`.

PulumiPolicy.yaml makes the Pulumi CLI run this file with the virtualenv that ran that command; the policies
come from the agora-pulumi package installed there, so upgrading the package upgrades the pack. After moving
or re-creating that virtualenv, run the command again with --force.
"""

import sys

try:
    from agora_pulumi.policy.pack import serve
except ImportError as err:
    sys.exit(
        f"agora-fls-snapshot: {sys.executable} cannot import the agora-pulumi package ({err}). Install it "
        "into this virtualenv (pip install agora-pulumi), or re-create this pack with the Python that has it: "
        "<venv>/bin/python -m agora_pulumi policy new --force <this directory>"
    )

serve()
'''

# Every policy at its default, written out so that a user sees what can be configured and edits from there.
EXAMPLE_CONFIG: Final = {
    "agora-storage-keys-secret": "mandatory",
    "agora-storage-keys-not-placeholder": "mandatory",
    "agora-no-credentials-in-inputs": "mandatory",
    "agora-one-owner-per-setting": "mandatory",
    "agora-storage-in-push-region": "advisory",
    "agora-moderation-required": "disabled",
    "agora-allowed-storage-vendors": {"enforcementLevel": "disabled", "allowedVendors": [0, 1, 2, 3, 4, 5, 6, 7, 8]},
    "agora-snapshot-interval-bounds": {"enforcementLevel": "disabled", "minInterval": 5, "maxInterval": 300},
}


class PackError(Exception):
    """``policy new`` cannot do what was asked; the message says what to do instead."""


@dataclass(frozen=True)
class WrittenPack:
    directory: Path
    virtualenv: str
    """The ``runtime.options.virtualenv`` value written (relative to the pack directory, or absolute)."""
    python: Path
    """The interpreter the Pulumi CLI will start: ``<virtualenv>/bin/python``."""
    agora_pulumi_version: str


def venv_python(env: Path) -> Path:
    """The interpreter the CLI's pip toolchain runs for ``virtualenv: env`` (pulumi toolchain/pip.go)."""
    return env / "Scripts" / "python.exe" if os.name == "nt" else env / "bin" / "python"


def current_environment() -> Path:
    """The environment of the interpreter running this command: what ``virtualenv`` must name."""
    return Path(sys.prefix).absolute()


def _project_root(start: Path) -> Optional[Path]:
    """The nearest directory at or above ``start`` holding ``Pulumi.yaml`` or ``.git``: the infra repo."""
    for candidate in (start, *start.parents):
        if (candidate / "Pulumi.yaml").exists() or (candidate / ".git").exists():
            return candidate
    return None


def recorded_virtualenv(pack_dir: Path, env: Path) -> str:
    """``env`` as the yaml should name it.

    Relative to the pack when both live in the same project (the usual ``infra/.venv`` + ``infra/policy``),
    so the committed pack works in every clone that creates its venv in the same place; absolute otherwise,
    since a ``../../..`` path into an unrelated tree would only be right by accident.
    """
    pack_dir, env = pack_dir.resolve(), env.resolve()
    root = _project_root(pack_dir)
    if root is not None and (env == root or root in env.parents):
        return Path(os.path.relpath(env, pack_dir)).as_posix()
    return env.as_posix()


def pulumi_policy_yaml(virtualenv: str, version: str) -> str:
    return (
        f"# Written by `python -m agora_pulumi policy new`; run it with: pulumi preview --policy-pack <this dir>\n"
        f"description: {PACK_DESCRIPTION}\n"
        f"version: {version}  # of the agora-pulumi that wrote this pack; the policies are the installed one's\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    # The CLI runs <virtualenv>/bin/python -m pulumi.policy (relative paths are relative to this\n"
        "    # directory). It does not create the virtualenv, and waits forever if it is missing: after moving\n"
        "    # or re-creating it, run `<venv>/bin/python -m agora_pulumi policy new --force <this dir>`.\n"
        "    toolchain: pip\n"
        f"    virtualenv: {json.dumps(virtualenv)}\n"
    )


def check_interpreter(env: Path) -> str:
    """Run the interpreter the CLI will start for ``env`` and make sure it can serve the pack.

    A subprocess, not an import here: what matters is ``<env>/bin/python``, which need not be the running
    interpreter (a system Python's prefix has no ``bin/python``, or it is another version). Returns the
    agora_pulumi version that interpreter imports.
    """
    python = venv_python(env)
    if not python.exists():
        raise PackError(
            f"the Pulumi CLI would run {python}, which does not exist, so {env} cannot be the pack's "
            f"virtualenv (is {sys.executable} a virtualenv's Python?). Create one and run this command with it:\n"
            "    python3 -m venv .venv && .venv/bin/pip install agora-pulumi\n"
            "    .venv/bin/python -m agora_pulumi policy new ./policy"
        )
    try:
        out = subprocess.run(
            [str(python), "-c", _CHECK], capture_output=True, text=True, timeout=120, env=_clean_env()
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PackError(f"could not run {python}: {err}") from None
    if out.returncode != 0:
        lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {out.returncode}"
        raise PackError(
            f"{python} cannot run this policy pack ({reason}). Install the package into that environment "
            f"({python} -m pip install agora-pulumi) and run this command again."
        )
    version: str = json.loads(out.stdout.strip().splitlines()[-1])["agora_pulumi"]
    return version


def _clean_env() -> dict[str, str]:
    # What the CLI does (ActivateVirtualEnv): no PYTHONHOME; and no PYTHONPATH of ours, which could make the
    # check pass for an interpreter that cannot import the package on its own.
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}


def write_pack(directory: Path, *, force: bool = False, env: Optional[Path] = None) -> WrittenPack:
    """Write ``PulumiPolicy.yaml``, ``__main__.py`` and ``policy-config.json`` into ``directory``.

    Refuses a non-empty directory without ``force`` (a committed pack may have been edited); with ``force`` it
    replaces those three files and leaves anything else alone. A symlink among them is replaced by the file,
    never written through (it could point outside the pack).
    """
    directory = directory.absolute()
    if directory.exists() and not directory.is_dir():
        raise PackError(f"{directory} exists and is not a directory; choose another path for the pack")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise PackError(
            f"{directory} is not empty; choose a new directory, or pass --force to overwrite "
            f"{', '.join(PACK_FILES)} in it (other files are kept)"
        )
    env = (env or current_environment()).absolute()
    python = venv_python(env)
    version = check_interpreter(env)
    virtualenv = recorded_virtualenv(directory, env)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        files.replace(directory / "PulumiPolicy.yaml", pulumi_policy_yaml(virtualenv, version))
        files.replace(directory / "__main__.py", MAIN_PY)
        files.replace(directory / "policy-config.json", json.dumps(EXAMPLE_CONFIG, indent=2) + "\n")
    except OSError as err:
        raise PackError(f"could not write the pack: {err}") from None
    return WrittenPack(directory=directory, virtualenv=virtualenv, python=python, agora_pulumi_version=version)
