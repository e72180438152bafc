"""The dynamic provider of ``SnapshotSettingSet``: many settings in one resource, one request per member
that needs one.

Every member goes through the same single-setting operations as ``SnapshotSetting`` (:func:`write_setting`,
:func:`read_setting`, :func:`disable_setting`): the same rules, messages, rename guard and retries. What the
set adds is *which* members are touched, and doing them concurrently: the client's process-wide rate limit
(``agora:maxRequestsPerSecond``) keeps the whole provider under Agora's limit however many run at once.

A failure leaves the members already applied applied (PATCH sets absolute values, so the next ``up``
converges); the error lists every member that failed.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping, Optional, TypeVar

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from .errors import AgoraError, ConfigurationError
from .identity import SettingIdentity
from .kinds import LEGACY
from .provider import (
    AgoraResourceProvider,
    SnapshotSettingError,
    _is_unknown,
    _plain,
    _warn,
    disable_setting,
    read_setting,
    write_setting,
)
from .set_model import (
    API,
    SETTINGS,
    check_set,
    member_changes,
    member_fields,
    member_kind,
    members,
)

WORKERS = 8
"""Concurrent requests of one set operation: enough to fill 50 requests/s at Agora's latencies, within the
client's connection pool; the rate limit, not this, bounds the request rate."""

SET_ID_PREFIX = "set:"

T = TypeVar("T")

_ADVICE = "Moving a setting between resources (a set and single settings) in one `pulumi up` leaves it enabled."


_FATAL_STATUSES = frozenset({401, 403})
"""Answers that every other member would get too (wrong credentials, no permission): stop sending."""


class NotAttempted(AgoraError):
    """A member's request was not sent because an earlier one showed every request would fail."""


def _each(keys: list[str], work: Callable[[str], T]) -> tuple[dict[str, T], dict[str, AgoraError]]:
    """Run ``work`` for every key concurrently: ``(results, errors)``, both by key. One member's failure does
    not cancel the others, except a 401/403 or a configuration error, which every request would meet: the
    members not yet started are then reported as not attempted instead of each failing the same way."""
    results: dict[str, T] = {}
    errors: dict[str, AgoraError] = {}
    if not keys:
        return results, errors
    stop = threading.Event()

    def run(key: str) -> T:
        if stop.is_set():
            raise NotAttempted("not attempted")
        try:
            return work(key)
        except AgoraError as exc:
            if isinstance(exc, ConfigurationError) or getattr(exc, "status", None) in _FATAL_STATUSES:
                stop.set()
            raise

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(keys))) as pool:
        futures = {key: pool.submit(run, key) for key in keys}
        for key, future in futures.items():
            try:
                results[key] = future.result()
            except AgoraError as exc:
                errors[key] = exc
    return results, errors


def _brief(error: AgoraError) -> str:
    if isinstance(error, NotAttempted):
        return "not attempted"
    status = getattr(error, "status", None)
    return f"HTTP {status}" if status is not None else type(error).__name__


def _raise_if_failed(doing: str, set_id: str, errors: Mapping[str, AgoraError], total: int) -> None:
    """One error for every failed member: each member's full message on its own line, then a last line that
    says everything (the SDK prints a traceback above a provider error, and users read the last line)."""
    if not errors:
        return
    details = [f"  - {errors[key]}" for key in sorted(errors) if not isinstance(errors[key], NotAttempted)]
    failed = ", ".join(f"{key} ({_brief(errors[key])})" for key in sorted(errors))
    raise SnapshotSettingError(
        "\n".join(
            [
                *details,
                f"{doing} snapshot setting set {set_id} failed for {len(errors)} of {total} settings: {failed}; the "
                "others were applied, and running `pulumi up` again converges (each request sets absolute values).",
            ]
        )
    )


class SnapshotSettingSetProvider(AgoraResourceProvider):
    """CRUD for ``SnapshotSettingSet``: create/update = one PATCH per changed member, read = one GET per member,
    delete = ``enabled: false`` per member."""

    # --- no HTTP ---------------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = check_set(_plain(news), _plain(_olds) or None, _is_unknown)
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        olds, news = _plain(_olds), _plain(_news)
        if _is_unknown(news.get(SETTINGS)):
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        changed, removed = member_changes(olds, news, _is_unknown)
        # Never a replace: a member whose identity changes is another member (one removed, one added).
        return DiffResult(changes=bool(changed or removed), replaces=[], delete_before_replace=False)

    # --- one request per member that needs one -------------------------------------------------------

    def _write(self, set_id: str, news: Mapping[str, Any], keys: list[str], doing: str) -> dict[str, Any]:
        client = self._client()
        wanted = members(news)

        def write(key: str) -> dict[str, Any]:
            member = wanted[key]
            kind = member_kind(member) or LEGACY
            return {API: kind.name, **write_setting(client, kind, member_fields(member), doing).to_state()}

        written, errors = _each(keys, write)
        _raise_if_failed(doing, set_id, errors, len(keys))
        return written

    def create(self, props: dict[str, Any]) -> CreateResult:
        news = _plain(props)
        set_id = _set_id(news)
        written = self._write(set_id, news, list(members(news)), "Creating")
        return CreateResult(set_id, {SETTINGS: written})

    def update(self, id_: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        olds, news = _plain(_olds), _plain(_news)
        changed, removed = member_changes(olds, news)
        written = self._write(id_, news, changed, "Updating")
        self._disable(id_, members(olds), removed, "Updating")
        wanted = members(news)
        kept = {key: dict(member) for key, member in members(olds).items() if key in wanted}
        return UpdateResult({SETTINGS: {**kept, **written}})

    def _disable(self, set_id: str, old: Mapping[str, Mapping[str, Any]], keys: list[str], doing: str) -> None:
        client = self._client()

        def disable(key: str) -> None:
            member = old[key]
            identity = SettingIdentity.from_props(member)
            if identity is None:  # not written by this package: nothing says which setting it was
                _warn(f"snapshot setting set {set_id}: member {key!r} has no appId/entryPoint/region in state; "
                      "it was not disabled")
                return
            disable_setting(client, member_kind(member) or LEGACY, identity, _ADVICE)

        _, errors = _each(keys, disable)
        _raise_if_failed(doing, set_id, errors, len(keys))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        previous = members(_plain(props))
        client = self._client()

        def read(key: str) -> Optional[dict[str, Any]]:
            member = previous[key]
            identity = SettingIdentity.from_props(member)
            if identity is None:
                raise SnapshotSettingError(f"Cannot read member {key!r}: it has no appId/entryPoint/region.")
            kind = member_kind(member) or LEGACY
            state = read_setting(client, kind, identity, member_fields(member))
            return None if state is None else {API: kind.name, **state}

        states, errors = _each(list(previous), read)
        _raise_if_failed("Reading", id_, errors, len(previous))
        # A member Agora no longer has (its entry point is gone) drops out of the set; the others stay.
        state = {SETTINGS: {key: value for key, value in states.items() if value is not None}}
        return ReadResult(id_, state, dict(state))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        old = members(_plain(_props))
        self._disable(id_, old, list(old), "Deleting (disabling)")


def _set_id(props: Mapping[str, Any]) -> str:
    """``set:<appId>[,<appId>…]``: stable, readable, and never an id of a single setting."""
    app_ids = sorted({str(m.get("appId")) for m in members(props).values()})
    return SET_ID_PREFIX + ",".join(app_ids)
