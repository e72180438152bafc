"""``agora-pulumi provider new DIR``: the plugin directory the Pulumi CLI runs the native provider from.

The CLI runs a Python provider from source: a directory with ``PulumiPlugin.yaml`` (``runtime: python``), an
entry point and ``requirements.txt``, started as ``<dir>/venv/bin/python <dir> <engine address>``. Two facts,
measured with the real CLI, shape what is written:

* ``pulumi install``, ``pulumi package add`` and ``package get-schema`` rebuild ``<dir>/venv`` (``python3 -m
  venv`` over it, then ``pip install -r requirements.txt``); ``up`` and ``preview`` need it to exist.
* ``agora-pulumi`` is not on a public index: requirements that name it must already be satisfied in that
  venv, or point at a wheel or a git URL the team controls (``--requirement``).

So the venv written here reaches the *installed* package (this interpreter's site-packages, a wheel
install, an editable checkout) through a ``.pth`` file that survives the CLI's rebuild, and
``requirements.txt`` pins the versions that are installed there: pip finds them satisfied and asks no index.
Nothing here is ever a credential; the directory can be committed except its ``venv``.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Optional

import agora_pulumi

from .. import files
from .._version import __version__

PLUGIN_NAME = "agora"

MIN_PULUMI_FOR_NATIVE = "3.259"
"""The oldest SDK the native provider was tried with (its experimental server); the dynamic resources need
only ``pulumi>=3.216``, so the package does not require it of every user."""

PLUGIN_YAML = """\
# The agora Pulumi package: agora-pulumi's native provider, run by the Pulumi CLI from this directory.
# Programs name it in Pulumi.yaml (`pulumi package add {directory}` writes `packages: {{agora: {directory}}}`).
name: agora
runtime: python
"""

MAIN_PY = '''\
"""Entry point the Pulumi CLI runs: <this dir>/venv/bin/python <this dir> <engine address>."""

import sys

try:
    from agora_pulumi.native.serve import main
except ImportError:
    sys.stderr.write(
        "error: agora-pulumi is not installed in " + sys.prefix + ": run `agora-pulumi provider new <this dir> "
        "--force` with the Python that has agora-pulumi, or install the package named in requirements.txt there.\\n"
    )
    raise SystemExit(1) from None

main()
'''

GITIGNORE = "venv/\n__pycache__/\n"


class PluginError(Exception):
    """The directory cannot be written as asked; the message says what to do."""


@dataclass(frozen=True)
class WrittenPlugin:
    directory: Path
    python: str
    requirement: str
    venv: Optional[Path]


def _site_dirs() -> list[str]:
    """Where this interpreter finds agora-pulumi and its dependencies: its site-packages, and the checkout
    when the package is imported from one (PYTHONPATH, a test run)."""
    dirs = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()]
    package_parent = str(Path(agora_pulumi.__file__).resolve().parent.parent)
    if not any(package_parent == str(Path(d).resolve()) for d in dirs):
        dirs.append(package_parent)
    seen: list[str] = []
    for d in dirs:
        if d not in seen and Path(d).is_dir():
            seen.append(d)
    return seen


def _refuse_links(path: Path) -> None:
    if path.is_symlink():
        raise PluginError(f"{path} is a symbolic link: remove it first (files are never written through links).")


def write_plugin(directory: Path, *, requirement: Optional[str] = None, venv: bool = True, force: bool = False) -> WrittenPlugin:
    """Write the plugin directory (and, with ``venv``, a virtualenv reaching this interpreter's packages)."""
    _refuse_links(directory)
    try:
        import pulumi.provider.experimental.server  # noqa: F401 - only its presence is checked
    except ImportError:
        raise PluginError(
            f"the installed pulumi SDK ({metadata.version('pulumi')}) has no native provider interface "
            f"(pulumi.provider.experimental): pip install 'pulumi>={MIN_PULUMI_FOR_NATIVE},<4' with this Python first."
        ) from None
    if directory.exists() and not directory.is_dir():
        raise PluginError(f"{directory} exists and is not a directory: choose another path.")
    written = {"PulumiPlugin.yaml", "__main__.py", "requirements.txt", ".gitignore"}
    if directory.is_dir() and not force and any(p.name in written for p in directory.iterdir()):
        raise PluginError(f"{directory} already holds a plugin: pass --force to write it again.")
    directory.mkdir(parents=True, exist_ok=True)
    pulumi_version = metadata.version("pulumi")
    wanted = requirement or f"agora-pulumi=={__version__}"
    contents = {
        "PulumiPlugin.yaml": PLUGIN_YAML.format(directory=directory),
        "__main__.py": MAIN_PY,
        # Pinned to what is installed, so pip finds both satisfied in the venv below and asks no index.
        "requirements.txt": f"{wanted}\npulumi=={pulumi_version}\n",
        ".gitignore": GITIGNORE,
    }
    for name, text in contents.items():
        files.replace(directory / name, text)  # a link there is replaced itself, never written through
    made: Optional[Path] = None
    if venv:
        made = _make_venv(directory / "venv")
    return WrittenPlugin(directory, sys.executable, wanted, made)


def _make_venv(path: Path) -> Path:
    _refuse_links(path)
    base = getattr(sys, "_base_executable", sys.executable)
    # --without-pip is enough for `up`; the CLI's own rebuild adds pip when it runs `pulumi install`.
    subprocess.run([base, "-m", "venv", "--without-pip", str(path)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    lib = path / ("Lib" if os.name == "nt" else f"lib/{version}") / "site-packages"
    lib.mkdir(parents=True, exist_ok=True)
    # `import site; site.addsitedir(...)` rather than plain paths: an editable install's own .pth hooks in
    # those directories are then processed too.
    lines = [f"import site; site.addsitedir({d!r})" for d in _site_dirs()]
    (lib / "agora-pulumi-installed.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    check = subprocess.run(
        [str(path / "bin" / "python"), "-c", "import agora_pulumi.native.serve"], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise PluginError(f"the plugin's venv cannot import agora-pulumi: {check.stderr.strip().splitlines()[-1:]}")
    return path
