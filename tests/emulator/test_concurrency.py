"""Concurrent clients: no PATCH is lost, with the in-memory store and with the SQLite file store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from agora_pulumi.regions import PUSH_REGIONS
from agora_pulumi.testing.emulator import running_emulator

from .support import new_session, settings_path

THREADS = 8
PER_THREAD = 25


def expected(thread: int, index: int) -> Tuple[Tuple[str, str, str], Dict[str, Any]]:
    key = (f"app{thread}", f"ep{index}", PUSH_REGIONS[(thread + index) % len(PUSH_REGIONS)])
    setting = {
        "enabled": index % 2 == 0,
        "enableModeration": thread % 2 == 0,
        "snapshotInterval": 5 + (thread * PER_THREAD + index) % 296,
        "storageConfig": {
            "accessKey": f"ak{thread}",
            "bucket": f"b{index}",
            "region": 0,
            "secretKey": "s",
            "vendor": 1,
        },
    }
    return key, setting


@pytest.mark.parametrize("mode", ["in_process", "subprocess_db"])
def test_parallel_patches_of_distinct_settings_lose_nothing(mode: str, tmp_path: Path) -> None:
    db = str(tmp_path / "c.sqlite") if mode == "subprocess_db" else None
    with running_emulator(in_process=mode == "in_process", db=db, rate_limit=0) as emu:  # a burst, on purpose

        def worker(thread: int) -> List[int]:
            session = new_session()
            statuses = []
            for index in range(PER_THREAD):
                key, setting = expected(thread, index)
                statuses.append(session.patch(emu.url + settings_path(*key), json=setting).status_code)
            session.close()
            return statuses

        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(worker, range(THREADS)))
        assert all(status == 200 for statuses in results for status in statuses)
        assert len(emu.api_requests("PATCH")) == THREADS * PER_THREAD
        assert len({e["seq"] for e in emu.requests()}) == THREADS * PER_THREAD
        if db is not None:
            emu.restart()
        http = new_session()
        for thread in range(THREADS):
            for index in range(PER_THREAD):
                key, setting = expected(thread, index)
                assert emu.stored(*key) == setting
                assert http.get(emu.url + settings_path(*key)).json() == setting


def test_parallel_merges_into_one_setting_keep_every_field(tmp_path: Path) -> None:
    """Concurrent PATCHes of *different* fields of one setting: the merge is atomic, so the final setting
    holds the last value each field was given, whatever the interleaving."""
    with running_emulator(db=str(tmp_path / "m.sqlite"), rate_limit=0) as emu:  # a burst, on purpose
        target = emu.url + settings_path()

        def interval_writer(_: int) -> None:
            session = new_session()
            for value in range(5, 55):
                assert (
                    session.patch(target, json={"enabled": True, "snapshotInterval": value}).status_code
                    == 200
                )

        def moderation_writer(_: int) -> None:
            session = new_session()
            for value in [False] * 49 + [True]:
                assert (
                    session.patch(target, json={"enabled": True, "enableModeration": value}).status_code
                    == 200
                )

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda f: f(0), [interval_writer, moderation_writer]))
        assert emu.stored("0123456789abcdef0123456789abcdef", "live", "cn") == {
            "enabled": True,
            "enableModeration": True,
            "snapshotInterval": 54,
        }
