"""The measurements: throughput, request accounting, cold start, preview and resource use.

Three sides write the same settings to the same emulator, in the same run:

* ``script``: a hand-written ``requests`` script, one pooled session (``pool_maxsize=4``), 4 threads;
* ``floor``: :class:`benchmarks.floor_provider.FloorProvider` through the SDK's ``python -m pulumi.dynamic``
  server, 4 concurrent gRPC callers: the SDK's own per-call cost plus the same PATCH;
* ``provider``: :class:`agora_pulumi.provider.SnapshotSettingProvider` through the same server, same callers.

The emulator runs as a subprocess (``python -m agora_pulumi.emulator --auth hmac``), so its CPU is not the
benchmark process's, and it accepts only HMAC-signed requests: every side signs every request as the provider
does (:func:`agora_pulumi.signing.hmac_headers`), so the comparison includes the signing cost on each side.
The throughput runs set ``agora:maxRequestsPerSecond`` to :data:`UNLIMITED_RATE` so they measure the provider,
not the rate limit; :meth:`Bench.rate_limited` measures the limit at its default. Each provider phase (create, update, delete, ...) gets a fresh provider process, as each ``pulumi
up``/``destroy`` does, started and configured before the clock starts. Besides wall time, the CPU time of
each process is read from its kernel CPU clock around every phase (see :func:`cpu_seconds`): on a 2-core
machine shared by three processes, CPU per operation is the steadier measure of what a side costs.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, TypeVar

import grpc
import requests
from pulumi.runtime.proto import provider_pb2
from requests.adapters import HTTPAdapter

from agora_pulumi.client_config import DEFAULT_MAX_REQUESTS_PER_SECOND
from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.signing import hmac_headers, host_header, http_date
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import ProviderServer, provider_blob

from . import floor_provider, forwarder, workload

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 4
"""Concurrent callers: the SDK's dynamic-provider server has 4 worker threads."""

OPS = ("create", "update", "delete")
SMALL_N = 500
"""Cells below this many settings are short; they get more repeats (``--repeat-small``)."""
SIDES = ("script", "floor", "provider")
PROVIDER_SIDES = ("floor", "provider")
ACCOUNTING_EXPECTED = {"create": 1, "update": 1, "read": 1, "delete": 1, "check": 0, "diff": 0}
REPO_ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UNLIMITED_RATE = 100_000
"""``agora:maxRequestsPerSecond`` of the throughput runs: far above anything 2 cores reach, so the limiter
never waits there (the default, 50, would make every run take N / 50 seconds whatever the provider costs)."""
RATE_LIMITED_N = 200
"""Settings created in the rate-limited run (4 seconds' worth at the default 50 requests/s)."""


# --- process accounting -----------------------------------------------------------------------------------


