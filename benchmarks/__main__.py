"""``python -m benchmarks``: measure the provider against a hand-written script and the SDK's floor.

Prints markdown tables and writes every figure as JSON (default ``benchmarks/results/latest.json``).
Run from the repository root with the project's venv: ``.venv/bin/python -m benchmarks``. A full run takes
about 8 minutes on 2 cores; ``--quick`` (10 settings, no added latency) takes a few seconds and is what the
test suite runs so the benchmark cannot rot; ``--auth-only`` runs just the signing cost and the rate-limited
run (about 15 seconds). Benchmarks are not tests: nothing here fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import report, runner

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"


def _ints(text: str) -> list[int]:
    return [int(v) for v in _numbers(text, int, "integers", "positive integers", 1)]


def _floats(text: str) -> list[float]:
    return _numbers(text, float, "numbers", "non-negative numbers", 0)


def _numbers(text: str, kind: type, what: str, allowed: str, minimum: float) -> list[float]:
    """A comma-separated list of ``kind`` values, each at least ``minimum``, for an argparse option."""
    try:
        values = [float(kind(v)) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated {what}, got {text!r}") from None
    if not values or any(v < minimum for v in values):
        raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_ints, default=[100, 1000, 2000], help="numbers of settings (default: 100,1000,2000)")
    parser.add_argument("--latency-ms", type=_floats, default=[0.0, 20.0], help="latency added per request by the emulator (default: 0,20)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per (latency, N, side); the median is reported (default: 2)")
    parser.add_argument("--repeat-small", type=int, default=6, help="runs per cell with N < 500, which are short and noisier (default: 6)")
    parser.add_argument("--cold-repeats", type=int, default=5, help="cold starts per side (default: 5)")
    parser.add_argument("--accounting-n", type=int, default=None, help="settings in the request-accounting run (default: smallest size)")
    parser.add_argument("--rate-n", type=int, default=runner.RATE_LIMITED_N,
                        help="settings created in the rate-limited run (default: %(default)s)")
    parser.add_argument("--signing-iterations", type=int, default=20_000,
                        help="requests signed per repeat in the signing-cost run (default: %(default)s)")
    parser.add_argument("--auth-only", action="store_true", help="only the signing cost and the rate-limited run")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 10 settings, no latency, 1 repeat; 60 settings rate-limited")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output (default: %(default)s)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.sizes, args.latency_ms, args.repeat, args.repeat_small, args.cold_repeats = [10], [0.0], 1, 1, 1
        args.rate_n, args.signing_iterations = 60, 2_000
    results = runner.run(
        args.sizes, args.latency_ms, repeat=max(1, args.repeat), cold_repeats=max(1, args.cold_repeats),
        accounting_n=args.accounting_n, repeat_small=max(1, args.repeat_small), rate_n=max(1, args.rate_n),
        signing_iterations=max(1, args.signing_iterations), auth_only=args.auth_only,
    )
    results["command"] = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    sys.stdout.write(report.markdown(results))
    sys.stdout.write(f"\nJSON: {args.out} (run took {results['elapsed_s']} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
