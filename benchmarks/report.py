"""Summaries of the raw measurements (medians, ratios, scaling, targets) and the markdown tables."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any, Iterable, Mapping, Optional, Sequence

OPS = ("create", "update", "delete")
SIDES = ("script", "floor", "provider")
RATIO_TARGET_20MS = 1.05
FLOOR_TARGET = 1.10
COLD_START_TARGET_S = 1.0


def _median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def summarise(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One line per (latency, N, side): median over repeats of each phase and of the total."""
    groups: dict[tuple[float, int, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(float(row["latency_ms"]), int(row["n"]), str(row["side"]))].append(row)
    lines: list[dict[str, Any]] = []
    for (latency, n, side), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], SIDES.index(kv[0][2]))):
        repeats = sorted({int(r["repeat"]) for r in group})
        totals = [sum(float(r["wall_s"]) for r in group if r["repeat"] == rep) for rep in repeats]
        by_op = {op: _median(float(r["wall_s"]) for r in group if r["op"] == op) for op in OPS}
        cpu: dict[str, float] = {}
        for role in ("provider", "driver", "emulator"):
            values = [float(r["cpu_ms_per_op"][role]) for r in group if role in r["cpu_ms_per_op"]]
            if values:
                cpu[role] = round(_median(values), 3)
        total = _median(totals)
        requests = sum(int(r["requests"]) for r in group) / len(repeats)
        lines.append(
            {
                "latency_ms": latency,
                "n": n,
                "side": side,
                "repeats": len(repeats),
                "wall_s": {op: round(v, 3) for op, v in by_op.items()},
                "total_s": round(total, 3),
                "total_s_all_repeats": [round(t, 3) for t in totals],
                "requests_per_s": round(len(OPS) * n / total, 1),
                "requests_per_op": round(requests / (len(OPS) * n), 4),
                "non_200": sum(int(r["non_200"]) for r in group),
                "tcp_connections_per_phase": max(int(r.get("tcp_connections", 0)) for r in group),
                "cpu_ms_per_op": cpu,
                "provider_vm_hwm_kib": max((int(r.get("provider_vm_hwm_kib", 0)) for r in group), default=0) or None,
            }
        )
    index = {(line["latency_ms"], line["n"], line["side"]): line for line in lines}
    for line in lines:
        for base in ("script", "floor"):
            other = index.get((line["latency_ms"], line["n"], base))
            line[f"ratio_vs_{base}"] = round(line["total_s"] / other["total_s"], 3) if other else None
    return lines


