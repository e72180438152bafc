"""The command line of ``agora-fls-emulator`` / ``python -m agora_pulumi.emulator``.

It lives apart from ``__main__`` so that :mod:`agora_pulumi.testing.emulator` can reuse :func:`parse_config` (in-process
emulators accept the same flags) without importing ``__main__``, which ``python -m`` must run fresh.

The first line on stdout is ``listening on URL`` (flushed at once, so a parent process can wait for it
and learn the port chosen by ``--port 0``); everything else goes to stderr. SIGINT and SIGTERM stop it
cleanly with exit code 0: requests in flight finish, the database is closed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import threading
from typing import Any, Callable, List, Mapping, Optional, Sequence

from .auth import AUTH_MODES, DEFAULT_MAX_CLOCK_SKEW
from .faults import FaultConfig, FaultItem, parse_fault_spec
from .models import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET, EntryPoints
from .server import EmulatorServer
from .state import EmulatorConfig, parse_entry_point
from .throttle import DEFAULT_RATE_LIMIT

PROG = "agora-fls-emulator"


def _ranged(kind: Callable[[str], float], low: float, high: float) -> Callable[[str], float]:
    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is outside [{low:g}, {high:g}]")
        return value

    return convert


def _entry_point(text: str) -> tuple[str, str]:
    try:
        return parse_entry_point(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fault(text: str) -> FaultItem:
    try:
        return parse_fault_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The CLI; :func:`parse_config` turns its result into an :class:`EmulatorConfig`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Local emulator of Agora's FLS snapshot-settings REST API (GET/PATCH"
        " /v1/projects/{appid}/fls/entry_points/{entry_point}/settings/snapshot/regions/{region},"
        " and the current reference's .../settings/snapshot/standard/regions/{region} and"
        " .../settings/snapshot/custom/regions/{region}; three independent settings).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--customer-id",
        default=DEFAULT_CUSTOMER_ID,
        help="customer ID accepted (Basic user, HMAC username; default: %(default)s)",
    )
    parser.add_argument(
        "--customer-secret",
        default=DEFAULT_CUSTOMER_SECRET,
        help="customer secret accepted (Basic password, HMAC key; default: %(default)s)",
    )
    parser.add_argument(
        "--auth",
        choices=AUTH_MODES,
        default="any",
        help="accepted auth schemes: Basic, HMAC-SHA256 (Date/Digest/signature), or any of them"
        " (default: %(default)s)",
    )
    parser.add_argument(
        "--max-clock-skew",
        type=_ranged(float, 0.0, 10 * 365 * 86400.0),
        default=DEFAULT_MAX_CLOCK_SKEW,
        metavar="SECONDS",
        help="how far an HMAC Date header may be from the emulator's clock (default: %(default)g)",
    )
    parser.add_argument(
        "--clock-offset",
        type=_ranged(float, -100 * 365 * 86400.0, 100 * 365 * 86400.0),
        default=0.0,
        metavar="SECONDS",
        help="the emulator's clock is real time plus this (negative: behind); for Date/skew tests"
        " (default: 0)",
    )
    parser.add_argument(
        "--entry-point",
        dest="entry_points",
        action="append",
        type=_entry_point,
        default=[],
        metavar="APPID/NAME",
        help="an entry point that exists (repeatable); others get 404. Without any, every entry point exists",
    )
    parser.add_argument(
        "--db", default=None, metavar="PATH", help="SQLite file to persist settings (default: in memory)"
    )
    parser.add_argument(
        "--socket-timeout",
        type=_ranged(float, 0.01, 3600),
        default=10.0,
        metavar="SECONDS",
        help="per-connection idle/read timeout, against stalled clients (default: %(default)s)",
    )
    parser.add_argument(
        "--rate-limit",
        type=lambda t: int(_ranged(int, 0, 1_000_000)(t)),
        default=DEFAULT_RATE_LIMIT,
        metavar="N",
        help="Agora's call frequency limit: API requests per second per customer ID, above it 429 with"
        " Retry-After; 0 turns it off (default: %(default)s)",
    )
    faults = parser.add_argument_group("fault injection (also settable at runtime: POST /_emulator/faults)")
    faults.add_argument(
        "--fail-rate",
        type=_ranged(float, 0.0, 1.0),
        default=0.0,
        help="fraction of API requests answered --fail-status without being applied (default: 0)",
    )
    faults.add_argument(
        "--fail-status",
        type=lambda t: int(_ranged(int, 400, 599)(t)),
        default=500,
        help="status for --fail-rate failures (default: %(default)s)",
    )
    faults.add_argument(
        "--latency-ms",
        type=_ranged(float, 0.0, 600_000),
        default=0.0,
        help="delay added to every API request, in milliseconds (default: 0)",
    )
    faults.add_argument(
        "--fault",
        dest="fault_queue",
        action="append",
        type=_fault,
        default=[],
        metavar="SPEC",
        help="queue a one-shot fault (repeatable, consumed in order): STATUS[,retry_after=S][,method=M][,apply]"
        " | reset|garbage|truncated[,method=M][,apply] | delay,seconds=S[,method=M] | a JSON object",
    )
    parser.add_argument(
        "--shutdown-grace",
        type=_ranged(float, 0.0, 600),
        default=2.0,
        metavar="SECONDS",
        help="how long SIGTERM/SIGINT waits for requests in flight (default: %(default)s)",
    )
    return parser


def parse_config(argv: Sequence[str]) -> EmulatorConfig:
    """Parse CLI arguments into a config (exits with status 2 on bad arguments, like any argparse CLI)."""
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be in [0, 65535], got {args.port}")
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        customer_id=args.customer_id,
        customer_secret=args.customer_secret,
        entry_points=tuple(args.entry_points),
        db=args.db,
        socket_timeout=args.socket_timeout,
        faults=FaultConfig(
            queue=tuple(args.fault_queue),
            fail_rate=args.fail_rate,
            latency_ms=args.latency_ms,
            fail_status=args.fail_status,
        ),
        shutdown_grace=args.shutdown_grace,
        auth=args.auth,
        max_clock_skew=args.max_clock_skew,
        clock_offset=args.clock_offset,
        rate_limit=args.rate_limit,
    )


def banner(config: EmulatorConfig) -> List[str]:
    """Startup description for stderr: never the customer secret."""
    eps = EntryPoints(config.entry_points)
    faults: Mapping[str, Any] = config.faults.to_json()
    return [
        f"customer id: {config.customer_id!r} (secret not shown)",
        f"auth: {config.auth} (HMAC Date within ±{config.max_clock_skew:g} s of a clock offset by"
        f" {config.clock_offset:g} s)",
        f"entry points: {', '.join(eps.listing()) if eps.restricted else 'any (no --entry-point given)'}",
        f"storage: {config.db or 'in memory'}",
        "rate limit: "
        + (f"{config.rate_limit} requests/s per customer ID" if config.rate_limit else "off (--rate-limit 0)"),
        f"faults: {json.dumps(faults)}",
    ]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run until SIGINT/SIGTERM; return the process exit code."""
    config = parse_config(sys.argv[1:] if argv is None else argv)

    def note(line: str) -> None:
        sys.stderr.write(f"{PROG}: {line}\n")
        sys.stderr.flush()

    try:
        server = EmulatorServer(config)
    except (OSError, sqlite3.Error) as exc:
        note(f"cannot start: {type(exc).__name__}: {exc}")
        return 1
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    for line in banner(config):
        note(line)
    server.start()
    print(f"listening on {server.url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        note("shutting down")
        server.stop()
    note("stopped")
    return 0
