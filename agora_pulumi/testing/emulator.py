"""Test helpers: start an emulator on a free port and talk to its admin API.

``running_emulator()`` runs it in-process (a daemon thread: fast, the default) or as a subprocess (the
real CLI, for lifecycle tests: signals, restarts, stderr). Admin calls use only ``urllib.request`` so this
module stays standard-library-only, like the rest of the emulator.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import IO, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union
from urllib.parse import quote

from agora_pulumi.emulator.cli import parse_config
from agora_pulumi.emulator.faults import parse_fault_spec
from agora_pulumi.emulator.models import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.emulator.server import EmulatorServer

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

FaultSpec = Union[Mapping[str, Any], str]


class EmulatorError(RuntimeError):
    """The emulator did not start, or an admin call failed."""


class EmulatorHandle:
    """A running emulator: its URL, its admin API, and (subprocess mode) its process."""

    def __init__(self, base_args: Sequence[str], in_process: bool) -> None:
        self._base_args = list(base_args)
        self.in_process = in_process
        self._port = 0
        self.url = ""
        self.process: Optional[subprocess.Popen[str]] = None
        self._server: Optional[EmulatorServer] = None
        self._lines: List[str] = []
        self._lines_lock = threading.Lock()
        self._stderr_path: Optional[str] = None
        self._stderr_file: Optional[IO[bytes]] = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start on the remembered port (0 the first time: a free one)."""
        args = [*self._base_args, "--port", str(self._port)]
        if self.in_process:
            server = EmulatorServer(parse_config(args), log=self._collect)
            server.start()
            self._server = server
            self._port = server.port
            self.url = server.url
            return
        if self._stderr_path is None:
            fd, self._stderr_path = tempfile.mkstemp(prefix="agora-fls-emulator-", suffix=".log")
            os.close(fd)
        self._stderr_file = open(self._stderr_path, "ab")  # closed in stop(): lives with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "agora_pulumi.emulator", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            text=True,
        )
        self.process = process
        self.url = self._await_listening(process)
        self._port = int(self.url.rsplit(":", 1)[1])

    def _await_listening(self, process: subprocess.Popen[str]) -> str:
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            process.kill()
            process.wait()
            raise EmulatorError(f"emulator did not start; stderr:\n{self.stderr_text()}") from None
        if not first.startswith("listening on "):
            raise EmulatorError(f"unexpected first line {first!r}; stderr:\n{self.stderr_text()}")
        return first[len("listening on ") :].strip()

    def stop(self) -> Optional[int]:
        """Stop it (SIGTERM for a subprocess); return the exit code (``None`` in-process). Idempotent."""
        if self._server is not None:
            self._server.stop(grace=1.0)
            self._server = None
            return None
        if self.process is None:
            return None
        process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
        return process.returncode

    def restart(self) -> None:
        """Stop (or reap a killed process) and start again on the same port with the same ``--db``."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop and remove the stderr capture file."""
        self.stop()
        if self._stderr_path is not None:
            try:
                os.unlink(self._stderr_path)
            except OSError:
                pass
            self._stderr_path = None

    def _collect(self, line: str) -> None:
        with self._lines_lock:
            self._lines.append(line)

    def stderr_text(self) -> str:
        """Everything the emulator logged so far (both modes; across restarts)."""
        if self.in_process:
            with self._lines_lock:
                return "".join(line + "\n" for line in self._lines)
        if self._stderr_path is None:
            return ""
        with open(self._stderr_path, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    # --- admin API ----------------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Call ``/_emulator{path}``; return ``(status, parsed JSON body or None)``."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - always http://host:port of our own emulator
            f"{self.url}/_emulator{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=STOP_TIMEOUT) as response:
                status, raw = int(response.status), response.read()
        except urllib.error.HTTPError as err:
            status, raw = int(err.code), err.read()
        return status, (json.loads(raw) if raw else None)

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        status, parsed = self.admin(method, path, body)
        if status != 200:
            raise EmulatorError(f"{method} /_emulator{path} -> {status}: {parsed}")
        return parsed

    def requests(self) -> List[Dict[str, Any]]:
        """The API requests received so far (admin requests excluded), oldest first, secrets redacted."""
        entries: List[Dict[str, Any]] = self._ok("GET", "/requests")
        return entries

    def api_requests(self, method: Optional[str] = None) -> List[Dict[str, Any]]:
        """:meth:`requests`, optionally only those with this HTTP method."""
        return [e for e in self.requests() if method is None or e["method"] == method.upper()]

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._ok("DELETE", "/requests")

    def reset(self) -> None:
        """Forget settings, faults and the request log."""
        self._ok("POST", "/reset")

    def set_faults(
        self,
        queue: Sequence[FaultSpec] = (),
        fail_rate: float = 0.0,
        latency_ms: float = 0.0,
        fail_status: int = 500,
    ) -> Dict[str, Any]:
        """Replace the fault configuration. Queue items are admin-API objects or ``--fault`` strings."""
        items = [parse_fault_spec(i).to_json() if isinstance(i, str) else dict(i) for i in queue]
        config: Dict[str, Any] = self._ok(
            "POST",
            "/faults",
            {"queue": items, "fail_rate": fail_rate, "latency_ms": latency_ms, "fail_status": fail_status},
        )
        return config

    def faults(self) -> Dict[str, Any]:
        """The current fault configuration (consumed queue items gone)."""
        config: Dict[str, Any] = self._ok("GET", "/faults")
        return config

    def stored(
        self, appid: str, entry_point: str, region: str, kind: str = "legacy"
    ) -> Optional[Dict[str, Any]]:
        """The stored setting of ``kind`` (``legacy``, ``standard`` or ``custom``), unredacted, or ``None``
        if this key was never configured. Legacy reads the original three-segment admin route, so a handle
        keeps working against an emulator that predates the kinds."""
        parts = (appid, entry_point, region) if kind == "legacy" else (kind, appid, entry_point, region)
        path = "/settings/" + "/".join(quote(p, safe="") for p in parts)
        status, parsed = self.admin("GET", path)
        if status == 404:
            return None
        if status != 200:
            raise EmulatorError(f"GET /_emulator{path} -> {status}: {parsed}")
        setting: Dict[str, Any] = parsed
        return setting


@contextmanager
def running_emulator(
    *,
    customer_id: str = DEFAULT_CUSTOMER_ID,
    customer_secret: str = DEFAULT_CUSTOMER_SECRET,
    entry_points: Sequence[str] = (),
    db: Optional[str] = None,
    in_process: bool = True,
    extra_args: Sequence[str] = (),
    latency_ms: float = 0,
    auth: str = "any",
    max_clock_skew: Optional[float] = None,
    clock_offset: float = 0,
    rate_limit: Optional[int] = None,
) -> Iterator[EmulatorHandle]:
    """Start an emulator on a free 127.0.0.1 port, yield its handle, stop it on exit.

    ``entry_points`` are ``APPID/NAME`` strings (empty: every entry point exists). ``extra_args`` are any
    further CLI flags (``--socket-timeout 0.5``, ``--fault 503``...); in-process mode parses them with the
    same parser, so both modes accept the same options. ``auth`` (``any``/``basic``/``hmac``),
    ``max_clock_skew`` and ``clock_offset`` (seconds added to the emulator's clock) are ``--auth``,
    ``--max-clock-skew`` and ``--clock-offset``. ``rate_limit`` is ``--rate-limit`` (``None``: the emulator's
    default, Agora's 50 requests per second per customer ID; ``0``: off, for tests that send bursts and are
    not about the limit).
    """
    args = ["--host", "127.0.0.1", "--customer-id", customer_id, "--customer-secret", customer_secret]
    for entry_point in entry_points:
        args += ["--entry-point", entry_point]
    if db is not None:
        args += ["--db", db]
    if latency_ms:
        args += ["--latency-ms", str(latency_ms)]
    if auth != "any":
        args += ["--auth", auth]
    if max_clock_skew is not None:
        args += ["--max-clock-skew", repr(float(max_clock_skew))]
    if clock_offset:
        args.append(f"--clock-offset={float(clock_offset)!r}")  # "=": a negative value is not an option
    if rate_limit is not None:
        args += ["--rate-limit", str(int(rate_limit))]
    args += list(extra_args)
    handle = EmulatorHandle(args, in_process=in_process)
    handle.start()
    try:
        yield handle
    finally:
        handle.close()