def emulator_capacity(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How much the emulator itself costs: its CPU per request (the same for every side, since it answers
    the same requests) and the request rate one emulator process could sustain if it had a core to itself."""
    cpu = [float(r["cpu_ms_per_op"]["emulator"]) for r in rows if r["latency_ms"] == 0]
    script = [r for r in rows if r["latency_ms"] == 0 and r["side"] == "script"]
    if not cpu:
        return {}
    per_request = _median(cpu)
    return {
        "cpu_ms_per_request": round(per_request, 3),
        "capacity_requests_per_s_one_core": round(1000.0 / per_request) if per_request else None,
        "script_requests_per_s_at_0ms": round(_median(float(r["ops_per_s"]) for r in script), 1) if script else None,
    }


def scaling(results: Mapping[str, Any]) -> dict[str, Any]:
    """Per-operation cost at each N, and its growth from the smallest to the largest N (1.0 = linear)."""
    out: dict[str, Any] = {"throughput_us_per_request": [], "preview_ms_per_resource": [], "vm_hwm_kib": []}
    summary: Sequence[Mapping[str, Any]] = results["summary"]
    sizes = sorted({int(s["n"]) for s in summary})
    for latency in sorted({float(s["latency_ms"]) for s in summary}):
        for side in SIDES:
            per = {
                int(s["n"]): round(float(s["total_s"]) * 1e6 / (len(OPS) * int(s["n"])), 1)
                for s in summary
                if s["side"] == side and s["latency_ms"] == latency
            }
            if per:
                out["throughput_us_per_request"].append(
                    {"latency_ms": latency, "side": side, "by_n": per, "growth": _growth(per, sizes)}
                )
    previews: Sequence[Mapping[str, Any]] = results.get("preview", [])
    for side in ("floor", "provider"):
        per = {int(p["n"]): float(p["ms_per_resource"]) for p in previews if p["side"] == side}
        if per:
            out["preview_ms_per_resource"].append({"side": side, "by_n": per, "growth": _growth(per, sorted(per))})
        hwm = {int(p["n"]): int(p["provider_vm_hwm_kib"]) for p in previews if p["side"] == side}
        for s in summary:
            if s["side"] == side and s.get("provider_vm_hwm_kib"):
                hwm[int(s["n"])] = max(hwm.get(int(s["n"]), 0), int(s["provider_vm_hwm_kib"]))
        if hwm:
            out["vm_hwm_kib"].append({"side": side, "by_n": dict(sorted(hwm.items())), "growth": _growth(hwm, sorted(hwm))})
    return out


def _growth(per: Mapping[int, float], sizes: Sequence[int]) -> Optional[float]:
    known = [n for n in sizes if n in per]
    if len(known) < 2 or not per[known[0]]:
        return None
    return round(per[known[-1]] / per[known[0]], 3)


def _pick(summary: Sequence[Mapping[str, Any]], latency: float, n: int, side: str) -> Optional[Mapping[str, Any]]:
    for s in summary:
        if s["latency_ms"] == latency and s["n"] == n and s["side"] == side:
            return s
    return None


def targets(results: Mapping[str, Any]) -> dict[str, Any]:
    """The issue's targets, each with the measured value and whether it was met (None: not measured)."""
    summary: Sequence[Mapping[str, Any]] = results["summary"]
    out: dict[str, Any] = {}
    at_20 = _pick(summary, 20.0, 1000, "provider")
    floor_20 = _pick(summary, 20.0, 1000, "floor")
    out["provider_vs_script_20ms_n1000"] = {
        "target": f"<= {RATIO_TARGET_20MS}",
        "value": at_20["ratio_vs_script"] if at_20 else None,
        "floor_value": floor_20["ratio_vs_script"] if floor_20 else None,
        "met": (at_20["ratio_vs_script"] <= RATIO_TARGET_20MS) if at_20 else None,
    }
    floor_rows = [s for s in summary if s["latency_ms"] == 0 and s["side"] == "provider"]
    out["provider_vs_floor_0ms"] = {
        "target": f"<= {FLOOR_TARGET}",
        "value_by_n": {int(s["n"]): s["ratio_vs_floor"] for s in floor_rows},
        "met": all(s["ratio_vs_floor"] <= FLOOR_TARGET for s in floor_rows) if floor_rows else None,
    }
    accounting = results.get("accounting", {})
    out["requests_per_call"] = {
        "target": "1 per create/update/delete/read, 0 per check/diff",
        "met": bool(accounting.get("ok")) and all(s["requests_per_op"] == 1 and s["non_200"] == 0 for s in summary),
    }
    previews = results.get("preview", [])
    out["preview_http_requests"] = {
        "target": 0,
        "value": sum(int(p["requests"]) for p in previews),
        "met": all(int(p["requests"]) == 0 for p in previews),
    }
    cold = results.get("cold_start", {}).get("provider")
    out["cold_start_s"] = {
        "target": f"< {COLD_START_TARGET_S}",
        "value": cold["median"]["total_s"] if cold else None,
        "met": (cold["median"]["total_s"] < COLD_START_TARGET_S) if cold else None,
    }
    return out


# --- markdown -----------------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _x(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.3f}"


def _mib(kib: Optional[int]) -> str:
    return "" if not kib else f"{kib / 1024:.1f}"


def auth_markdown(results: Mapping[str, Any]) -> list[str]:
    """The signing cost and the rate-limited run."""
    sign = results["signing"]
    rate = results["rate_limited"]
    return [
        "",
        f"### Signing cost per request (CPU, {sign['body_bytes']}-byte PATCH body; median of {sign['repeats']} × "
        f"{sign['iterations']})",
        "",
        _table(
            ["scheme", "µs/request", "best µs/request", "what is computed per request"],
            [
                ["HMAC-SHA256", sign["hmac"]["us_per_request"], sign["hmac"]["best_us_per_request"],
                 "Date, SHA-256 Digest of the body, HMAC over host/date/request line/digest, header text"],
                ["Basic", sign["basic"]["us_per_request"], sign["basic"]["best_us_per_request"],
                 "base64 of id:secret (the client builds it once per client and reuses it)"],
            ],
        ),
        "",
        f"### Rate limit on (provider creates, {rate['configured']}: {rate['max_requests_per_second']:g}/s, "
        "4 callers)",
        "",
        _table(
            ["N", "seconds", "achieved req/s", "max requests in any 1 s", f"floor N/{rate['max_requests_per_second']:g} s",
             f"bucket minimum s (burst {rate['burst']})", "HTTP requests", "non-200", "auth"],
            [[rate["n"], rate["wall_s"], rate["achieved_requests_per_s"], rate["max_in_any_1s"], rate["floor_s"],
              rate["bucket_min_s"], rate["requests"], rate["non_200"],
              ", ".join(f"{k} {v}" for k, v in rate["auth"].items())]],
        ),
        "",
        f"Arrival times from a recording pass-through in front of the emulator ({rate['forwarded']} requests "
        f"forwarded, first to last {rate['arrival_span_s']} s); \"any 1 s\" is a sliding window. The limiter counts "
        f"when it grants a request, not when the request arrives: the shortest time in which {rate['burst'] + 1} "
        f"requests arrived was {rate['shortest_span_of_burst_plus_one_s']} s.",
    ]


def markdown(results: Mapping[str, Any]) -> str:
    """The human summary: machine, signing cost, rate limit, throughput, accounting, preview, cold start,
    scaling, targets (``--auth-only``: the first three)."""
    m = results["machine"]
    head = [
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"pulumi {m['pulumi']}, grpcio {m['grpcio']}, requests {m['requests']}. "
        f"{results['settings']['workers']} concurrent callers; median of {results['settings']['repeat']} run(s) per cell "
        f"({results['settings']['repeat_small_n']} for N < {results['settings']['small_n_below']}). Every side signs "
        f"with HMAC-SHA256; throughput runs set agora:maxRequestsPerSecond = "
        f"{results['settings']['throughput_max_requests_per_second']}.",
        *auth_markdown(results),
    ]
    if results["settings"].get("auth_only"):
        return "\n".join(head) + "\n"
    parts = [
        *head,
        "",
        "### Throughput (create + update + delete of N settings)",
        "",
        _table(
            ["latency", "N", "side", "create s", "update s", "delete s", "total s", "req/s", "HTTP req/op", "TCP conns",
             "CPU ms/op provider proc", "CPU ms/op driver", "CPU ms/op emulator", "× script", "× floor"],
            (
                [f"{s['latency_ms']:g} ms", s["n"], s["side"], s["wall_s"]["create"], s["wall_s"]["update"],
                 s["wall_s"]["delete"], s["total_s"], s["requests_per_s"], s["requests_per_op"],
                 s["tcp_connections_per_phase"],
                 s["cpu_ms_per_op"].get("provider", "—"), s["cpu_ms_per_op"].get("driver"),
                 s["cpu_ms_per_op"].get("emulator"), _x(s["ratio_vs_script"]),
                 _x(s["ratio_vs_floor"]) if s["side"] == "provider" else ""]
                for s in results["summary"]
            ),
        ),
    ]
    emulator = results.get("emulator") or {}
    if emulator:
        parts += [
            "",
            f"Emulator alone: {emulator['cpu_ms_per_request']} ms CPU per request, i.e. at most "
            f"~{emulator['capacity_requests_per_s_one_core']} req/s on one core; the script reached "
            f"{emulator['script_requests_per_s_at_0ms']} req/s at 0 ms.",
        ]
    acc = results["accounting"]
    parts += [
        "",
        f"### HTTP requests per engine call (emulator's log, {acc['n']} settings)",
        "",
        _table(
            ["call", "command", "requests", "per call", "expected", "methods", "ok"],
            (
                [op, v["command"], v["requests"], v["requests_per_op"], v["expected_per_op"],
                 ", ".join(f"{k} {c}" for k, c in v["methods"].items()) or "—", "yes" if v["ok"] else "NO"]
                for op, v in acc["ops"].items()
            ),
        ),
        "",
        "Same method, path and body as the script: "
        + ", ".join(f"{op} {'yes' if same else 'NO'}" for op, same in acc["same_requests_as_script"].items())
        + ".",
        "",
        "### No-op preview (Check + Diff per resource, 4 at a time)",
        "",
        _table(
            ["N", "side", "wall s", "ms/resource", "CPU ms/resource provider proc", "HTTP requests",
             "provider max RSS MiB"],
            (
                [p["n"], p["side"], p["wall_s"], p["ms_per_resource"], p["cpu_ms_per_resource"].get("provider"),
                 p["requests"], _mib(p["provider_vm_hwm_kib"])]
                for p in results["preview"]
            ),
        ),
    ]
    cold = results["cold_start"]
    parts += [
        "",
        f"### Cold start (spawn `python -m pulumi.dynamic` → first Create answered; median of "
        f"{cold['provider']['repeats']})",
        "",
        _table(
            ["side", "spawn → serving s", "Configure s", "first Create s", "total s", "process CPU s", "max RSS MiB"],
            (
                [side, c["median"]["spawn_to_ready_s"], c["median"]["configure_s"], c["median"]["first_create_s"],
                 c["median"]["total_s"], c["median"]["process_cpu_s"], _mib(int(c["median"]["vm_hwm_kib"]))]
                for side, c in ((s, cold[s]) for s in ("floor", "provider"))
            ),
        ),
        "",
        f"Importing `agora_pulumi.provider` in a process that already runs the SDK server: "
        f"{cold['provider_import_s'] * 1000:.1f} ms (mostly `requests`, which the floor imports too).",
    ]
    sc = results["scaling"]
    sizes = results["settings"]["sizes"]
    parts += [
        "",
        "### Scaling (cost per request or resource; growth = largest N / smallest N, 1.0 = linear)",
        "",
        _table(
            ["figure", "side", *[f"N={n}" for n in sizes], "growth"],
            [
                *(
                    [f"µs/request @ {t['latency_ms']:g} ms", t["side"], *[t["by_n"].get(n) for n in sizes], _x(t["growth"])]
                    for t in sc["throughput_us_per_request"]
                ),
                *(
                    ["preview ms/resource", p["side"], *[p["by_n"].get(n) for n in sizes], _x(p["growth"])]
                    for p in sc["preview_ms_per_resource"]
                ),
                *(
                    ["max RSS MiB", h["side"], *[_mib(h["by_n"].get(n)) for n in sizes], _x(h["growth"])]
                    for h in sc["vm_hwm_kib"]
                ),
            ],
        ),
        "",
        "### Targets",
        "",
        _table(
            ["target", "wanted", "measured", "met"],
            (
                [name, t["target"], t.get("value", t.get("value_by_n")), {True: "yes", False: "NO", None: "not measured"}[t["met"]]]
                for name, t in results["targets"].items()
            ),
        ),
    ]
    return "\n".join(parts) + "\n"
