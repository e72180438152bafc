"""What every front end does to one setting: write it, read it, disable it, and the rename guard.

The dynamic provider (``pulumi.dynamic``, Python programs) and the native provider (every language) are two
adapters over these functions, as one Terraform core serves every language in pulumi-terraform-bridge: the
same requests, messages and guard, whichever engine protocol called. No Pulumi here; a front end passes a
``warn`` callable to reach the user through its own channel (stderr for the dynamic provider, the engine's
``Log`` service for the native one).

The rename guard: ids written (created or updated) by this process, i.e. in this deployment. A delete of one
of them comes from another resource that owned the same setting (a rename without aliases, or a move
between resources): disabling it would undo what was just applied, so it is left enabled with a warning.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Mapping, Optional

from .client import AgoraClient
from .errors import AgoraError, NotFoundError
from .identity import SettingIdentity
from .kinds import SettingKind
from .model import (
    InvalidResponseBody,
    Setting,
    diff_paths,
    has_unmanaged_storage,
    setting_from_props,
    state_from_response,
)
from .names import SECRET_STORAGE_FIELDS

Warn = Callable[[str], None]

_SECRET_PATHS = frozenset(f"storageConfig.{key}" for key in SECRET_STORAGE_FIELDS)


class SnapshotSettingError(AgoraError):
    """An operation on one setting failed; the message names the setting and what to do. ``status`` is
    Agora's HTTP status when there was one."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


def warn_stderr(message: str) -> None:
    """The dynamic provider's channel: the engine shows a dynamic provider's stderr to the user."""
    sys.stderr.write(f"warning: {message}\n")
    sys.stderr.flush()


def note_stderr(message: str) -> None:
    """The dynamic provider's channel for information: the engine shows a provider's stderr lines."""
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


DISABLED = "disabled at Agora (enabled: false; its storage config is kept, Agora has no delete)"
"""What a delete, a replace's second half and a member's removal really do, said the same everywhere."""

_LISTED = 20
"""Paths named in one summary line; more are counted, not listed."""


def listing(paths: list[str]) -> str:
    """At most twenty names, then how many more."""
    shown = ", ".join(paths[:_LISTED])
    return shown + (f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else "")


def diff_summary(kind: SettingKind, id_: str, paths: list[str], replaces: list[str]) -> Optional[str]:
    """One line naming what a preview of a single setting changes (never a value): the engine shows only
    ``~ update`` for a secret ``storageConfig``, so a key rotation would name no field."""
    if not paths:
        return None
    line = f"{kind.label} {id_}: changes {listing(paths)}"
    if replaces:
        line += f"; {', '.join(replaces)} names another setting, so the new one is written, then {id_} is {DISABLED}"
    return line


_Written = tuple[str, str]  # (kind name, setting id): the three APIs' settings are independent
_WRITTEN: set[_Written] = set()
_WRITTEN_LOCK = threading.Lock()


def _claim(id_: _Written) -> None:
    with _WRITTEN_LOCK:
        _WRITTEN.add(id_)


def written_here(kind: SettingKind, identity: SettingIdentity) -> bool:
    """This process (this deployment) wrote the setting through some resource."""
    with _WRITTEN_LOCK:
        return (kind.name, identity.id) in _WRITTEN


def write_setting(client: AgoraClient, kind: SettingKind, props: Mapping[str, Any], doing: str) -> Setting:
    """One PATCH with the full desired body; the id is then owned by this deployment (the rename guard)."""
    setting = setting_from_props(props)
    try:
        client.patch_setting(setting.identity, setting.to_body(), kind)
    except AgoraError as exc:
        raise SnapshotSettingError(f"{doing} {kind.label} {setting.id} failed. {exc}", status_of(exc)) from None
    _claim((kind.name, setting.id))
    return setting


def identity_to_read(kind: SettingKind, props: Mapping[str, Any], id_: str) -> SettingIdentity:
    """Which setting a refresh (its state) or an import (its id alone) reads, or an error saying the id's form."""
    identity = SettingIdentity.from_props(props, id_)
    if identity is None:
        raise SnapshotSettingError(
            f"Cannot read {kind.label} {id_!r}: the id must be 'appId/entryPoint/region', e.g. myAppId/live/na."
        )
    return identity


