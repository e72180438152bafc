"""``python -m benchmarks.fleet_scale``: a fleet of N settings through the real Pulumi CLI, both groupings,
on the dynamic resources and on the native ``agora`` package's (``agora-snapshots:resources``).

The engine, not the provider, decides how long a large ``pulumi up`` takes when every setting is its own
resource (a state checkpoint after every step, per-resource Check/Diff round trips). This benchmark measures
that with the real ``pulumi`` CLI against the emulator with added latency, for ``grouping: setting`` and
``grouping: app`` (one ``SnapshotSettingSet`` per App ID), beside Agora's rate-limit floor (N / 50 s).

Needs ``pulumi`` on PATH; without it, it prints why and exits 0 (tests never need the CLI). Uses a local
file backend and an empty passphrase in a temporary directory; the program is this package's fleet program,
and for ``resources: native`` the plugin directory ``agora-pulumi provider new`` writes with this interpreter.
Benchmarks are not tests: nothing fails on a slow figure.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

APP_ID = "bench-app"
REGIONS = ("cn", "ap", "na", "eu")
RATE = 50.0


def _project(root: Path, resources: str) -> None:
    packages = ""
    if resources == "native":
        plugin = root / "agora-provider"
        subprocess.run([sys.executable, "-m", "agora_pulumi", "provider", "new", str(plugin)], check=True,
                       capture_output=True)
        packages = f"packages:\n  agora: {plugin}\n"
    (root / "Pulumi.yaml").write_text(
        "name: agora-snapshots\n"
        "runtime:\n  name: python\n  options:\n"
        f"    toolchain: pip\n    virtualenv: {sys.prefix}\n" + packages
    )
    (root / "__main__.py").write_text("from agora_pulumi.program import main\n\nmain()\n")


def _config(url: str, n: int, grouping: str, resources: str, changed: int = 0) -> dict[str, Any]:
    entries: list[Any] = []
    for i in range(n // len(REGIONS)):
        entry: dict[str, Any] = {"name": f"ep{i:04d}"}
        if i < changed:  # one changed setting per entry point: its cn interval
            entry["overrides"] = {"cn": {"snapshotInterval": 60}}
        entries.append(entry)
    return {
        "agora:endpoint": url,
        "agora:customerId": DEFAULT_CUSTOMER_ID,
        "agora:customerSecret": DEFAULT_CUSTOMER_SECRET,
        "agora-snapshots:grouping": grouping,
        "agora-snapshots:resources": resources,
        "agora-snapshots:defaults": {"appId": APP_ID, "regions": list(REGIONS), "snapshotInterval": 10},
        "agora-snapshots:entryPoints": entries,
    }


def _write_stack(root: Path, config: dict[str, Any]) -> None:
    (root / "Pulumi.bench.yaml").write_text(json.dumps({"config": config}, indent=1))  # JSON is YAML


def cli_env(state: Path, **extra: str) -> dict[str, str]:
    """The CLI's environment for a benchmark: a fresh file backend in ``state`` (made here), no passphrase,
    no update check."""
    state.mkdir()
    return {
        **os.environ,
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": "",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        **extra,
    }


def pulumi_command(root: Path, env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        ["pulumi", *args, "--stack", "bench", "--non-interactive"],
        cwd=root, env=env, capture_output=True, text=True, timeout=3600,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"pulumi {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def phase(emu: EmulatorHandle, root: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    emu.clear_requests()
    seconds = pulumi_command(root, env, *args)
    requests = emu.api_requests()
    per_second = collections.Counter(r.get("date") for r in requests)  # the requests' Date: 1 s resolution
    return {
        "seconds": round(seconds, 2),
        "requests": len(requests),
        "patches": sum(1 for r in requests if r["method"] == "PATCH"),
        "max_per_second": max(per_second.values(), default=0),
    }


def run(n: int, grouping: str, latency_ms: float, resources: str = "dynamic") -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="agora-fleet-") as tmp, running_emulator(
        auth="hmac", latency_ms=latency_ms, in_process=False
    ) as emu:
        root = Path(tmp)
        _project(root, resources)
        env = cli_env(root / "state", PULUMI_HOME=str(root / "home"))
        pulumi_command(root, env, "stack", "init")
        _write_stack(root, _config(emu.url, n, grouping, resources))
        figures = {
            "preview": phase(emu, root, env, "preview"),
            "create": phase(emu, root, env, "up", "--yes", "--skip-preview"),
            "noop": phase(emu, root, env, "up", "--yes", "--skip-preview"),
        }
        _write_stack(root, _config(emu.url, n, grouping, resources, changed=10))
        figures["update10"] = phase(emu, root, env, "up", "--yes", "--skip-preview")
        return {"n": n, "grouping": grouping, "resources": resources, "latency_ms": latency_ms, "floor_seconds": n / RATE, **figures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet_scale", description=__doc__)
    parser.add_argument("--sizes", default="200,1000", help="fleet sizes (multiples of 4), default 200,1000")
    parser.add_argument("--groupings", default="app,setting", help="default app,setting")
    parser.add_argument("--resources", default="dynamic,native", help="default dynamic,native")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "fleet_scale.json")
    args = parser.parse_args(argv)
    if shutil.which("pulumi") is None:
        print("fleet_scale: skipped: no `pulumi` CLI on PATH (install it to measure the real engine)")
        return 0
    rows = []
    print("| N | grouping | resources | preview | create (PATCHes) | no-op up (requests) | update 10 (PATCHes) | floor N/50 |")
    print("|---|---|---|---|---|---|---|---|")
    cases = [(n, g, r) for n in (int(v) for v in args.sizes.split(",")) for g in args.groupings.split(",")
             for r in args.resources.split(",")]
    for n, grouping, resources in cases:
        row = run(n, grouping, args.latency_ms, resources)
        rows.append(row)
        print(
            f"| {n} | {grouping} | {resources} | {row['preview']['seconds']} s | {row['create']['seconds']} s "
            f"({row['create']['patches']}) | {row['noop']['seconds']} s ({row['noop']['requests']}) | "
            f"{row['update10']['seconds']} s ({row['update10']['patches']}) | {row['floor_seconds']:.0f} s |",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