def cpu_seconds(pid: Optional[int] = None) -> float:
    """User + system CPU of a whole process (all its threads, live and exited), in seconds.

    Read from the process's CPU-time clock (Linux encodes ``clock_getcpuclockid(pid)`` as
    ``(~pid << 3) | 2``): nanosecond resolution, where ``/proc/<pid>/stat`` counts 10 ms ticks. Falls back
    to ``/proc`` if the clock cannot be read.
    """
    if pid is None:
        return time.process_time()
    try:
        return time.clock_gettime(((~pid) << 3) | 2)
    except OSError:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state) of proc(5); utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """``VmHWM`` (peak resident set) and ``VmRSS`` of a process, in KiB."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
    return out


def client_ports(server_port: int) -> set[int]:
    """Local ports of every IPv4 TCP socket on this machine whose remote end is ``server_port``, in any
    state (TIME_WAIT included). The difference before/after a phase is the connections it opened: a pooled
    client opens one per concurrent caller, an unpooled one one per request."""
    ports: set[int] = set()
    try:
        with open("/proc/net/tcp", encoding="ascii") as fh:
            next(fh)
            for line in fh:
                fields = line.split()
                local, remote = fields[1], fields[2]
                if int(remote.rsplit(":", 1)[1], 16) == server_port:
                    ports.add(int(local.rsplit(":", 1)[1], 16))
    except OSError:
        pass
    return ports


class ConnectionCounter:
    """TCP connections opened to the emulator between construction and :meth:`opened`."""

    def __init__(self, server_port: int) -> None:
        self._port = server_port
        self._before = client_ports(server_port)

    def opened(self) -> int:
        return len(client_ports(self._port) - self._before)


class CpuMeter:
    """CPU seconds used by the benchmark process, the emulator and (optionally) a provider process."""

    def __init__(self, emulator_pid: int, provider_pid: Optional[int] = None) -> None:
        self._pids: dict[str, Optional[int]] = {"driver": None, "emulator": emulator_pid}
        if provider_pid is not None:
            self._pids["provider"] = provider_pid
        self._start = self._read()

    def _read(self) -> dict[str, float]:
        return {role: cpu_seconds(pid) for role, pid in self._pids.items()}

    def per_op_ms(self, n: int) -> dict[str, float]:
        end = self._read()
        return {role: round((end[role] - self._start[role]) * 1000.0 / n, 4) for role in end}


# --- concurrency --------------------------------------------------------------------------------------------


def run_concurrently(fn: Callable[[T], R], items: Sequence[T], workers: int = WORKERS) -> tuple[float, list[R]]:
    """Call ``fn`` on every item from ``workers`` threads pulling from one queue; (wall seconds, results)."""
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []
    lock = threading.Lock()
    indices = iter(range(len(items)))
    start_gate = threading.Barrier(workers + 1)

    def worker() -> None:
        start_gate.wait()
        while True:
            with lock:
                index = next(indices, None)
            if index is None or errors:
                return
            try:
                results[index] = fn(items[index])
            except BaseException as exc:  # reported after the join, with the first failing item
                with lock:
                    errors.append(exc)
                return

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return wall, results


# --- the sides ----------------------------------------------------------------------------------------------


def stack_config(url: str, max_requests_per_second: Optional[float] = UNLIMITED_RATE) -> dict[str, str]:
    """The stack config a user sets (production retry policy: nothing fails here, so it never waits), HMAC
    signing (the default, set explicitly), and ``agora:maxRequestsPerSecond`` (``None``: left at its default)."""
    config = {"agora:endpoint": url, "agora:customerId": DEFAULT_CUSTOMER_ID,
              "agora:customerSecret": DEFAULT_CUSTOMER_SECRET, "agora:authScheme": "hmac"}
    if max_requests_per_second is not None:
        config["agora:maxRequestsPerSecond"] = f"{max_requests_per_second:g}"
    return config


def provider_env() -> dict[str, str]:
    """The provider process's environment: no AGORA_* overrides, and ``benchmarks`` importable (floor)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGORA_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def script_session() -> requests.Session:
    """What a careful hand-written script uses: one session, a pool as large as its thread count (it signs each
    request itself, see :func:`script_phase`)."""
    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=WORKERS)
    session.mount("http://", adapter)
    return session


def signed_headers(host: str, method: str, path: str, body: bytes) -> dict[str, str]:
    """What a script sends besides the body: the HMAC headers of this request, and its content type."""
    headers = hmac_headers(customer_id=DEFAULT_CUSTOMER_ID, customer_secret=DEFAULT_CUSTOMER_SECRET, method=method,
                           host=host, path=path, body=body, date=http_date(time.time()))
    headers["Content-Type"] = "application/json"
    return headers


def script_phase(session: requests.Session, url: str, reqs: Sequence[tuple[str, bytes]]) -> float:
    host = host_header(url)

    def patch(item: tuple[str, bytes]) -> int:
        headers = signed_headers(host, "PATCH", item[0], item[1])
        response = session.patch(url + item[0], data=item[1], headers=headers, timeout=(5, 30))
        if response.status_code != 200:
            raise RuntimeError(f"script: PATCH {item[0]} answered {response.status_code}: {response.text[:200]}")
        return response.status_code

    wall, _ = run_concurrently(patch, reqs)
    return wall


def _call(stub: Any, op: str) -> Callable[[Any], Any]:
    method = getattr(stub, op.capitalize())

    def call(request: Any) -> Any:
        return method(request, timeout=120)

    return call