def read_setting(
    client: AgoraClient,
    kind: SettingKind,
    identity: SettingIdentity,
    previous: Optional[Mapping[str, Any]],
    warn: Warn = warn_stderr,
    tell: Warn = note_stderr,
) -> Optional[dict[str, Any]]:
    """One GET: the setting's state, or ``None`` when Agora says the entry point is gone (with a warning
    naming it). Drift in a field that is not a key is named (``tell``): a preview shows a drifted
    ``storageConfig`` only as ``[secret]``."""
    body = get_body(client, kind, identity)
    if body is None:
        warn(
            f"{kind.label} {identity}: Agora answers that its entry point does not exist (404), so it is "
            "removed from the state; declare it again once the entry point exists, or remove it from the program."
        )
        return None
    state = _state(kind, identity, body, previous)
    if previous:
        drift = [p for p in diff_paths(previous, state, kind=kind) if p not in _SECRET_PATHS]
        if drift:
            tell(f"{kind.label} {identity}: Agora holds other values than the state for {listing(drift)} (drift)")
    if has_unmanaged_storage(body, previous):
        warn(
            f"Agora holds a storage config for {kind.label} {identity} that this resource does "
            "not manage (set outside Pulumi); it is left out of state and stays in effect at Agora. Declare "
            "storageConfig on the resource (storage_config in Python) to manage it."
        )
    return state


def look_up_setting(client: AgoraClient, kind: SettingKind, identity: SettingIdentity) -> Optional[dict[str, Any]]:
    """One GET for a read-only lookup: everything Agora holds, its storage config included (the caller marks
    the keys secret); ``None`` when the entry point is gone. A masked key reads as ``None``."""
    body = get_body(client, kind, identity)
    if body is None:
        return None
    holds_storage = kind.takes_storage and isinstance(body.get("storageConfig"), Mapping)
    return _state(kind, identity, body, {"storageConfig": {}} if holds_storage else None)


def get_body(client: AgoraClient, kind: SettingKind, identity: SettingIdentity) -> Optional[dict[str, Any]]:
    try:
        return client.get_setting(identity, kind)
    except NotFoundError:
        return None
    except AgoraError as exc:
        raise SnapshotSettingError(f"Reading {kind.label} {identity} failed. {exc}", status_of(exc)) from None


def _state(
    kind: SettingKind, identity: SettingIdentity, body: Mapping[str, Any], previous: Optional[Mapping[str, Any]]
) -> dict[str, Any]:
    try:
        return state_from_response(identity, body, previous, kind)
    except InvalidResponseBody as exc:
        # A wrong-typed answer is not drift: refuse it rather than write it (or a guess) into state.
        raise SnapshotSettingError(
            f"Reading {kind.label} {identity} failed: Agora's answer is not valid: {exc}. Check that "
            "agora:endpoint points at Agora's API (no proxy or gateway in between) and run `pulumi refresh` "
            "again; the state is unchanged."
        ) from None


def disable_setting(
    client: AgoraClient,
    kind: SettingKind,
    identity: SettingIdentity,
    advice: str,
    warn: Warn = warn_stderr,
    tell: Warn = note_stderr,
) -> bool:
    """PATCH ``enabled: false`` (``True``), unless this deployment just wrote the setting through another resource (a
    rename without aliases, a move between resources): then it is left enabled, with a warning."""
    if written_here(kind, identity):
        warn(
            f"{kind.label} {identity} was just written by another resource in this deployment "
            "(a rename without `aliases`, or two resources for one setting); it is left enabled rather than "
            f"disabled. {advice}"
        )
        return False
    try:
        client.patch_setting(identity, {"enabled": False}, kind)
    except NotFoundError:
        return False  # the entry point is gone, and with it the setting
    except AgoraError as exc:
        raise SnapshotSettingError(
            f"Deleting (disabling) {kind.label} {identity} failed; it is still in the stack. {exc}", status_of(exc)
        ) from None
    tell(f"{kind.label} {identity}: {DISABLED}")
    return True


def status_of(error: AgoraError) -> Optional[int]:
    status = getattr(error, "status", None)
    return status if isinstance(status, int) else None
