"""Agora's call frequency limit in the emulator: N requests per second per customer ID, 429 + Retry-After above.

A burst from one thread on 127.0.0.1 sends 60 requests well within a second, so the 51st onwards must be refused;
the assertions are on what a client sees (status, ``Retry-After``) and on what the emulator logged.
"""

from __future__ import annotations

import time

import pytest

from agora_pulumi.emulator.throttle import CustomerRateLimit, claimed_customer
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator

from .support import APP, CREDS, ENTRY_POINTS, basic, new_session, settings_path


def burst(emu: EmulatorHandle, n: int, auth: tuple[str, str] = CREDS) -> list[tuple[int, str | None]]:
    """``n`` PATCHes as fast as one connection sends them: (status, Retry-After) of each."""
    session = new_session(auth)
    answers = []
    for i in range(n):
        response = session.patch(emu.url + settings_path(), json={"enabled": True, "snapshotInterval": 5 + i})
        answers.append((response.status_code, response.headers.get("Retry-After")))
    session.close()
    return answers


@pytest.mark.parametrize("in_process", [True, False])
def test_the_default_limit_is_50_per_second_per_customer_with_retry_after(in_process: bool) -> None:
    with running_emulator(in_process=in_process, entry_points=ENTRY_POINTS) as emu:
        started = time.monotonic()
        answers = burst(emu, 60)
        assert time.monotonic() - started < 1.0, "the burst must fit in one second for this test to mean anything"
        statuses = [status for status, _ in answers]
        assert statuses[:50] == [200] * 50
        assert statuses[50:] == [429] * 10
        assert {retry_after for status, retry_after in answers if status == 429} == {"1"}
        # a refused write is not applied: the stored interval is the 50th request's
        assert emu.stored(APP, "live", "cn")["snapshotInterval"] == 5 + 49  # type: ignore[index]
        log = emu.requests()
        assert [e["throttled"] for e in log] == [False] * 50 + [True] * 10
        assert [e["status"] for e in log if e["throttled"]] == [429] * 10
        assert emu.stderr_text().count(" throttled") == 10
        assert "rate limit: 50 requests/s per customer ID" in emu.stderr_text() or in_process


def test_the_budget_comes_back_after_retry_after() -> None:
    with running_emulator(entry_points=ENTRY_POINTS, rate_limit=5) as emu:
        answers = burst(emu, 6)
        assert [s for s, _ in answers] == [200] * 5 + [429]
        time.sleep(float(answers[-1][1] or 0))
        assert [s for s, _ in burst(emu, 5)] == [200] * 5


def test_separate_customers_have_separate_budgets() -> None:
    with running_emulator(entry_points=ENTRY_POINTS, rate_limit=5) as emu:
        assert [s for s, _ in burst(emu, 7)] == [200] * 5 + [429] * 2
        # another account's requests are not throttled by this one's burst (its credentials are wrong: 401)
        assert [s for s, _ in burst(emu, 5, ("another-customer", "x"))] == [401] * 5
        assert [s for s, _ in burst(emu, 2, ("another-customer", "x"))] == [429] * 2
        # nor does its burst spend the first customer's budget beyond what that one spent itself
        assert [s for s, _ in burst(emu, 1)] == [429]


def test_rate_limit_zero_turns_it_off() -> None:
    with running_emulator(entry_points=ENTRY_POINTS, rate_limit=0) as emu:
        assert {s for s, _ in burst(emu, 120)} == {200}
        assert not any(e["throttled"] for e in emu.requests())


def test_reset_restores_every_budget() -> None:
    with running_emulator(entry_points=ENTRY_POINTS, rate_limit=3) as emu:
        assert [s for s, _ in burst(emu, 4)] == [200] * 3 + [429]
        emu.reset()
        assert [s for s, _ in burst(emu, 3)] == [200] * 3


@pytest.mark.parametrize("value", ["-1", "x", "1.5"])
def test_a_bad_rate_limit_flag_is_refused(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    from agora_pulumi.emulator.cli import parse_config

    with pytest.raises(SystemExit) as exited:
        parse_config(["--rate-limit", value])
    assert exited.value.code == 2
    assert "--rate-limit" in capsys.readouterr().err


def test_claimed_customer_reads_basic_and_hmac_without_verifying() -> None:
    assert claimed_customer(basic("acme", "wrong")) == "acme"
    hmac = 'hmac username="acme", algorithm="hmac-sha256", headers="host date request-line digest", signature="x"'
    assert claimed_customer(hmac) == "acme"
    assert claimed_customer(None) == claimed_customer("Bearer t") == claimed_customer("Basic !!") == ""


def test_a_window_is_any_second_not_a_calendar_second() -> None:
    now = [0.0]
    limit = CustomerRateLimit(2, clock=lambda: now[0])
    now[0] = 0.9
    assert limit.admit("a") is None and limit.admit("a") is None
    now[0] = 1.05  # a new calendar second, but both admissions are within the last second
    assert limit.admit("a") == 1
    now[0] = 1.95
    assert limit.admit("a") is None
