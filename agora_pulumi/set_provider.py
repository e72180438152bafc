"""The dynamic provider of ``SnapshotSettingSet``: a thin adapter from ``pulumi.dynamic`` to
:mod:`agora_pulumi.set_operations` (which the native provider serves too).

``check`` and ``diff`` never do HTTP; create/update/read/delete make one request per member that needs one.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .operations import note_stderr
from .provider import AgoraResourceProvider, _is_unknown, _plain, check_failures
from .set_model import SETTINGS, check_set, member_changes, member_diff, members
from .set_operations import (
    SET_ID_PREFIX,
    WORKERS,
    create_set,
    delete_set,
    read_set,
    set_diff_summary,
    update_set,
)

__all__ = ["SET_ID_PREFIX", "WORKERS", "SnapshotSettingSetProvider"]


class SnapshotSettingSetProvider(AgoraResourceProvider):
    """CRUD for ``SnapshotSettingSet``: create/update = one PATCH per changed member, read = one GET per member,
    delete = ``enabled: false`` per member."""

    # --- no HTTP ---------------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = check_set(_plain(news), _plain(_olds) or None, _is_unknown)
        return CheckResult(inputs, check_failures(failures))

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        olds, news = _plain(_olds), _plain(_news)
        if _is_unknown(news.get(SETTINGS)):
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        changed, removed = member_changes(olds, news, _is_unknown)
        # The dynamic protocol carries no detailed diff (the preview lists every member): name only what
        # changes on the provider's stderr, which the engine shows.
        summary = set_diff_summary(_id, member_diff(olds, news, _is_unknown), len(members(news)))
        if summary:
            note_stderr(summary)
        # Never a replace: a member whose identity changes is another member (one removed, one added).
        return DiffResult(changes=bool(changed or removed), replaces=[], delete_before_replace=False)

    # --- one request per member that needs one -------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        set_id, state = create_set(self._client(), _plain(props))
        return CreateResult(set_id, state)

    def update(self, id_: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(update_set(self._client(), id_, _plain(_olds), _plain(_news)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = read_set(self._client(), id_, _plain(props))
        return ReadResult(id_, state, dict(state))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        delete_set(self._client(), id_, _plain(_props))
