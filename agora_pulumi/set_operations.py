"""What every front end does to a ``SnapshotSettingSet``: one request per member that needs one.

Every member goes through the same single-setting operations as ``SnapshotSetting``
(:mod:`agora_pulumi.operations`): the same rules, messages, rename guard and retries. What the set adds is
*which* members are touched, and doing them concurrently: the client's process-wide rate limit
(``agora:maxRequestsPerSecond``) keeps the whole provider under Agora's limit however many run at once.

A failure leaves the members already applied applied (PATCH sets absolute values, so the next ``up``
converges); the error lists every member that failed. No Pulumi here: the dynamic and the native provider
both call these functions.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping, Optional, TypeVar

from .client import AgoraClient
from .errors import AgoraError, ConfigurationError
from .identity import SettingIdentity
from .kinds import LEGACY
from .operations import (
    DISABLED,
    SnapshotSettingError,
    Warn,
    disable_setting,
    listing,
    note_stderr,
    read_setting,
    warn_stderr,
    write_setting,
)
from .set_model import API, SETTINGS, member_changes, member_fields, member_kind, members

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
    others = total - len(errors)
    applied = f"the other {others} {'was' if others == 1 else 'were'} applied, and " if others else ""
    raise SnapshotSettingError(
        "\n".join(
            [
                *details,
                f"{doing} {set_label(set_id)} failed for {len(errors)} of {total} "
                f"setting{'s' if total != 1 else ''} that needed a request: {failed}; {applied}running "
                "`pulumi up` again converges (each request sets absolute values).",
            ]
        )
    )


def set_label(set_id: str) -> str:
    """How messages name a set: the dynamic provider is never told the resource's name, only its id."""
    app_ids = set_id[len(SET_ID_PREFIX):].split(",") if set_id.startswith(SET_ID_PREFIX) else [set_id]
    return f"the SnapshotSettingSet of App ID{'s' if len(app_ids) > 1 else ''} {', '.join(app_ids)}"


def set_id_of(props: Mapping[str, Any]) -> str:
    """``set:<appId>[,<appId>…]``: stable, readable, and never an id of a single setting."""
    app_ids = sorted({str(m.get("appId")) for m in members(props).values()})
    return SET_ID_PREFIX + ",".join(app_ids)


def _write(
    client: AgoraClient, set_id: str, news: Mapping[str, Any], keys: list[str], doing: str
) -> dict[str, Any]:
    wanted = members(news)

    def write(key: str) -> dict[str, Any]:
        member = wanted[key]
        kind = member_kind(member) or LEGACY
        return {API: kind.name, **write_setting(client, kind, member_fields(member), doing).to_state()}

    written, errors = _each(keys, write)
    _raise_if_failed(doing, set_id, errors, len(keys))
    return written


def _disable(
    client: AgoraClient,
    set_id: str,
    old: Mapping[str, Mapping[str, Any]],
    keys: list[str],
    doing: str,
    warn: Warn,
    tell: Warn = note_stderr,
) -> None:
    def disable(key: str) -> None:
        member = old[key]
        identity = SettingIdentity.from_props(member)
        if identity is None:  # not written by this package: nothing says which setting it was
            warn(f"{set_label(set_id)}: member {key!r} has no appId/entryPoint/region in state; "
                 "it was not disabled")
            return
        if disable_setting(client, member_kind(member) or LEGACY, identity, _ADVICE, warn, tell=_quiet):
            done.append(key)

    done: list[str] = []
    _, errors = _each(keys, disable)
    if done:
        tell(f"{set_label(set_id)}: {len(done)} member{'s' if len(done) != 1 else ''} {DISABLED}: "
             f"{listing(sorted(done))}")
    _raise_if_failed(doing, set_id, errors, len(keys))


def _quiet(_message: str) -> None:
    """Per-member notes of a set are summed up in one line instead."""


def create_set(client: AgoraClient, news: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Every member written: ``(set id, outputs)``."""
    set_id = set_id_of(news)
    return set_id, {SETTINGS: _write(client, set_id, news, list(members(news)), "Creating")}


def update_set(
    client: AgoraClient,
    set_id: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    warn: Warn = warn_stderr,
    tell: Warn = note_stderr,
) -> dict[str, Any]:
    """Changed and added members written, removed ones disabled, the rest kept as they were: the outputs."""
    changed, removed = member_changes(olds, news)
    written = _write(client, set_id, news, changed, "Updating")
    _disable(client, set_id, members(olds), removed, "Updating", warn, tell)
    wanted = members(news)
    kept = {key: dict(member) for key, member in members(olds).items() if key in wanted}
    return {SETTINGS: {**kept, **written}}


def read_set(
    client: AgoraClient, set_id: str, props: Mapping[str, Any], warn: Warn = warn_stderr, tell: Warn = note_stderr
) -> dict[str, Any]:
    """One GET per member; a member Agora no longer has (its entry point is gone) drops out of the set."""
    previous = members(props)

    def read(key: str) -> Optional[dict[str, Any]]:
        member = previous[key]
        identity = SettingIdentity.from_props(member)
        if identity is None:
            raise SnapshotSettingError(f"Cannot read member {key!r}: it has no appId/entryPoint/region.")
        kind = member_kind(member) or LEGACY
        state = read_setting(client, kind, identity, member_fields(member), warn, tell)
        return None if state is None else {API: kind.name, **state}

    states, errors = _each(list(previous), read)
    _raise_if_failed("Reading", set_id, errors, len(previous))
    return {SETTINGS: {key: value for key, value in states.items() if value is not None}}


def delete_set(
    client: AgoraClient, set_id: str, props: Mapping[str, Any], warn: Warn = warn_stderr, tell: Warn = note_stderr
) -> None:
    """Every member disabled (``enabled: false``), except those the rename guard keeps."""
    old = members(props)
    _disable(client, set_id, old, list(old), "Deleting (disabling)", warn, tell)


def set_diff_summary(set_id: str, diff: Mapping[str, str], total: int) -> Optional[str]:
    """One line naming the members a preview of a set changes and their fields: the preview's own diff of a
    set lists every member, changed or not."""
    if not diff:
        return None
    updated = [path for path, how in diff.items() if how == "update"]
    added = [path for path, how in diff.items() if how == "add"]
    removed = [path for path, how in diff.items() if how == "delete"]
    changed_members = {path.split("]", 1)[0] + "]" for path in updated}
    parts = []
    if updated:
        parts.append(f"{len(changed_members)} of {total} members change: {listing(updated)}")
    if added:
        parts.append(f"{len(added)} added: {listing(added)}")
    if removed:
        parts.append(f"{len(removed)} removed, each {DISABLED}: {listing(removed)}")
    return f"{set_label(set_id)}: " + "; ".join(parts)
