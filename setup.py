"""Build hook: the policy pack inside a built package must not name the repository's ``.venv``.

``agora_pulumi/policy/PulumiPolicy.yaml`` says ``virtualenv: ../../.venv`` so that ``pulumi preview
--policy-pack agora_pulumi/policy`` works from a checkout. Installed from a wheel, that path would point
into site-packages where no venv exists, and the Pulumi CLI waits forever on a missing virtualenv. So the
built copy keeps the description and version and replaces the runtime block with one that names no
virtualenv (the CLI then uses ``python3`` from PATH, and the pack's ``__main__.py`` exits at once with
instructions if that is the wrong interpreter). Editable installs use the checkout's file unchanged. All
metadata is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PACK_YAML = Path("agora_pulumi", "policy", "PulumiPolicy.yaml")

INSTALLED_RUNTIME = """\
runtime:
  name: python
  options:
    # No virtualenv: this copy was installed with the agora-pulumi package, where no venv path relative to
    # it is known to exist, and the Pulumi CLI hangs on a virtualenv that does not. The CLI runs python3
    # from PATH; __main__.py stops with instructions unless that Python has this very package. Write a pack
    # for your project instead: <venv>/bin/python -m agora_pulumi policy new ./policy
    toolchain: pip
"""


def installed_pack_yaml(checkout_yaml: str) -> str:
    """The checkout's PulumiPolicy.yaml with its runtime block replaced (the runtime block comes last)."""
    head, found, _runtime = checkout_yaml.partition("\nruntime:")
    if not found:
        raise SystemExit(f"{PACK_YAML}: expected a top-level runtime: block last")
    return head + "\n" + INSTALLED_RUNTIME


class BuildPyInstalledPack(build_py):
    """``build_py`` that writes the installed variant of the pack's PulumiPolicy.yaml into the build tree."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = Path(__file__).resolve().parent / PACK_YAML
        target = Path(self.build_lib) / PACK_YAML
        target.write_text(installed_pack_yaml(source.read_text(encoding="utf-8")), encoding="utf-8")


setup(cmdclass={"build_py": BuildPyInstalledPack})
