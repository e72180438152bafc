"""Fault injection: the fault specs (``--fault``, ``POST /_emulator/faults``), the live queue, and the
answer each fault gives.

Kept apart from HTTP so the CLI, the admin routes and the test helpers parse faults with one parser, and
a fault's answer can be read without reading the socket code. The only fault the HTTP layer has to act out
itself is ``reset`` (a TCP RST with no response), which has no :class:`Response`.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Deque, Dict, Optional, Tuple

from .models import JsonObject
from .responses import Headers, Response, error_response, status_phrase

FAULT_ACTIONS = ("reset", "delay", "garbage", "truncated")
GARBAGE_BODY = b"<html>oops"
TRUNCATED_BODY = b'{"enabled": tr'
MAX_DELAY_SECONDS = 600.0


@dataclass(frozen=True)
class FaultItem:
    """One scripted fault, consumed by the first API request it matches.

    ``kind`` is ``status`` (answer ``status``, with ``Retry-After`` when ``retry_after`` is set), ``reset``
    (close the socket with a TCP RST and no response), ``delay`` (sleep ``seconds`` then answer normally),
    ``garbage`` (200 ``text/html`` ``<html>oops``) or ``truncated`` (200 ``{"enabled": tr``).
    ``method`` restricts which requests consume it. ``apply`` processes the request for real *before* the
    fault is answered (the write happened, the client never learns it), which is how a lost response is
    simulated; it is accepted on every kind but ``delay``, which always processes the request.
    """

    kind: str
    status: int = 0
    retry_after: Optional[str] = None
    method: Optional[str] = None
    apply: bool = False
    seconds: float = 0.0

    def matches(self, method: str) -> bool:
        """Whether a request with this method consumes the item."""
        return self.method is None or self.method == method

    def label(self) -> str:
        """Short description for the request log's ``fault`` field and the stderr log."""
        if self.kind == "status":
            text = f"status:{self.status}"
        elif self.kind == "delay":
            text = f"delay:{self.seconds:g}"
        else:
            text = self.kind
        return text + ("+apply" if self.apply else "")

    def to_json(self) -> JsonObject:
        """The admin-API form (the same shape ``from_json`` accepts)."""
        out: JsonObject = {}
        if self.kind == "status":
            out["status"] = self.status
            if self.retry_after is not None:
                out["retry_after"] = self.retry_after
        else:
            out["action"] = self.kind
            if self.kind == "delay":
                out["seconds"] = self.seconds
        if self.method is not None:
            out["method"] = self.method
        if self.apply:
            out["apply"] = True
        return out

    @classmethod
    def from_json(cls, obj: Any) -> FaultItem:
        """Parse one queue item of ``POST /_emulator/faults``; ``ValueError`` with a readable message."""
        if not isinstance(obj, dict):
            raise ValueError(f"fault queue item must be an object, got {obj!r}")
        allowed = {"status", "retry_after", "method", "apply", "action", "seconds"}
        extra = sorted(set(obj) - allowed)
        if extra:
            raise ValueError(f"unknown fault field {extra[0]!r}; allowed: {', '.join(sorted(allowed))}")
        method = obj.get("method")
        if method is not None and (not isinstance(method, str) or not method.strip()):
            raise ValueError("fault 'method' must be a non-empty string such as GET or PATCH")
        apply = obj.get("apply", False)
        if not isinstance(apply, bool):
            raise ValueError("fault 'apply' must be a boolean")
        norm_method = method.strip().upper() if isinstance(method, str) else None
        if "action" in obj:
            action = obj["action"]
            if action not in FAULT_ACTIONS:
                raise ValueError(f"fault 'action' must be one of {', '.join(FAULT_ACTIONS)}, got {action!r}")
            if "status" in obj or "retry_after" in obj:
                raise ValueError("a fault has either 'status' or 'action', not both")
            seconds = 0.0
            if action == "delay":
                seconds = _number(obj.get("seconds"), "seconds", 0.0, MAX_DELAY_SECONDS)
                apply = False
            elif "seconds" in obj:
                raise ValueError("'seconds' only applies to the delay action")
            return cls(kind=str(action), method=norm_method, apply=apply, seconds=seconds)
        if "status" not in obj:
            raise ValueError("fault needs 'status' (an HTTP error status) or 'action'")
        if "seconds" in obj:
            raise ValueError("'seconds' only applies to the delay action")
        status = _status(obj["status"], "status")
        return cls(
            kind="status",
            status=status,
            retry_after=_retry_after(obj.get("retry_after")),
            method=norm_method,
            apply=apply,
        )


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{name!r} must be a number in [{low:g}, {high:g}], got {value!r}")
    return float(value)


def _status(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError(f"{name!r} must be an HTTP error status (400-599), got {value!r}")
    return value


def _retry_after(value: Any) -> Optional[str]:
    """``Retry-After`` header text: a number of seconds (integral values print as integers; fractional ones
    are sent as-is, which is non-standard but lets tests stay fast) or a string sent verbatim (an HTTP date,
    or something deliberately malformed)."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value or any(c in value for c in "\r\n"):
            raise ValueError("'retry_after' string must be non-empty and a single line")
        return value
    seconds = _number(value, "retry_after", 0.0, 86400.0)
    return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"


@dataclass(frozen=True)
class FaultConfig:
    """The whole fault configuration; ``POST /_emulator/faults`` replaces it as a unit."""

    queue: Tuple[FaultItem, ...] = ()
    fail_rate: float = 0.0
    latency_ms: float = 0.0
    fail_status: int = 500

    def to_json(self) -> JsonObject:
        """The ``GET /_emulator/faults`` document."""
        return {
            "queue": [item.to_json() for item in self.queue],
            "fail_rate": self.fail_rate,
            "latency_ms": self.latency_ms,
            "fail_status": self.fail_status,
        }

    @classmethod
    def from_json(cls, obj: Any) -> FaultConfig:
        """Parse ``POST /_emulator/faults``: every key optional, absent keys take their defaults."""
        if not isinstance(obj, dict):
            raise ValueError("fault config must be a JSON object")
        extra = sorted(set(obj) - {"queue", "fail_rate", "latency_ms", "fail_status"})
        if extra:
            raise ValueError(f"unknown fault config field {extra[0]!r}")
        queue = obj.get("queue", [])
        if not isinstance(queue, list):
            raise ValueError("'queue' must be a list")
        return cls(
            queue=tuple(FaultItem.from_json(item) for item in queue),
            fail_rate=_number(obj.get("fail_rate", 0.0), "fail_rate", 0.0, 1.0),
            latency_ms=_number(obj.get("latency_ms", 0.0), "latency_ms", 0.0, MAX_DELAY_SECONDS * 1000),
            fail_status=_status(obj.get("fail_status", 500), "fail_status"),
        )


_SPEC_STATUS = re.compile(r"^[0-9]{3}$")


def parse_fault_spec(spec: str) -> FaultItem:
    """Parse the ``--fault`` CLI syntax into a :class:`FaultItem`.

    ``STATUS[,retry_after=S][,method=M][,apply]`` | ``reset|garbage|truncated[,method=M][,apply]`` |
    ``delay,seconds=S[,method=M]``, or a JSON object in the admin syntax. Examples: ``503``,
    ``429,retry_after=2``, ``500,method=PATCH,apply``, ``reset,apply``, ``delay,seconds=1.5``.
    """
    text = spec.strip()
    if text.startswith("{"):
        try:
            return FaultItem.from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValueError(f"fault spec is not valid JSON: {exc.msg}") from None
    head, *options = [part.strip() for part in text.split(",")]
    obj: Dict[str, Any] = {}
    if _SPEC_STATUS.match(head):
        obj["status"] = int(head)
    elif head in FAULT_ACTIONS:
        obj["action"] = head
    else:
        raise ValueError(f"fault spec must start with a status code or one of {FAULT_ACTIONS}: {spec!r}")
    for option in options:
        name, sep, value = option.partition("=")
        if name == "apply" and not sep:
            obj["apply"] = True
        elif name == "method" and sep:
            obj["method"] = value
        elif name in ("retry_after", "seconds") and sep:
            try:
                obj[name] = float(value)
            except ValueError:
                if name == "seconds":
                    raise ValueError(f"fault option {name} needs a number: {option!r}") from None
                obj[name] = value
        else:
            raise ValueError(f"unknown fault option {option!r} in {spec!r}")
    return FaultItem.from_json(obj)


class FaultInjector:
    """The live fault state: the queue being consumed, and the random failure rate.

    A request consumes the *first* queued item whose method filter matches it, so a PATCH-only fault
    survives the GETs a client makes before its PATCH. A request that consumed no item fails with
    probability ``fail_rate`` (status ``fail_status``, not applied).
    """

    def __init__(self, config: Optional[FaultConfig] = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random()  # noqa: S311 - fault sampling, not cryptography
        self._config = FaultConfig()
        self._queue: Deque[FaultItem] = deque()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        """Replace the whole configuration (queue included)."""
        with self._lock:
            self._config = config
            self._queue = deque(config.queue)

    def current(self) -> FaultConfig:
        """The configuration with the queue as it is now (consumed items gone)."""
        with self._lock:
            return FaultConfig(
                queue=tuple(self._queue),
                fail_rate=self._config.fail_rate,
                latency_ms=self._config.latency_ms,
                fail_status=self._config.fail_status,
            )

    def take(self, method: str) -> Tuple[Optional[FaultItem], str, float]:
        """The fault for one API request: ``(item or None, label, latency in seconds)``."""
        with self._lock:
            latency = self._config.latency_ms / 1000.0
            for index, item in enumerate(self._queue):
                if item.matches(method):
                    del self._queue[index]
                    return item, item.label(), latency
            rate = self._config.fail_rate
            if rate > 0 and self._random.random() < rate:
                status = self._config.fail_status
                return FaultItem(kind="status", status=status), f"fail_rate:{status}", latency
        return None, "", latency


def fault_response(item: FaultItem, request_id: str) -> Optional[Response]:
    """What an answering fault sends (``status``, ``garbage``, ``truncated``); ``None`` for ``reset`` and
    ``delay``, which the HTTP layer acts out (drop the connection; sleep, then answer for real)."""
    if item.kind == "garbage":
        return Response(200, (("Content-Type", "text/html"),), GARBAGE_BODY)
    if item.kind == "truncated":
        return Response(200, (("Content-Type", "application/json"),), TRUNCATED_BODY)
    if item.kind == "status":
        headers: Headers = (("Retry-After", item.retry_after),) if item.retry_after is not None else ()
        return error_response(
            item.status, f"{status_phrase(item.status)} (injected fault)", request_id, headers
        )
    return None
