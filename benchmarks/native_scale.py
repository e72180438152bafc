"""``python -m benchmarks.native_scale``: N separate native ``agora:fls:SnapshotSetting`` resources through the
real Pulumi CLI, beside the dynamic figures of ``benchmarks.fleet_scale``.

A YAML program (no generated SDK needed) declares N settings of the native package; the plugin directory is
written by ``agora-pulumi provider new`` with this interpreter, exactly as a user makes it. Against the
emulator with added latency it measures ``up`` (create), the same with ``PULUMI_SKIP_CHECKPOINTS=true`` (the
file backend rewrites the whole state after every step; without that the engine dominates), a no-op ``up``,
and an update of 16 settings; it counts PATCHes and the most requests the emulator saw in any one second
(by the requests' ``Date``, which has one-second resolution) against Agora's 50/s.

The same program is also run against ``benchmarks.instant_provider`` (same schema and state, no validation, no
API, instant answers): the engine alone on this machine and CLI. The provider's share of each figure is the
difference; the engine's checkpointing of a ~3 MB state, not the provider, is what a create of 1,000
separate resources costs.

Needs ``pulumi`` and ``pulumi-language-yaml`` on PATH; without them it prints why and exits 0 (tests never
need the CLI). Benchmarks are not tests: nothing fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.testing.emulator import running_emulator

from .fleet_scale import cli_env, phase, pulumi_command

APP_ID = "bench-app"
REGIONS = ("cn", "ap", "na", "eu")
RATE = 50.0


def _program(root: Path, plugin: Path, n: int, changed: int = 0) -> None:
    lines = [
        "name: agora-native-bench",
        "runtime: yaml",
        f"packages:\n  agora: {plugin}",
        "resources:",
    ]
    for i in range(n):
        entry, region = f"ep{i // len(REGIONS):04d}", REGIONS[i % len(REGIONS)]
        interval = 60 if i < changed else 10
        lines += [
            f"  s{i:05d}:",
            "    type: agora:fls:SnapshotSetting",
            "    properties:",
            f"      appId: {APP_ID}",
            f"      entryPoint: {entry}",
            f"      region: {region}",
            "      enabled: true",
            "      enableModeration: false",  # as Check fills it in: the baseline's state has the same shape
            f"      snapshotInterval: {interval}",
        ]
    (root / "Pulumi.yaml").write_text("\n".join(lines) + "\n")


def _plugin(directory: Path) -> Path:
    """The plugin directory as a user makes it: ``agora-pulumi provider new`` with this interpreter."""
    subprocess.run([sys.executable, "-m", "agora_pulumi", "provider", "new", str(directory)], check=True,
                   capture_output=True)
    return directory


def _instant_plugin(tmp: Path) -> Path:
    """A plugin directory made by ``provider new`` whose entry point serves the instant provider instead."""
    plugin = _plugin(tmp / "instant-provider")
    (plugin / "__main__.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from benchmarks.instant_provider import main\n"
        "main()\n"
    )
    return plugin


def _stack(tmp: Path, name: str, plugin: Path, n: int, config: dict[str, str]) -> tuple[Path, dict[str, str]]:
    root = tmp / name
    root.mkdir()
    env = cli_env(tmp / f"{name}-state")
    _program(root, plugin, n)
    pulumi_command(root, env, "stack", "init")
    for key, value in config.items():
        secret = ["--secret"] if key == "agora:customerSecret" else []
        pulumi_command(root, env, "config", "set", *secret, key, value)
    return root, env


UP = ("up", "--yes", "--skip-preview")


def run(n: int, latency_ms: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="agora-native-") as tmp_name, running_emulator(
        auth="hmac", latency_ms=latency_ms, in_process=False
    ) as emu:
        tmp = Path(tmp_name)
        plugin = _plugin(tmp / "agora-provider")
        config = {
            "agora:endpoint": emu.url,
            "agora:customerId": DEFAULT_CUSTOMER_ID,
            "agora:customerSecret": DEFAULT_CUSTOMER_SECRET,
        }
        root, env = _stack(tmp, "program", plugin, n, config)
        figures: dict[str, Any] = {"create": phase(emu, root, env, *UP)}
        figures["noop"] = phase(emu, root, env, *UP)
        _program(root, plugin, n, changed=16)
        figures["update16"] = phase(emu, root, env, *UP)
        pulumi_command(root, env, "destroy", "--yes", "--skip-preview")
        skip = {**env, "PULUMI_SKIP_CHECKPOINTS": "true"}
        _program(root, plugin, n)
        figures["create_skip_checkpoints"] = phase(emu, root, skip, *UP)

        instant = _instant_plugin(tmp)
        base_root, base_env = _stack(tmp, "baseline", instant, n, config)
        baseline = {"create": round(pulumi_command(base_root, base_env, *UP), 2)}
        baseline["noop"] = round(pulumi_command(base_root, base_env, *UP), 2)
        _program(base_root, instant, n, changed=16)
        baseline["update16"] = round(pulumi_command(base_root, base_env, *UP), 2)
        return {"n": n, "latency_ms": latency_ms, "floor_seconds": n / RATE, **figures, "engine_alone": baseline}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.native_scale", description=__doc__)
    parser.add_argument("--sizes", default="200,1000", help="numbers of separate settings, default 200,1000")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "native_scale.json")
    args = parser.parse_args(argv)
    missing = [tool for tool in ("pulumi", "pulumi-language-yaml") if shutil.which(tool) is None]
    if missing:
        print(f"native_scale: skipped: {' and '.join(missing)} not on PATH (install the Pulumi CLI to measure)")
        return 0
    rows = []
    print("| N | create (PATCHes, max/s) | create, checkpoints skipped | no-op up (requests) | update 16 (PATCHes) "
          "| floor N/50 | engine alone: create / no-op / update 16 |")
    print("|---|---|---|---|---|---|---|")
    for n in (int(v) for v in args.sizes.split(",")):
        row = run(n, args.latency_ms)
        rows.append(row)
        c, s, z, u = row["create"], row["create_skip_checkpoints"], row["noop"], row["update16"]
        e = row["engine_alone"]
        print(
            f"| {n} | {c['seconds']} s ({c['patches']}, {c['max_per_second']}) | {s['seconds']} s "
            f"({s['max_per_second']}/s) | {z['seconds']} s ({z['requests']}) | {u['seconds']} s ({u['patches']}) | "
            f"{row['floor_seconds']:.0f} s | {e['create']} s / {e['noop']} s / {e['update16']} s |",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
