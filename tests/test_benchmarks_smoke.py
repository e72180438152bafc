"""A fast run of ``python -m benchmarks --quick`` so the benchmark cannot rot.

Benchmarks are not tests: nothing here looks at a timing. What is asserted is that every measurement still
runs end to end (emulator subprocess, script, floor provider and real provider through the SDK's gRPC
server), that the output has its documented shape, and the request accounting the issue promises: exactly
one HTTP request per create, update, delete and read, none per check or diff, none for a no-op preview; every
request HMAC-signed and accepted; the rate-limited run's requests all forwarded and answered.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import main

SIZE = 10
RATE_N = 60


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["--quick", "--out", str(out)]) == 0
    return json.loads(Path(out).read_text(encoding="utf-8")), printed.getvalue()


def test_quick_run_writes_every_section(quick_run: tuple[dict[str, Any], str]) -> None:
    results, _ = quick_run
    assert {"machine", "settings", "accounting", "cold_start", "preview", "throughput", "summary", "emulator",
            "scaling", "targets", "command", "signing", "rate_limited"} <= set(results)
    assert results["settings"]["auth_scheme"] == "hmac"
    assert results["settings"]["throughput_max_requests_per_second"] == 100_000
    assert results["settings"]["sizes"] == [SIZE]
    assert results["machine"]["nproc"] >= 1 and results["machine"]["python"]
    sides = {(s["side"], s["n"], s["latency_ms"]) for s in results["summary"]}
    assert sides == {("script", SIZE, 0.0), ("floor", SIZE, 0.0), ("provider", SIZE, 0.0)}
    for line in results["summary"]:
        assert set(line["wall_s"]) == {"create", "update", "delete"}
        assert line["total_s"] > 0 and line["requests_per_s"] > 0
        assert line["ratio_vs_script"] is not None and line["ratio_vs_floor"] is not None
    provider_line = next(s for s in results["summary"] if s["side"] == "provider")
    assert {"provider", "driver", "emulator"} <= set(provider_line["cpu_ms_per_op"])
    for side in ("floor", "provider"):
        cold = results["cold_start"][side]["median"]
        assert cold["total_s"] > 0 and cold["vm_hwm_kib"] > 0
    assert set(results["targets"]) == {
        "provider_vs_script_20ms_n1000", "provider_vs_floor_0ms", "requests_per_call", "preview_http_requests",
        "cold_start_s",
    }


def test_quick_run_prints_the_markdown_tables(quick_run: tuple[dict[str, Any], str]) -> None:
    _, printed = quick_run
    for heading in ("### Signing cost per request", "### Rate limit on", "### Throughput",
                    "### HTTP requests per engine call", "### No-op preview", "### Cold start", "### Scaling",
                    "### Targets"):
        assert heading in printed
    assert "| 0 ms | 10 | provider |" in printed


def test_one_request_per_create_update_delete_read_and_none_per_check_or_diff(
    quick_run: tuple[dict[str, Any], str],
) -> None:
    results, _ = quick_run
    accounting = results["accounting"]
    assert accounting["n"] == SIZE
    ops = accounting["ops"]
    assert {op: ops[op]["requests"] for op in ops} == {
        "create": SIZE, "update": SIZE, "read": SIZE, "delete": SIZE,
        "check": 0, "diff": 0, "preview (check+diff)": 0,
    }
    assert ops["create"]["methods"] == {"PATCH": SIZE}
    assert ops["update"]["methods"] == {"PATCH": SIZE}
    assert ops["delete"]["methods"] == {"PATCH": SIZE}
    assert ops["read"]["methods"] == {"GET": SIZE}
    assert all(v["non_200"] == 0 and v["ok"] for v in ops.values())
    # The provider sends exactly what the hand-written script sends.
    assert accounting["same_requests_as_script"] == {"create": True, "update": True, "delete": True}
    assert accounting["ok"] is True


def test_every_throughput_phase_and_preview_made_the_expected_requests(
    quick_run: tuple[dict[str, Any], str],
) -> None:
    results, _ = quick_run
    for row in results["throughput"]:
        assert row["requests"] == SIZE, row
        assert row["non_200"] == 0
        assert row["methods"] == {"PATCH": SIZE}
        # Pooled: never more connections than concurrent callers (an unpooled client opens one per request).
        assert row["tcp_connections"] <= 4, row
    assert [p["requests"] for p in results["preview"]] == [0, 0]
    assert results["targets"]["requests_per_call"]["met"] is True
    assert results["targets"]["preview_http_requests"]["met"] is True


def test_signing_cost_measures_both_schemes(quick_run: tuple[dict[str, Any], str]) -> None:
    results, printed = quick_run
    signing = results["signing"]
    assert signing["body_bytes"] > 100  # the benchmark's PATCH body, keys included
    for scheme in ("hmac", "basic"):
        assert signing[scheme]["us_per_request"] > 0
    assert "| HMAC-SHA256 |" in printed and "| Basic |" in printed


def test_rate_limited_run_sends_every_create_once_signed_and_accepted(quick_run: tuple[dict[str, Any], str]) -> None:
    results, printed = quick_run
    rate = results["rate_limited"]
    assert rate["n"] == RATE_N
    assert rate["max_requests_per_second"] == 50  # the default: the run leaves agora:maxRequestsPerSecond unset
    assert rate["forwarded"] == RATE_N and rate["requests"] == RATE_N
    assert rate["methods"] == {"PATCH": RATE_N} and rate["non_200"] == 0
    assert rate["auth"] == {"hmac ok": RATE_N}
    assert rate["floor_s"] == RATE_N / 50
    assert 1 <= rate["max_in_any_1s"] <= RATE_N
    assert f"| {RATE_N} |" in printed