def _summarise_log(entries: Sequence[Mapping[str, Any]], n: int) -> dict[str, Any]:
    methods = Counter(str(e["method"]) for e in entries)
    return {
        "requests": len(entries),
        "requests_per_op": round(len(entries) / n, 4) if n else 0.0,
        "methods": dict(sorted(methods.items())),
        "non_200": sum(1 for e in entries if e["status"] != 200),
    }


def _request_keys(entries: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """What a request was, order aside: method, path and (secret-redacted) body."""
    return sorted((str(e["method"]), str(e["path"]), repr(e["body"])) for e in entries)


class Bench:
    """One emulator subprocess and the sides that write to it."""

    def __init__(self, emu: EmulatorHandle) -> None:
        assert emu.process is not None, "the emulator must run as a subprocess"
        self.emu = emu
        self.emu_pid = emu.process.pid
        self.emu_port = int(emu.url.rsplit(":", 1)[1])
        self.config = stack_config(emu.url)
        self.env = provider_env()
        self.blobs = {"provider": provider_blob(), "floor": floor_provider.blob()}
        self.latency_ms = 0.0

    # --- emulator -------------------------------------------------------------------------------------

    def reset(self, latency_ms: float) -> None:
        """Empty the emulator (settings, log, faults) and set the added latency."""
        self.emu.reset()
        self.latency_ms = latency_ms
        if latency_ms:
            self.emu.set_faults(latency_ms=latency_ms)

    # --- provider processes ---------------------------------------------------------------------------

    @contextmanager
    def provider_process(self, side: str, config: Optional[Mapping[str, str]] = None) -> Iterator[ProviderServer]:
        """A fresh ``python -m pulumi.dynamic`` (one ``pulumi`` command), configured like a stack."""
        with ProviderServer(env=self.env, provider=self.blobs[side]) as server:
            server.configure(dict(self.config if config is None else config))
            yield server

    def grpc_ops(self, server: ProviderServer, op: str, requests_: Sequence[Any], n: int) -> dict[str, Any]:
        """Time one engine call over all settings with 4 callers; count what the emulator received."""
        assert server.process is not None
        self.emu.clear_requests()
        connections = ConnectionCounter(self.emu_port)
        meter = CpuMeter(self.emu_pid, server.process.pid)
        wall, responses = run_concurrently(_call(server.stub, op), requests_)
        cpu = meter.per_op_ms(n)
        opened = connections.opened()
        memory = memory_kib(server.process.pid)
        entries = self.emu.requests()
        _verify(op, responses)
        return {
            "op": op,
            "n": n,
            "wall_s": round(wall, 4),
            "ops_per_s": round(n / wall, 1),
            "cpu_ms_per_op": cpu,
            "tcp_connections": opened,
            "provider_vm_hwm_kib": memory["VmHWM"],
            **_summarise_log(entries, n),
            "_entries": entries,
        }

    # --- throughput -----------------------------------------------------------------------------------

    def script_side(self, n: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        session = script_session()
        try:
            for op in OPS:
                reqs = workload.script_requests(op, n)
                self.emu.clear_requests()
                connections = ConnectionCounter(self.emu_port)
                meter = CpuMeter(self.emu_pid)
                wall = script_phase(session, self.emu.url, reqs)
                cpu = meter.per_op_ms(n)
                opened = connections.opened()
                entries = self.emu.requests()
                rows.append(
                    {
                        "op": op,
                        "n": n,
                        "wall_s": round(wall, 4),
                        "ops_per_s": round(n / wall, 1),
                        "cpu_ms_per_op": cpu,
                        "tcp_connections": opened,
                        **_summarise_log(entries, n),
                        "_entries": entries,
                    }
                )
        finally:
            session.close()
        return rows

    def provider_side(self, side: str, n: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for op in OPS:
            reqs = workload.grpc_requests(op, n, self.blobs[side])
            with self.provider_process(side) as server:
                rows.append(self.grpc_ops(server, op, reqs, n))
        return rows

    def side(self, side: str, n: int) -> list[dict[str, Any]]:
        """Create, update and delete ``n`` settings on an empty emulator."""
        self.reset(self.latency_ms)
        rows = self.script_side(n) if side == "script" else self.provider_side(side, n)
        for row in rows:
            row["side"] = side
            row["latency_ms"] = self.latency_ms
            row.pop("_entries")
        return rows

    # --- the rate limit -------------------------------------------------------------------------------

    def rate_limited(self, n: int) -> dict[str, Any]:
        """``n`` creates by the provider with ``agora:maxRequestsPerSecond`` left at its default, 4 callers.

        The provider writes through a :class:`~benchmarks.forwarder.RecordingForwarder` (the emulator's log has
        no sub-second time), which notes when each request arrived: the most requests in any 1-second window
        is what Agora would count. The clock runs from the first Create sent to the last answered.
        """
        self.reset(0.0)
        rate = DEFAULT_MAX_REQUESTS_PER_SECOND
        burst = max(1, math.floor(rate))  # the shared bucket's burst (ratelimit.TokenBucket's default)
        reqs = workload.grpc_requests("create", n, self.blobs["provider"])
        with forwarder.RecordingForwarder(self.emu.url) as relay:
            config = stack_config(relay.url, max_requests_per_second=None)
            with self.provider_process("provider", config) as server:
                assert server.process is not None
                self.emu.clear_requests()
                meter = CpuMeter(self.emu_pid, server.process.pid)
                wall, responses = run_concurrently(_call(server.stub, "create"), reqs)
                cpu = meter.per_op_ms(n)
            arrivals = [r.arrived for r in relay.records()]
        _verify("create", responses)
        entries = self.emu.requests()
        span = max(arrivals) - min(arrivals) if len(arrivals) > 1 else 0.0
        return {
            "n": n,
            "max_requests_per_second": rate,
            "configured": "agora:maxRequestsPerSecond not set (default)",
            "wall_s": round(wall, 3),
            "achieved_requests_per_s": round(n / wall, 1),
            "arrival_span_s": round(span, 3),
            "max_in_any_1s": forwarder.max_in_window(arrivals, 1.0),
            # A limit of ``burst`` per second is kept at the server only if burst + 1 arrivals span >= 1 s.
            "shortest_span_of_burst_plus_one_s": _round(forwarder.min_span(arrivals, burst + 1), 4),
            "floor_s": round(n / rate, 3),
            "burst": burst,
            "bucket_min_s": round((math.ceil(n / burst) - 1) * burst / rate, 3),
            "forwarded": len(arrivals),
            "cpu_ms_per_op": cpu,
            "auth": dict(sorted(Counter(f"{e['auth_scheme']} {e['auth']}" for e in entries).items())),
            **_summarise_log(entries, n),
        }

    # --- request accounting ---------------------------------------------------------------------------

    def accounting(self, n: int) -> dict[str, Any]:
        """Requests per engine call, from the emulator's log, over a full life cycle of ``n`` settings.

        One provider process per ``pulumi`` command: ``up`` (Check, Create), ``up`` after a change (Check,
        Diff, Update), ``preview`` with nothing changed (Check, Diff), ``refresh`` (Read), ``destroy``
        (Delete). The requests of create, update and delete are then compared with the script's.
        """
        self.reset(0.0)
        side = "provider"
        blob = self.blobs[side]
        ops: dict[str, dict[str, Any]] = {}
        requests_by_op: dict[str, list[tuple[str, str, str]]] = {}
        commands = (("up", ("create",)), ("up (change)", ("check", "diff", "update")), ("refresh", ("read",)),
                    ("destroy", ("delete",)))
        for command, calls in commands:
            with self.provider_process(side) as server:
                for op in calls:
                    row = self.grpc_ops(server, op, workload.grpc_requests(op, n, blob), n)
                    entries = row.pop("_entries")
                    requests_by_op[op] = _request_keys(entries)
                    expected = ACCOUNTING_EXPECTED[op]
                    ops[op] = {
                        "command": command,
                        "expected_per_op": expected,
                        "requests": row["requests"],
                        "requests_per_op": row["requests_per_op"],
                        "methods": row["methods"],
                        "non_200": row["non_200"],
                        "ok": row["requests"] == expected * n and row["non_200"] == 0,
                    }
        preview = self.preview(side, n)
        ops["preview (check+diff)"] = {
            "command": "preview, nothing changed",
            "expected_per_op": 0,
            "requests": preview["requests"],
            "requests_per_op": preview["requests_per_op"],
            "methods": {},
            "non_200": 0,
            "ok": preview["requests"] == 0,
        }
        # The script's requests for the same life cycle, to prove every side sends the same bytes.
        self.reset(0.0)
        script = {row["op"]: _request_keys(row["_entries"]) for row in self.script_side(n)}
        same = {op: script[op] == requests_by_op[op] for op in OPS}
        return {
            "n": n,
            "ops": ops,
            "same_requests_as_script": same,
            "ok": all(v["ok"] for v in ops.values()) and all(same.values()),
        }

    # --- preview --------------------------------------------------------------------------------------

    def preview(self, side: str, n: int) -> dict[str, Any]:
        """A no-op ``preview`` of ``n`` settings: Check then Diff per setting, 4 settings at a time."""
        pairs = workload.preview_requests(n, self.blobs[side])
        with self.provider_process(side) as server:
            stub = server.stub

            def plan(pair: tuple[Any, Any]) -> tuple[int, int]:
                check, diff = pair
                checked = stub.Check(check, timeout=120)
                diff.news.CopyFrom(checked.inputs)
                answer = stub.Diff(diff, timeout=120)
                return len(checked.failures), int(answer.changes)

            assert server.process is not None
            self.emu.clear_requests()
            meter = CpuMeter(self.emu_pid, server.process.pid)
            wall, results = run_concurrently(plan, pairs)
            cpu = meter.per_op_ms(n)
            memory = memory_kib(server.process.pid)
        entries = self.emu.requests()
        failures = sum(r[0] for r in results)
        changed = sum(1 for r in results if r[1] != provider_pb2.DiffResponse.DIFF_NONE)
        if failures or changed:
            raise RuntimeError(f"{side}: no-op preview found {failures} check failures and {changed} changes")
        return {
            "side": side,
            "n": n,
            "wall_s": round(wall, 4),
            "ms_per_resource": round(wall * 1000.0 / n, 4),
            "cpu_ms_per_resource": cpu,
            "provider_vm_hwm_kib": memory["VmHWM"],
            "requests": len(entries),
            "requests_per_op": round(len(entries) / n, 4),
        }

    # --- cold start -----------------------------------------------------------------------------------

    def cold_start(self, side: str, repeats: int) -> dict[str, Any]:
        """Spawn the provider process and time it to the first Create answered (with its one PATCH)."""
        create = workload.grpc_requests("create", 1, self.blobs[side])[0]
        samples: list[dict[str, float]] = []
        for _ in range(repeats):
            started = time.perf_counter()
            server = ProviderServer(env=self.env, provider=self.blobs[side])
            try:
                server.start()
                ready = time.perf_counter()
                server.configure(self.config)
                configured = time.perf_counter()
                server.stub.Create(create, timeout=60)
                answered = time.perf_counter()
                assert server.process is not None
                memory = memory_kib(server.process.pid)
                cpu = cpu_seconds(server.process.pid)
            finally:
                server.close()
            samples.append(
                {
                    "spawn_to_ready_s": round(ready - started, 4),
                    "configure_s": round(configured - ready, 4),
                    "first_create_s": round(answered - configured, 4),
                    "total_s": round(answered - started, 4),
                    "process_cpu_s": round(cpu, 3),
                    "vm_hwm_kib": memory["VmHWM"],
                }
            )
        median = {key: round(statistics.median(s[key] for s in samples), 4) for key in samples[0]}
        return {"side": side, "repeats": repeats, "median": median, "samples": samples}


def _round(value: Optional[float], digits: int) -> Optional[float]:
    return None if value is None else round(value, digits)


def _verify(op: str, responses: Sequence[Any]) -> None:
    """The engine would fail the step on a bad answer; so does the benchmark (after the clock stopped)."""
    for i, response in enumerate(responses):
        if op in ("create", "read") and response.id != workload.setting_id(i):
            raise RuntimeError(f"{op} #{i} answered id {response.id!r}")
        if op == "check" and len(response.failures):
            raise RuntimeError(f"check #{i} failed: {response.failures}")
        if op == "diff" and response.changes != provider_pb2.DiffResponse.DIFF_SOME:
            raise RuntimeError(f"diff #{i} saw no change")


# --- machine and imports ------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem_kib = int(fh.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pulumi": _version("pulumi"),
        "grpcio": grpc.__version__,
        "requests": requests.__version__,
    }


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


_IMPORT_PROBE = """
import time
import pulumi.dynamic.__init__, pulumi.runtime, grpc, dill, requests
t = time.perf_counter()
import agora_pulumi.provider
print(time.perf_counter() - t)
"""


def provider_import_seconds(repeats: int = 3) -> float:
    """What importing the provider adds to a process that already runs the SDK server (requests included,
    which the floor imports too): the project's own share of the cold start."""
    import subprocess

    samples = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True, env=provider_env()
        )
        samples.append(float(out.stdout.strip()))
    return round(statistics.median(samples), 4)


# --- the whole run ------------------------------------------------------------------------------------------


def _log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def run(
    sizes: Sequence[int],
    latencies: Sequence[float],
    repeat: int = 1,
    cold_repeats: int = 5,
    accounting_n: Optional[int] = None,
    repeat_small: Optional[int] = None,
    rate_n: int = RATE_LIMITED_N,
    signing_iterations: int = 20_000,
    auth_only: bool = False,
) -> dict[str, Any]:
    """Every measurement against one emulator subprocess; returns the JSON-ready results.

    Cells with fewer than :data:`SMALL_N` settings run ``repeat_small`` times (default: ``repeat``): they
    last a fraction of a second, so a scheduling hiccup or the per-process first call weighs more.
    ``auth_only``: only the signing cost and the rate-limited run (``--auth-only``).
    """
    small = repeat if repeat_small is None else repeat_small
    from . import report, signing_cost

    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine_info(),
        "settings": {
            "sizes": list(sizes),
            "latencies_ms": list(latencies),
            "repeat": repeat,
            "repeat_small_n": small,
            "small_n_below": SMALL_N,
            "cold_start_repeats": cold_repeats,
            "workers": WORKERS,
            "sides": list(SIDES),
            "auth_scheme": "hmac",
            "throughput_max_requests_per_second": UNLIMITED_RATE,
            "auth_only": auth_only,
        },
    }
    _log(f"signing cost, {signing_iterations} requests per repeat")
    results["signing"] = signing_cost.measure(signing_iterations, repeats=5 if signing_iterations >= 10_000 else 1)
    # No server-side limit: the throughput runs lift the client's (UNLIMITED_RATE) to measure the provider, not
    # Agora's 50/s; the rate-limited run counts its arrivals itself (most in any one-second window).
    with running_emulator(in_process=False, auth="hmac", rate_limit=0) as emu:
        bench = Bench(emu)
        _log(f"rate-limited run, {rate_n} settings at the default agora:maxRequestsPerSecond")
        results["rate_limited"] = bench.rate_limited(rate_n)
        if auth_only:
            results["elapsed_s"] = round(time.perf_counter() - started, 1)
            return results
        n_acc = accounting_n or min(sizes)
        _log(f"request accounting, {n_acc} settings")
        results["accounting"] = bench.accounting(n_acc)
        _log("cold start")
        results["cold_start"] = {side: bench.cold_start(side, cold_repeats) for side in PROVIDER_SIDES}
        results["cold_start"]["provider_import_s"] = provider_import_seconds(max(1, min(3, cold_repeats)))
        bench.reset(0.0)
        results["preview"] = []
        for n in sizes:
            for side in PROVIDER_SIDES:
                _log(f"no-op preview, {side}, {n} settings")
                results["preview"].append(bench.preview(side, n))
        rows: list[dict[str, Any]] = []
        for latency in latencies:
            bench.latency_ms = float(latency)
            for n in sizes:
                reps = small if n < SMALL_N else repeat
                for rep in range(reps):
                    # Rotate the order so that drift (thermal, neighbours) does not always favour one side.
                    order = SIDES[rep % len(SIDES):] + SIDES[: rep % len(SIDES)]
                    for side in order:
                        _log(f"throughput, {latency:g} ms, {n} settings, {side} (repeat {rep + 1}/{reps})")
                        for row in bench.side(side, n):
                            row["repeat"] = rep
                            rows.append(row)
        results["throughput"] = rows
    results["summary"] = report.summarise(rows)
    results["emulator"] = report.emulator_capacity(rows)
    results["scaling"] = report.scaling(results)
    results["targets"] = report.targets(results)
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    return results
