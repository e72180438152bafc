"""Entry point of the ``agora-fls-snapshot`` policy pack shipped in this directory.

The CLI's Python language host starts ``python -m pulumi.policy <engine> <pack dir>`` with the pack directory
as working directory, and that runs this file with ``runpy``; :func:`agora_pulumi.policy.pack.serve` builds the
``PolicyPack`` (the same call every pack written by ``python -m agora_pulumi policy new`` makes) and serves it.

Which ``python`` that is depends on where this directory is. In a checkout of the repository,
``PulumiPolicy.yaml`` names the repository's ``.venv``. The copy installed from a wheel names no virtualenv (a
repository-relative one would not exist in site-packages, and the CLI hangs on a missing virtualenv), so the
CLI runs ``python3`` from ``PATH``, which need not be the environment the package is installed in. The check
below turns that case into an immediate exit with the command to run instead of an import error, or worse,
another environment's copy of the policies. It uses only the standard library because it runs before anything
is known about the interpreter.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent


def _this_interpreters_pack() -> Optional[Path]:
    """Where ``agora_pulumi.policy`` comes from for the running interpreter, or None if it has none."""
    try:
        import agora_pulumi.policy
    except ImportError:
        return None
    return Path(agora_pulumi.policy.__file__).resolve().parent


def _installed_python() -> str:
    """The Python of the virtualenv this directory is installed in, when there is one (its ``pyvenv.cfg``)."""
    for parent in HERE.parents:
        if (parent / "pyvenv.cfg").is_file():
            return str(parent / "Scripts" / "python.exe" if os.name == "nt" else parent / "bin" / "python")
    return "<venv>/bin/python"


def _refuse(found: Optional[Path]) -> None:
    problem = (
        "cannot import agora_pulumi"
        if found is None
        else f"imports agora_pulumi.policy from {found}, not from this directory"
    )
    sys.stderr.write(
        f"agora-fls-snapshot: this policy pack ({HERE}) was started by {sys.executable}, which {problem}.\n"
        "The Pulumi CLI runs a pack with the virtualenv its PulumiPolicy.yaml names, or with python3 from "
        "PATH when it names none, as in the copy installed with the package. Write a pack for your project "
        "that records your virtualenv, then use that:\n"
        f"    {_installed_python()} -m agora_pulumi policy new ./policy\n"
        "    pulumi preview --policy-pack ./policy\n"
    )
    sys.stderr.flush()
    raise SystemExit(2)


_found = _this_interpreters_pack()
if _found != HERE:
    _refuse(_found)

from agora_pulumi.policy.pack import serve  # noqa: E402 (only once the interpreter is known to be right)

serve()
