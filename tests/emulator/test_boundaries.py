"""The emulator's dependency rules: standard library only, and never the provider, its client or pulumi
(``agora_pulumi.regions`` and ``agora_pulumi.names`` are allowed: they import nothing)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Iterator, Tuple

import pytest

import agora_pulumi.emulator as emulator_package

PACKAGE_DIR = Path(emulator_package.__file__).parent
ALLOWED_OWN_MODULES = ("agora_pulumi.regions", "agora_pulumi.names")
FORBIDDEN = ("agora_pulumi.provider", "agora_pulumi.client", "pulumi", "pulumi_policy", "requests", "urllib3")


def imports() -> Iterator[Tuple[str, str]]:
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.name, alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path.name, node.module


def test_emulator_sources_exist() -> None:
    assert {p.name for p in PACKAGE_DIR.glob("*.py")} >= {
        "__init__.py",
        "__main__.py",
        "admin.py",
        "cli.py",
        "faults.py",
        "models.py",
        "responses.py",
        "server.py",
        "state.py",
    }
    # The test helpers live with the rest of the test tooling, outside the production package.
    assert "testing.py" not in {p.name for p in PACKAGE_DIR.glob("*.py")}
    assert (PACKAGE_DIR.parent / "testing" / "emulator.py").is_file()


@pytest.mark.parametrize(("filename", "module"), sorted(set(imports())))
def test_imports_are_stdlib_or_regions_or_names_only(filename: str, module: str) -> None:
    top = module.split(".")[0]
    assert not any(module == f or module.startswith(f + ".") for f in FORBIDDEN), (
        f"{filename} imports {module}"
    )
    if top == "agora_pulumi":
        assert module in ALLOWED_OWN_MODULES, (
            f"{filename} may only import {' or '.join(ALLOWED_OWN_MODULES)}, not {module}"
        )
    elif hasattr(sys, "stdlib_module_names"):
        assert top in sys.stdlib_module_names or top == "__future__", (
            f"{filename} imports non-stdlib {module}"
        )


@pytest.mark.parametrize("path", [PACKAGE_DIR / "cli.py", PACKAGE_DIR.parent / "testing" / "emulator.py"])
def test_fault_parsing_is_imported_from_faults_not_server(path: Path) -> None:
    """One parser for ``--fault`` specs, in :mod:`faults`; the server module is HTTP framing only."""
    sources = {
        alias.name: node.module or ""
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert sources["parse_fault_spec"].endswith("faults")
    assert not any(
        module.endswith("server") and name.startswith(("Fault", "parse_fault"))
        for name, module in sources.items()
    )
