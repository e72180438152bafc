"""Several deployments sharing one Agora account: K processes × M settings against the emulator's 50 requests/s.

``python -m benchmarks.shared_account`` (defaults: K = 4 × M = 250 and K = 8 × M = 125). Each process is the
product's own client (:class:`~agora_pulumi.client.AgoraClient`, default configuration, so
``agora:maxRequestsPerSecond`` = 50) writing M settings 8 at a time, as a ``SnapshotSettingSet`` does; all
share one customer ID against one emulator subprocess enforcing ``--rate-limit 50``. The processes start
together (each is ready, then told to go), so they collide as parallel CI jobs do.

Printed per run: writes that landed, requests the emulator answered 429 (from its request log, which marks
them), all API requests, the wall time from "go" to the last process done, and the floor K·M/50 s. Targets
(issue 22): every write lands, wall time within 1.3 × the floor, fewer than 10 % of requests answered 429.
Not a test: nothing here fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional, Sequence

from agora_pulumi.client import AgoraClient, ClientConfig
from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.testing.emulator import running_emulator

RATE_LIMIT = 50
WORKERS = 8
"""Concurrent writes per process: a ``SnapshotSettingSet``'s (``set_provider.WORKERS``)."""
DEFAULT_RUNS = ((4, 250), (8, 125))


def worker(url: str, process: int, settings: int) -> dict[str, Any]:
    """One deployment: M PATCHes through one client, 8 at a time; what landed and what failed."""
    client = AgoraClient(ClientConfig(DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET, endpoint=url))
    app_id = f"{process:032x}"

    def write(index: int) -> Optional[str]:
        try:
            body = {"enabled": True, "snapshotInterval": 5 + index % 290}
            client.patch_setting(SettingIdentity(app_id, f"ep{index}", "cn"), body)
        except Exception as exc:  # noqa: BLE001 - every failure is a figure here
            return f"{type(exc).__name__}: {exc}"
        return None

    print("ready", flush=True)
    sys.stdin.readline()  # "go"
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        errors = [e for e in pool.map(write, range(settings)) if e is not None]
    client.close()
    return {"landed": settings - len(errors), "errors": errors[:3], "seconds": time.monotonic() - started}


def run(processes: int, settings: int, rate_limit: int = RATE_LIMIT) -> dict[str, Any]:
    """K worker processes against one emulator subprocess; the figures of one run."""
    with running_emulator(in_process=False, rate_limit=rate_limit) as emu:
        children = [
            subprocess.Popen(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", "benchmarks.shared_account", "--worker", emu.url, str(k), str(settings)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
            for k in range(processes)
        ]
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        started = time.monotonic()
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
        wall = time.monotonic() - started
        log = emu.requests()
    throttled = sum(1 for e in log if e.get("throttled"))
    floor = processes * settings / rate_limit
    return {
        "processes": processes,
        "settings": settings,
        "writes": processes * settings,
        "landed": sum(r["landed"] for r in results),
        "requests": len(log),
        "throttled": throttled,
        "throttled_share": throttled / len(log) if log else 0.0,
        "wall_seconds": wall,
        "floor_seconds": floor,
        "ratio": wall / floor,
        "errors": [e for r in results for e in r["errors"]][:3],
        "process_seconds": sorted(round(r["seconds"], 1) for r in results),
    }


def table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| K × M | writes landed | requests | answered 429 | wall time | floor K·M/50 | wall / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['processes']} × {r['settings']} | {r['landed']} / {r['writes']} | {r['requests']} | "
            f"{r['throttled']} ({r['throttled_share']:.1%}) | {r['wall_seconds']:.1f} s | {r['floor_seconds']:.0f} s | "
            f"{r['ratio']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shared_account", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=",".join(f"{k}x{m}" for k, m in DEFAULT_RUNS),
                        help="comma-separated KxM runs (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="times each run is repeated (default: 1)")
    parser.add_argument("--worker", nargs=3, metavar=("URL", "K", "M"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        url, process, settings = args.worker
        print(json.dumps(worker(url, int(process), int(settings))), flush=True)
        return 0
    try:
        runs = [tuple(int(n) for n in item.lower().split("x")) for item in args.runs.split(",") if item.strip()]
    except ValueError:
        parser.error(f"--runs must look like 4x250,8x125, got {args.runs!r}")
    rows = []
    for _ in range(args.repeat):
        for processes, settings in runs:
            rows.append(run(processes, settings))
            for error in rows[-1]["errors"]:
                print(f"  {processes}x{settings} error: {error}", file=sys.stderr)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
